"""Writes to cases and their members. Each service validates, writes in one transaction, tells
the timeline, and names the acting user for the audit trail. Status is not written here: see
`cases.workflow.case_transition`.

One module per kind of write: `referrals` (new cases, one or many), `household` (the case's
fields and its members after intake), `documents` (travel documents), `tally` (the status
tally); `rules` holds the household's rules they all check. The services the pages, the API,
partner intake, commands and tests call are importable from here.
"""

from .documents import travel_document_add, travel_document_remove, travel_document_update
from .household import case_update, individual_add, individual_remove, individual_update
from .referrals import PossibleDuplicates, case_create, case_create_many
from .rules import CASE_EDITABLE_FIELDS, INDIVIDUAL_EDITABLE_FIELDS, principal_problem
from .tally import case_tally_rebuild

__all__ = [
    "CASE_EDITABLE_FIELDS",
    "INDIVIDUAL_EDITABLE_FIELDS",
    "PossibleDuplicates",
    "case_create",
    "case_create_many",
    "case_tally_rebuild",
    "case_update",
    "individual_add",
    "individual_remove",
    "individual_update",
    "principal_problem",
    "travel_document_add",
    "travel_document_remove",
    "travel_document_update",
]
