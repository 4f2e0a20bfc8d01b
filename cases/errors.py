"""Moved to `core.errors` (the bottom layer, so the API's one exception handler can render
them); this re-export keeps older imports working until every caller imports `core.errors`."""

from core.errors import *  # noqa: F403
from core.errors import (  # noqa: F401
    ApplicationError,
    DuplicateRecord,
    NotPermitted,
    TransitionRefused,
    clean_or_refuse,
    constraint_name,
    duplicates_refused,
    existing_record,
    refusal_from_validation,
    refusal_of,
    show_on_form,
)
