"""The reports' own refusals (answered by the one API error handler and by the pages)."""

from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError


class AlreadyApproved(ApplicationError):
    status_code = 409
    default_code = "already_approved"


class NotApprovable(ApplicationError):
    status_code = 409
    default_code = "not_approvable"


class ImportRefused(ApplicationError):
    """A file of past departures that cannot be imported; `errors` lists every bad line."""

    default_code = "import_refused"

    def __init__(self, message, *, errors: list[dict] | None = None, field: str = "file"):
        self.errors = errors or []
        super().__init__(message, field=field, extra={"lines": self.errors})


class DrillDownRefused(ApplicationError):
    status_code = 403
    default_code = "permission_denied"

    def __init__(self, message=None, **kwargs):
        super().__init__(message or _("You may not see the records behind this figure."), **kwargs)
