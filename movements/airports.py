"""Airports and their clocks: flight times on their airports' own clocks, and the time zone of
an airport looked up from its IATA code (the `airportsdata` dataset)."""

import datetime
import functools
import importlib.resources
import pathlib
import zoneinfo

import airportsdata
from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import ApplicationError


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


# ---------------------------------------------------------------------------------------------
# Airports by IATA code and their zones (one rule for the booking form, the API and the service)


@functools.cache
def _airports() -> dict:
    return airportsdata.load("IATA")


def airport_info(code: str) -> dict | None:
    """The dataset's airport of an IATA code (name, city, country, tz), or None."""
    return _airports().get((code or "").strip().upper())


@functools.cache
def canonical_zones() -> frozenset[str]:
    """The time zones an officer may choose: the tz database's zones by country (zone.tab: a
    region and a city, no deprecated alias such as "US/Eastern", no folder such as "Europe")
    and UTC."""
    try:
        table = importlib.resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text()
    except (ModuleNotFoundError, FileNotFoundError):  # pragma: no cover (system tzdata)
        table = pathlib.Path("/usr/share/zoneinfo/zone.tab").read_text()
    names = {
        line.split("\t")[2] for line in table.splitlines() if line and not line.startswith("#")
    }
    return frozenset((names | {"UTC"}) & zoneinfo.available_timezones())


def resolve_airport(
    *, code: str, zone: str = "", code_field: str, zone_field: str
) -> tuple[str, str, dict]:
    """(IATA code, zone name, the dataset's airport) of a flight's airport.

    The code is refused on `code_field` unless it is three letters and a known airport; the
    zone is the airport's own from the dataset, or the one given if it is a canonical zone
    (`canonical_zones`) or the dataset's own: anything else (a folder, an alias, a typo) is
    refused on `zone_field`."""
    text = (code or "").strip().upper()
    if len(text) != 3 or not text.isalpha():
        raise ApplicationError(
            _("An airport is given by its three-letter IATA code (e.g. KGL)."), field=code_field
        )
    found = airport_info(text)
    if found is None:
        raise ApplicationError(
            _("%(code)s is not the IATA code of any airport known to the system.") % {"code": text},
            field=code_field,
            code="unknown_airport",
        )
    given = (zone or "").strip()
    if not given or given == found["tz"]:
        return text, found["tz"], found
    if given not in canonical_zones():
        raise ApplicationError(
            _(
                "“%(zone)s” is not a time zone to choose: leave it empty for the airport's own "
                "(%(own)s), or give a region and a city such as Europe/Brussels."
            )
            % {"zone": given, "own": found["tz"]},
            field=zone_field,
            code="unknown_zone",
        )
    return text, given, found
