"""Demo data: households of refugees in Rwanda's camps moving through the workflow, and one demo
account per role.

Every household is drawn from its own random generator, seeded with (seed, index), so case number
`index` of a seed is always the same household and its UNHCR case number is a function of both.
That makes loading idempotent: a rerun looks up which of the N numbers exist and writes only the
missing households. The timeline of each case walks `cases.workflow.TRANSITIONS` (names, sources
and targets come from the table), so every status is reached the way a caseworker would reach it.

Rows go in with PostgreSQL COPY, a few thousand households per transaction, so memory stays
bounded and each transaction is all-or-nothing. The database still does its part on every row:
the audit triggers (demo rows are audited, under a context that says "demo data"), the generated
name keys, and the deferred check that each case has exactly one principal applicant.

One module per concern: `population` (who the households are), `workflow_path` (their path
through the workflow and its timing), `members` and `household` (one household as rows),
`loading` (writing them), `accounts` (the demo accounts). The names the commands, benchmarks and
tests use are importable from here.
"""

from .accounts import DEMO_PASSWORD, DEMO_USERS, demo_users_ensure
from .household import MAX_CASES
from .loading import (
    DEFAULT_CHUNK,
    DEFAULT_SEED,
    DEMO_TABLES,
    DemoDataSummary,
    demo_data_load,
    prepare_bulk_transaction,
)

__all__ = [
    "DEFAULT_CHUNK",
    "DEFAULT_SEED",
    "DEMO_PASSWORD",
    "DEMO_TABLES",
    "DEMO_USERS",
    "MAX_CASES",
    "DemoDataSummary",
    "demo_data_load",
    "demo_users_ensure",
    "prepare_bulk_transaction",
]
