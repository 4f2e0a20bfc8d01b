"""The application's own errors, raised by every app's services. One DRF exception handler
(`core.api.errors`) and the views turn them into answers."""

from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    """A refusal a person can act on. `field` names the input at fault, when there is one."""

    status_code = 400
    default_code = "invalid"

    def __init__(self, message, *, code: str | None = None, field: str | None = None, extra=None):
        super().__init__(str(message))
        self.message = message
        self.code = code or self.default_code
        self.field = field
        self.extra = extra or {}


class NotPermitted(ApplicationError):
    status_code = 403
    default_code = "permission_denied"

    def __init__(self, message=None, **kwargs):
        super().__init__(message or _("Your role does not allow this."), **kwargs)


class TransitionRefused(ApplicationError):
    """A workflow step that cannot be taken now; `reasons` lists every failing condition."""

    status_code = 409
    default_code = "transition_refused"

    def __init__(self, transition: str, reasons: list[str], *, code: str | None = None):
        self.transition = transition
        self.reasons = [str(r) for r in reasons]
        super().__init__(
            self.reasons[0] if self.reasons else _("This step is not possible now."),
            code=code,
            extra={"transition": transition, "reasons": self.reasons},
        )
