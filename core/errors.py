"""The application's own errors, raised by every app's services. One DRF exception handler
(`core.api.errors`) and the views turn them into answers; `cases.errors` holds the helpers that
build them from model validation and unique constraints, and put them on forms."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    """A refusal a person can act on. `field` names the input at fault, when there is one;
    `extra["errors"]` may carry every field's messages by their path in the input
    ({"members[1].date_of_birth": [message, ...]}, "non_field" for the rest)."""

    status_code = 400
    default_code = "invalid"

    def __init__(self, message, *, code: str | None = None, field: str | None = None, extra=None):
        super().__init__(str(message))
        self.message = message
        self.code = code or self.default_code
        self.field = field
        self.extra = extra or {}

    @property
    def field_errors(self) -> dict[str, list[str]]:
        """Every field's messages by path: the named field's first, then `extra["errors"]`."""
        errors = {self.field: [str(self.message)]} if self.field else {}
        more = self.extra.get("errors")
        if isinstance(more, Mapping):
            for name, messages in more.items():
                errors.setdefault(name, [str(m) for m in messages])
        return errors or {"non_field": [str(self.message)]}


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


class DuplicateRecord(ApplicationError):
    """A record sent again: its natural key is taken. `existing` names the record that holds it
    (kind, id, label, and the addresses of its page and API resource when it has them), the
    same whether the service's check found it or the database's unique constraint did."""

    status_code = 409
    default_code = "duplicate"

    def __init__(self, message, *, existing: dict, field: str | None = None):
        self.existing = existing
        super().__init__(message, field=field, extra={"existing": existing})
