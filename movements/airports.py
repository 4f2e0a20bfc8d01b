"""Flight times on their airports' own clocks."""

import datetime
import zoneinfo

from django.conf import settings


def airport_time(moment: datetime.datetime, zone: str) -> str:
    """ "2027-02-03 23:30 (Africa/Kigali)": a flight time on its airport's own clock."""
    try:
        tz = zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M") + f" ({zone})"
