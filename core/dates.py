"""The range of dates the office can mean, for every door (API, pages, services).

Outside it a date is a typing slip, and a time in a year like 1152 reads back in Kigali's local
mean time (+02:00:16), which no client parses; a time in year 1 cannot be stored at all.
"""

from __future__ import annotations

import datetime
import hashlib

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.signals import class_prepared
from django.utils.translation import gettext as _

FIRST_YEAR, LAST_YEAR = 1900, 2199


def out_of_range_message() -> str:
    return _("Give a date between the years %(first)d and %(last)d.") % {
        "first": FIRST_YEAR,
        "last": LAST_YEAR,
    }


def in_range(value: datetime.date | datetime.datetime) -> bool:
    return FIRST_YEAR <= value.year <= LAST_YEAR


def _first_day() -> datetime.date:
    return datetime.date(FIRST_YEAR, 1, 1)


def _day_after() -> datetime.date:
    return datetime.date(LAST_YEAR + 1, 1, 1)


def validate_in_range(value) -> None:
    """The model-level check every door meets through full_clean (forms built on the model,
    services): a date outside the range is refused on its field, in words."""
    if value is not None and not in_range(value):
        raise ValidationError(out_of_range_message(), code="out_of_range")


class BoundedDateField(models.DateField):
    """A date kept within FIRST_YEAR-LAST_YEAR by the database itself: every field of this
    class gets a CHECK constraint on its column (added when the model is prepared, see
    _range_constraints), so no form, serializer, import or raw write can store year 1 again.
    Every date column of the project's models is one (tests/core/test_date_range.py walks
    them)."""

    default_validators = [validate_in_range]

    def range_condition(self) -> Q:
        return Q(**{f"{self.name}__gte": _first_day(), f"{self.name}__lt": _day_after()})


class BoundedDateTimeField(models.DateTimeField):
    """A time kept within FIRST_YEAR-LAST_YEAR by the database (as BoundedDateField). The
    bounds are a day wider than the years in UTC, so a local time on the first or last day of
    the range, on any clock, is kept."""

    default_validators = [validate_in_range]

    def range_condition(self) -> Q:
        first = datetime.datetime.combine(_first_day(), datetime.time(), datetime.UTC)
        end = datetime.datetime.combine(_day_after(), datetime.time(), datetime.UTC)
        return Q(
            **{
                f"{self.name}__gte": first - datetime.timedelta(days=1),
                f"{self.name}__lt": end + datetime.timedelta(days=1),
            }
        )


def _constraint_name(table: str, column: str) -> str:
    name = f"{table}_{column}_in_range"
    if len(name) <= 63:
        return name
    digest = hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()[:8]
    return f"{name[:54]}_{digest}"


def _range_constraints(sender, **kwargs) -> None:
    """On every model as it is prepared: a CHECK constraint per bounded field, in the model's
    Meta.constraints (so migrations create it and the audit trail's copies of the model get
    theirs too)."""
    meta = sender._meta
    if meta.abstract or meta.proxy:
        return
    have = {c.name for c in meta.constraints}
    added = [
        models.CheckConstraint(
            condition=field.range_condition(), name=_constraint_name(meta.db_table, field.column)
        )
        for field in meta.local_concrete_fields
        if isinstance(field, BoundedDateField | BoundedDateTimeField)
    ]
    added = [c for c in added if c.name not in have]
    if added:
        meta.constraints = [*meta.constraints, *added]
        meta.original_attrs["constraints"] = meta.constraints


class_prepared.connect(_range_constraints)


def column_out_of_range(error: Exception) -> str | None:
    """The column whose range CHECK refused a write (an IntegrityError from one of the
    constraints above), "non_field" when its name cannot be told, or None for any other
    error. Every door answers it as a refusal in words, never a server error: a door that
    forgot to check the range still cannot store nor break on year 1."""
    diag = getattr(getattr(error, "__cause__", None), "diag", None)
    name = getattr(diag, "constraint_name", None) or ""
    if not name.endswith("_in_range"):
        return None
    table = getattr(diag, "table_name", None) or ""
    if table and name.startswith(f"{table}_"):
        return name[len(table) + 1 : -len("_in_range")] or "non_field"
    return "non_field"
