"""Moved to `core.errors` (the bottom layer, so the API's one exception handler can render
them); this re-export keeps older imports working until every caller imports `core.errors`."""

from core.errors import ApplicationError, NotPermitted, TransitionRefused  # noqa: F401
