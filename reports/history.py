"""Importing departures from before the system: a CSV file checked line by line, stored whole or
not at all, and never twice (the file's hash, and each line's natural key, are unique in the
database)."""

from __future__ import annotations

import csv
import datetime
import hashlib
import io

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.choices import Sex
from cases.models import Country, Location, MovementType
from core.errors import NotPermitted

from .choices import FIRST_YEAR, AgeBand, age_band_of
from .errors import ImportRefused
from .models import DepartureImport, ImportedDeparture
from .permissions import can_use_reports

# More persons on one line than any office ever moved in a year is a typing error; it also keeps
# the file's total inside the database's integer.
MAX_PERSONS_PER_LINE = 10_000
REQUIRED_COLUMNS = ("destination", "camp", "sex", "movement_type", "persons")
EITHER_COLUMNS = (("year", "date"), ("age_band", "birth_year"))
ALL_COLUMNS = (*REQUIRED_COLUMNS, "year", "date", "age_band", "birth_year")
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 100_000
SEXES = {"f": Sex.FEMALE, "female": Sex.FEMALE, "m": Sex.MALE, "male": Sex.MALE, "x": Sex.OTHER}


class _Lookup:
    """Reference data by code or name, case-insensitive, read once per import."""

    def __init__(self):
        self.countries = {}
        for pk, iso, name in Country.objects.values_list("pk", "iso_code", "name"):
            self.countries[iso.casefold()] = pk
            self.countries[name.casefold()] = pk
        self.locations = {
            name.casefold(): pk for pk, name in Location.objects.values_list("pk", "name")
        }
        self.movement_types = {}
        for pk, code, name in MovementType.objects.values_list("pk", "code", "name"):
            self.movement_types[code.casefold()] = pk
            self.movement_types[name.casefold()] = pk


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportRefused(
            _(
                "The file is not in UTF-8 (byte %(at)s cannot be read). Save it as “CSV UTF-8” "
                "and import it again."
            )
            % {"at": error.start}
        ) from None


def _header_problem(header: list[str]) -> str | None:
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    for one, other in EITHER_COLUMNS:
        if one not in header and other not in header:
            missing.append(f"{one} / {other}")
    if missing:
        return _("Columns missing: %(columns)s.") % {"columns": ", ".join(missing)}
    return None


def parse_line(values: dict, lookup: _Lookup, today: datetime.date) -> tuple[dict, list[str]]:
    """One line's record and the reasons it is refused (none when it is good)."""
    problems: list[str] = []
    record: dict = {}
    raw_date, raw_year = values.get("date", "").strip(), values.get("year", "").strip()
    departed_on = year = None
    if raw_date:
        try:
            departed_on = datetime.date.fromisoformat(raw_date)
            year = departed_on.year
        except ValueError:
            problems.append(_("date “%(v)s” is not a date (YYYY-MM-DD)") % {"v": raw_date})
    if raw_year:
        try:
            given = int(raw_year)
        except ValueError:
            problems.append(_("year “%(v)s” is not a year") % {"v": raw_year})
        else:
            if year is not None and given != year:
                problems.append(
                    _("year %(y)s and date %(d)s disagree") % {"y": given, "d": raw_date}
                )
            year = given
    if year is None and not problems:
        problems.append(_("give the year or the date of departure"))
    if year is not None and not (FIRST_YEAR <= year <= today.year):
        problems.append(
            _("year %(y)s is not between %(first)s and %(last)s")
            % {"y": year, "first": FIRST_YEAR, "last": today.year}
        )
    if departed_on and departed_on > today:
        problems.append(_("date %(d)s is in the future") % {"d": departed_on})
    record["year"], record["departed_on"] = year, departed_on

    destination = values.get("destination", "").strip()
    record["destination_country_id"] = lookup.countries.get(destination.casefold())
    if not destination:
        problems.append(_("destination is missing"))
    elif record["destination_country_id"] is None:
        problems.append(_("unknown destination “%(v)s”") % {"v": destination})

    camp = values.get("camp", "").strip()
    record["location_id"] = lookup.locations.get(camp.casefold()) if camp else None
    if camp and record["location_id"] is None:
        problems.append(_("unknown camp “%(v)s”") % {"v": camp})

    sex = values.get("sex", "").strip()
    record["sex"] = SEXES.get(sex.casefold(), "") if sex else ""
    if sex and not record["sex"]:
        problems.append(_("sex “%(v)s” is not F, M or X") % {"v": sex})

    band, born = values.get("age_band", "").strip(), values.get("birth_year", "").strip()
    record["age_band"] = ""
    if band:
        if band in AgeBand.values:
            record["age_band"] = band
        else:
            problems.append(
                _("age band “%(v)s” is not one of %(bands)s")
                % {"v": band, "bands": ", ".join(AgeBand.values)}
            )
    elif born:
        try:
            birth_year = int(born)
        except ValueError:
            problems.append(_("birth year “%(v)s” is not a year") % {"v": born})
        else:
            if year is not None and (birth_year > year or birth_year < year - 120):
                problems.append(_("birth year %(v)s does not fit the year") % {"v": born})
            elif year is not None:
                # The age reached in the year of departure (the birthday is not known).
                record["age_band"] = age_band_of(year - birth_year)

    movement = values.get("movement_type", "").strip()
    record["movement_type_id"] = (
        lookup.movement_types.get(movement.casefold()) if movement else None
    )
    if movement and record["movement_type_id"] is None:
        problems.append(_("unknown movement type “%(v)s”") % {"v": movement})

    persons = values.get("persons", "").strip()
    try:
        record["persons"] = int(persons)
        if record["persons"] <= 0:
            raise ValueError
    except ValueError:
        problems.append(_("persons “%(v)s” is not a whole number above zero") % {"v": persons})
    else:
        if record["persons"] > MAX_PERSONS_PER_LINE:
            problems.append(
                _("persons “%(v)s” is more than %(max)s on one line")
                % {"v": persons[:20], "max": MAX_PERSONS_PER_LINE}
            )
    return record, problems


def _lines(reader: csv.DictReader):
    """(line number, values) of each line; a line the csv module cannot read (a field beyond
    its size limit) refuses the file, naming the line."""
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise ImportRefused(
                _("Line %(n)s cannot be read as CSV: %(why)s")
                % {"n": reader.line_num, "why": error},
                field="file",
            ) from None
        yield reader.line_num, values


def natural_key(record: dict) -> tuple:
    return (
        record["year"],
        record["departed_on"],
        record["destination_country_id"],
        record["location_id"],
        record["sex"],
        record["age_band"],
        record["movement_type_id"],
    )


def history_import(*, user, file_name: str, content: bytes) -> DepartureImport:
    """Import a file of past departures. Every bad line is reported with its number and reason
    and nothing is stored; a file (or a line) already imported is refused, never added twice."""
    if not can_use_reports(user):
        raise NotPermitted(_("Only managers and administrators may import past departures."))
    if len(content) > MAX_BYTES:
        raise ImportRefused(_("The file is larger than 5 MB; split it."))
    digest = hashlib.sha256(content).hexdigest()
    earlier = DepartureImport.objects.filter(sha256=digest).select_related("imported_by").first()
    if earlier:
        raise ImportRefused(
            _("This file was already imported on %(when)s by %(who)s; nothing was added.")
            % {
                "when": timezone.localtime(earlier.imported_at).strftime("%Y-%m-%d %H:%M"),
                "who": earlier.imported_by.get_username(),
            },
            errors=[],
        )
    text = _decode(content)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        fieldnames = reader.fieldnames
    except csv.Error as error:
        raise ImportRefused(
            _("The first line cannot be read as CSV: %(why)s") % {"why": error}, field="file"
        ) from None
    header = [(name or "").strip().lower() for name in (fieldnames or [])]
    if not header:
        raise ImportRefused(_("The file is empty."))
    problem = _header_problem(header)
    if problem:
        raise ImportRefused(problem, field="file")
    reader.fieldnames = header
    lookup, today = _Lookup(), timezone.localdate()
    errors: list[dict] = []
    records: list[dict] = []
    seen: dict[tuple, int] = {}
    for line, values in _lines(reader):
        if len(records) + len(errors) >= MAX_ROWS:
            raise ImportRefused(
                _("The file has more than %(n)s lines; split it.") % {"n": MAX_ROWS}
            )
        if not any((v or "").strip() for k, v in values.items() if k):
            continue  # a blank line
        record, problems = parse_line({k: v or "" for k, v in values.items() if k}, lookup, today)
        if not problems:
            key = natural_key(record)
            if key in seen:
                problems.append(_("repeats line %(n)s") % {"n": seen[key]})
            else:
                seen[key] = line
        if problems:
            errors.append({"line": line, "reasons": problems})
        else:
            records.append({**record, "line": line})
    if not records and not errors:
        raise ImportRefused(_("The file has no lines of departures."))
    if not errors:
        errors.extend(_already_imported(records))
    if errors:
        raise ImportRefused(
            _("%(n)s lines cannot be imported; nothing was imported.") % {"n": len(errors)},
            errors=errors,
        )
    try:
        with transaction.atomic():
            batch = DepartureImport.objects.create(
                file_name=file_name[:200],
                sha256=digest,
                imported_by=user,
                rows=len(records),
                persons=sum(r["persons"] for r in records),
            )
            ImportedDeparture.objects.bulk_create(
                [ImportedDeparture(batch=batch, **r) for r in records], batch_size=1000
            )
    except IntegrityError:
        raise ImportRefused(
            _("This file, or some of its lines, was imported meanwhile; nothing was added.")
        ) from None
    return batch


def _already_imported(records: list[dict]) -> list[dict]:
    """Lines whose combination of year, date, destination, camp, sex, age band and movement
    type an earlier import holds already."""
    condition = Q()
    for r in records:
        condition |= Q(
            year=r["year"],
            departed_on=r["departed_on"],
            destination_country_id=r["destination_country_id"],
            location_id=r["location_id"],
            sex=r["sex"],
            age_band=r["age_band"],
            movement_type_id=r["movement_type_id"],
        )
    found = {
        natural_key(
            {
                "year": row.year,
                "departed_on": row.departed_on,
                "destination_country_id": row.destination_country_id,
                "location_id": row.location_id,
                "sex": row.sex,
                "age_band": row.age_band,
                "movement_type_id": row.movement_type_id,
            }
        ): row
        for row in ImportedDeparture.objects.filter(condition).select_related("batch")
    }
    return [
        {
            "line": r["line"],
            "reasons": [
                _("already imported from “%(file)s”, line %(n)s")
                % {"file": found[natural_key(r)].batch.file_name, "n": found[natural_key(r)].line}
            ],
        }
        for r in records
        if natural_key(r) in found
    ]
