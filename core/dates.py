"""The range of dates the office can mean, for every door (API, pages, services).

Outside it a date is a typing slip, and a time in a year like 1152 reads back in Kigali's local
mean time (+02:00:16), which no client parses; a time in year 1 cannot be stored at all.
"""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

FIRST_YEAR, LAST_YEAR = 1900, 2199


def out_of_range_message() -> str:
    return _("Give a date between the years %(first)d and %(last)d.") % {
        "first": FIRST_YEAR,
        "last": LAST_YEAR,
    }


def in_range(value: datetime.date | datetime.datetime) -> bool:
    return FIRST_YEAR <= value.year <= LAST_YEAR
