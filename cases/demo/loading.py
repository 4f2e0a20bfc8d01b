"""Writing demo households: PostgreSQL COPY, a few thousand households per transaction, writing
only the households of a seed that are missing (a rerun is idempotent)."""

from __future__ import annotations

import datetime
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pghistory
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError

from .household import MAX_CASES, References, demo_household, household_start

CASE_COLUMNS = (
    "id",
    "unhcr_case_number",
    "urgency",
    "referral_date",
    "status",
    "resume_status",
    "status_changed_at",
    "notes",
    "created_at",
    "updated_at",
    "caseworker_id",
    "destination_country_id",
    "location_id",
    "movement_type_id",
    "programme_id",
    "submission_category_id",
)


# The generated name keys are left to the database.
INDIVIDUAL_COLUMNS = (
    "id",
    "case_id",
    "given_name",
    "family_name",
    "sex",
    "date_of_birth",
    "date_of_birth_estimated",
    "nationality_id",
    "relationship",
    "unhcr_individual_number",
    "languages",
    "special_needs",
    "created_at",
    "updated_at",
)


DOCUMENT_COLUMNS = (
    "individual_id",
    "document_type",
    "number",
    "issuing_country_id",
    "issued_on",
    "expires_on",
    "created_at",
)


INTERVIEW_COLUMNS = (
    "case_id",
    "kind",
    "scheduled_for",
    "venue",
    "interviewer",
    "outcome",
    "decision",
    "decided_on",
    "notes",
    "recorded_by_id",
    "created_at",
    "updated_at",
)


EVENT_COLUMNS = (
    "case_id",
    "kind",
    "actor_id",
    "at",
    "from_status",
    "to_status",
    "transition",
    "reason",
    "data",
)


# Tables in the order they are written (parents first), with their columns.
DEMO_TABLES = (
    ("cases_case", CASE_COLUMNS),
    ("cases_individual", INDIVIDUAL_COLUMNS),
    ("cases_traveldocument", DOCUMENT_COLUMNS),
    ("cases_interview", INTERVIEW_COLUMNS),
    ("cases_caseevent", EVENT_COLUMNS),
)


DEFAULT_SEED = 2026


DEFAULT_CHUNK = 5_000


@dataclass
class DemoDataSummary:
    """What a load wrote."""

    cases: int = 0
    people: int = 0
    documents: int = 0
    interviews: int = 0
    events: int = 0
    skipped: int = 0
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return self.cases + self.people + self.documents + self.interviews + self.events

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def add(self, other: DemoDataSummary) -> None:
        for name in ("cases", "people", "documents", "interviews", "events", "skipped"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def demo_data_load(
    *,
    cases: int,
    seed: int = DEFAULT_SEED,
    chunk_size: int = DEFAULT_CHUNK,
    now: datetime.datetime | None = None,
    progress: Callable[[DemoDataSummary, int], None] | None = None,
) -> DemoDataSummary:
    """Make sure households 0..cases-1 of `seed` exist; write those that do not.

    Idempotent: households whose UNHCR case number exists are skipped, so a rerun writes
    nothing and a larger `cases` writes only the new ones. Each chunk of `chunk_size`
    households is one transaction (all or nothing). Audit rows carry a context with
    reason "demo data". `progress(summary, households_done)` is called after each chunk.
    """
    if not 0 <= cases <= MAX_CASES:
        raise ApplicationError(
            _("The number of cases must be between 0 and %(max)d.") % {"max": MAX_CASES},
            field="cases",
        )
    tz = ZoneInfo(settings.TIME_ZONE)
    now = now or timezone.now()
    refs = References.load()
    summary = DemoDataSummary()
    started = time.perf_counter()
    with pghistory.context(user=None, reason="demo data") as audit:
        audit_context = (str(audit.id), json.dumps(audit.metadata))
        for first in range(0, cases, chunk_size):
            indexes = range(first, min(cases, first + chunk_size))
            with transaction.atomic():
                summary.add(_load_chunk(seed, indexes, refs, now, tz, audit_context))
            if progress is not None:
                summary.seconds = time.perf_counter() - started
                progress(summary, indexes.stop)
    summary.seconds = time.perf_counter() - started
    return summary


def _load_chunk(seed, indexes, refs, now, tz, audit_context) -> DemoDataSummary:
    starts = [household_start(seed=seed, index=i) for i in indexes]
    with connection.cursor() as cursor:
        prepare_bulk_transaction(cursor, *audit_context)
        cursor.execute(
            "SELECT unhcr_case_number FROM cases_case WHERE unhcr_case_number = ANY(%s)",
            [[s.unhcr_case_number for s in starts]],
        )
        existing = {row[0] for row in cursor.fetchall()}
        households = [
            demo_household(s, refs=refs, now=now, tz=tz)
            for s in starts
            if s.unhcr_case_number not in existing
        ]
        summary = DemoDataSummary(skipped=len(starts) - len(households))
        if not households:
            return summary
        case_ids = _draw_ids(cursor, "cases_case", len(households))
        person_ids = _draw_ids(cursor, "cases_individual", sum(len(h.members) for h in households))
        _copy_households(cursor.cursor, households, case_ids, person_ids)
    summary.cases = len(households)
    summary.people = len(person_ids)
    summary.documents = sum(len(h.documents) for h in households)
    summary.interviews = sum(len(h.interviews) for h in households)
    summary.events = sum(len(h.events) for h in households)
    return summary


def prepare_bulk_transaction(cursor, context_id: str, context_metadata: str) -> None:
    """Settings for the current transaction before rows go in with COPY.

    The audit context: COPY goes around Django's cursor wrapper, so pghistory cannot add it.

    `pgtrigger.ignore` set to "ignore nothing": every pgtrigger trigger reads this setting and,
    when it is unset, catches the error in a PL/pgSQL exception block. Each caught error aborts
    a subtransaction, and on every subtransaction abort PostgreSQL rescans all deferred trigger
    events still pending in the transaction (Django's foreign keys and the one-principal check
    are deferred), which makes a bulk load quadratic in the rows of a transaction. With the
    setting present no error is raised; every trigger still runs.
    """
    cursor.execute(
        "SELECT set_config('pghistory.context_id', %s, true), "
        "set_config('pghistory.context_metadata', %s, true), "
        "set_config('pgtrigger.ignore', '{}', true)",
        [context_id, context_metadata],
    )


def _draw_ids(cursor, table: str, count: int) -> list[int]:
    """Primary keys from the table's own sequence, so rows can point at each other in COPY."""
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
        [table, count],
    )
    return [row[0] for row in cursor.fetchall()]


def _copy_sql(table: str, columns) -> str:
    return f"COPY {table} ({', '.join(columns)}) FROM STDIN"


def _copy_households(raw_cursor, households, case_ids, person_ids) -> None:
    """Write the households with COPY, parents first (foreign keys are checked per row)."""
    with raw_cursor.copy(_copy_sql("cases_case", CASE_COLUMNS)) as copy:
        for case_id, household in zip(case_ids, households, strict=True):
            copy.write_row((case_id, *household.case))
    member_ids = []  # per household, the ids of its members
    with raw_cursor.copy(_copy_sql("cases_individual", INDIVIDUAL_COLUMNS)) as copy:
        ids = iter(person_ids)
        for case_id, household in zip(case_ids, households, strict=True):
            mine = []
            for member in household.members:
                person_id = next(ids)
                mine.append(person_id)
                copy.write_row((person_id, case_id, *member))
            member_ids.append(mine)
    with raw_cursor.copy(_copy_sql("cases_traveldocument", DOCUMENT_COLUMNS)) as copy:
        for mine, household in zip(member_ids, households, strict=True):
            for position, document in household.documents:
                copy.write_row((mine[position], *document))
    with raw_cursor.copy(_copy_sql("cases_interview", INTERVIEW_COLUMNS)) as copy:
        for case_id, household in zip(case_ids, households, strict=True):
            for interview in household.interviews:
                copy.write_row((case_id, *interview))
    with raw_cursor.copy(_copy_sql("cases_caseevent", EVENT_COLUMNS)) as copy:
        for case_id, household in zip(case_ids, households, strict=True):
            for event in household.events:
                copy.write_row((case_id, *event))
