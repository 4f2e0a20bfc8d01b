"""Airports and their clocks: flight times on their airports' own clocks, and the time zone of
an airport looked up from its IATA code (the `airportsdata` dataset)."""

import datetime
import zoneinfo

from django.conf import settings


def airport_zone(zone: str) -> zoneinfo.ZoneInfo:
    """The zone of a stored airport zone name (the office's zone if it is unreadable)."""
    try:
        return zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def airport_time(moment: datetime.datetime, zone: str) -> str:
    """ "2027-02-03 23:30 (Africa/Kigali)": a flight time on its airport's own clock."""
    return moment.astimezone(airport_zone(zone)).strftime("%Y-%m-%d %H:%M") + f" ({zone})"


def flight_label(carrier: str, number: str) -> str:
    """ "ET 812" from carrier "ET" and number "812", and "ET812" (not "ET ET812") when the
    carrier's code is typed in the number already."""
    carrier = (carrier or "").strip()
    number = (number or "").strip()
    if carrier and number.upper().startswith(carrier.upper()):
        return number
    return f"{carrier} {number}".strip()
