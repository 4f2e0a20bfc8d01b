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

UNKNOWN_FIELD = _("Unknown field: it cannot be written here.")
# Dates and times the office can mean. Outside them a date is a typing slip, and a time in a
# year like 1152 reads back in Kigali's local mean time (+02:00:16), which no client parses.
FIRST_YEAR, LAST_YEAR = 1900, 2199


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
            if isinstance(given, datetime.date) and not FIRST_YEAR <= given.year <= LAST_YEAR
        ]
        if out_of_range:
            message = _("Give a date between the years %(first)d and %(last)d.") % {
                "first": FIRST_YEAR,
                "last": LAST_YEAR,
            }
            raise serializers.ValidationError({name: [message] for name in out_of_range})
        return value


class StrictSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    pass
