"""The application's own errors, and the two ways every app turns them into answers.

- `clean_or_refuse(obj)`: a model's own validation (`full_clean`, constraints included) as one
  ApplicationError naming every field at fault: every service runs it before it saves.
- `duplicates_refused({...})`: a unique constraint lost to a concurrent writer becomes the same
  `DuplicateRecord` the service's own check raises, naming the record that exists.
- `show_on_form(form, error)`: a refusal put on a browser form, beside the field it names.

One DRF exception handler turns them into the API's error shape (core/api/errors.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextlib import contextmanager, suppress

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import UniqueConstraint
from django.urls import NoReverseMatch, reverse
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


def existing_record(kind: str, obj, *, label: str = "", url: str = "", api: str = "") -> dict:
    """What a DuplicateRecord says about the record that exists: its kind, id and label, the
    page that shows it (`url`) and, when `api` names a route taking its id, its API address."""
    described = {"kind": kind, "id": obj.pk, "label": label or str(obj)}
    if url:
        described["url"] = url
    if api:
        # An API without this route: the id still names the record.
        with suppress(NoReverseMatch):
            described["api_url"] = reverse(api, kwargs={"pk": obj.pk})
    return described


# ---------------------------------------------------------------------------------------------
# Validation


def refusal_from_validation(error: ValidationError, *, prefix: str = "") -> ApplicationError:
    """A model's ValidationError as one ApplicationError: `extra["errors"]` holds every field's
    messages and `field` the first field at fault, each named by its path in the input
    (`prefix` places a nested record, e.g. `members[1].`; errors of no one field are
    `non_field`)."""
    if hasattr(error, "error_dict"):
        errors = {
            prefix + ("non_field" if name == NON_FIELD_ERRORS else name): messages
            for name, messages in error.message_dict.items()
        }
        return refusal_of(errors)
    return ApplicationError(error.messages[0], field=prefix.rstrip(".") or None)


def refusal_of(errors: Mapping[str, list], *, code: str | None = None) -> ApplicationError:
    """One refusal reporting every field's messages at once ({path: [message, ...]})."""
    errors = {name: [str(m) for m in messages] for name, messages in errors.items() if messages}
    field, messages = next(iter(errors.items()))
    return ApplicationError(
        messages[0],
        field=None if field == "non_field" else field,
        code=code,
        extra={"errors": errors},
    )


def clean_or_refuse(
    obj, *, exclude: Iterable[str] = (), prefix: str = "", constraints: bool = True
) -> None:
    """Run the model's own validation (its fields, `clean()`, its CHECK constraints) and refuse
    what fails, every field at once. Unique constraints are left out: a natural key taken is
    the service's to refuse by naming the record that holds it (DuplicateRecord).
    `constraints=False` leaves the CHECK constraints (a query each) to the database: for a
    caller that writes many rows at once and, should the write fail, checks each row again
    with them (cases.services.case_create_many)."""
    exclude = set(exclude)
    try:
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        errors: dict[str, list] = {}
        for constraint in obj._meta.constraints if constraints else ():
            if isinstance(constraint, UniqueConstraint):
                continue
            try:
                constraint.validate(type(obj), obj, exclude=exclude)
            except ValidationError as error:
                errors.setdefault(NON_FIELD_ERRORS, []).extend(error.messages)
        if errors:
            raise ValidationError(errors)
    except ValidationError as error:
        raise refusal_from_validation(error, prefix=prefix) from error


# ---------------------------------------------------------------------------------------------
# Natural keys


def constraint_name(error: IntegrityError) -> str:
    """The name of the database constraint an IntegrityError broke ("" when unknown)."""
    diag = getattr(error.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) or ""


@contextmanager
def duplicates_refused(refusals: Mapping[str, Callable[[], ApplicationError]]):
    """Run a write in a savepoint; when it breaks one of the named unique constraints (another
    writer got there first), raise what `refusals[constraint]()` builds: the same refusal the
    service's own check gives. Other integrity errors pass through unchanged."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as error:
        build = refusals.get(constraint_name(error))
        if build is None:
            raise
        raise build() from error


# ---------------------------------------------------------------------------------------------
# Forms


def show_on_form(form, error: ApplicationError, *, fields: Mapping[str, str] | None = None) -> None:
    """Put a service's refusal on a browser form: each field's message beside that field (names
    mapped through `fields` when the form calls them otherwise), the rest above the form; a
    refused workflow step lists every failed condition."""
    if isinstance(error, TransitionRefused):
        form.add_error(None, _("The case cannot move on, so nothing was saved:"))
        for reason in error.reasons:
            form.add_error(None, reason)
        return
    fields = fields or {}
    for name, messages in error.field_errors.items():
        target = fields.get(name, name)
        for message in messages:
            form.add_error(target if target in form.fields else None, message)
