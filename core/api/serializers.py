"""The one rule of every API input: a key that is not a writable field is refused.

Every input serializer of every app derives from `StrictSerializer`: a key it does not accept,
unknown or read-only (`status`, `valid_until`, ...), answers 400 naming the key, instead of
being silently ignored. `read_only_hints` lets an input say why a real attribute cannot be
written there, and where it can. Dates and times outside the years 1900-2199 are refused too.
Applies to nested inputs as well.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.dates import FIRST_YEAR, LAST_YEAR, in_range, out_of_range_message  # noqa: F401

UNKNOWN_FIELD = _("Unknown field: it cannot be written here.")


class RejectUnknownFieldsMixin:
    read_only_hints: Mapping[str, str] = {}

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            writable = {field.field_name for field in self._writable_fields}
            refused = [key for key in data if key not in writable]
            if refused:
                raise serializers.ValidationError(
                    {str(key): [self.read_only_hints.get(key, UNKNOWN_FIELD)] for key in refused}
                )
        value = super().to_internal_value(data)
        out_of_range = [
            name
            for name, given in value.items()
            if isinstance(given, datetime.date) and not in_range(given)
        ]
        if out_of_range:
            message = out_of_range_message()
            raise serializers.ValidationError({name: [message] for name in out_of_range})
        return value


class StrictSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    pass
