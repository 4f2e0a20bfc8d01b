"""Bulk referral intake: a CSV or JSON file of referrals, taken in by a Celery task.

Each referral is read here from plain data (codes or names of camps, countries, programmes,
...; no API serializer), then goes through `cases.services.case_create_many`, which gives
each referral exactly the answer `case_create` gives it (every rule of a referral, the
partner's destination and possible duplicates included) while checking recorded cases and
people once per chunk and writing the referrals that pass together. So a file says the same as
the same referrals sent one by one:

- every valid referral is taken;
- each invalid one is recorded (IntakeRowError) with the line of the bad field, the person it
  concerns and the reason in words (in the sender's language), and its lines as CSV cells so
  the refused-rows file can be fixed and sent again;
- every referral is checked before anything is written for it (a NUL character, a date that
  does not exist, an unknown camp: a refusal of that referral, never a failed file);
- one whose UNHCR case number (normalised) is already recorded is counted as already present,
  never stored twice: a re-sent file creates nothing new;
- the same UNHCR case number twice in one file: the second is refused, naming the first line;
- a member who looks like someone recorded is refused with the ids of the people it may be;
  a caseworker can then save that referral anyway (`intake_referral_save_anyway`).

A batch is run by one worker at a time (a PostgreSQL advisory lock on the batch): a second
run of the same batch leaves at once, and a run after a lost worker resumes after the last
chunk recorded (each chunk's referrals and counts commit together), never resetting counts.
The same file sent again by the same account while it is being taken in is the same batch.

Formats (README, "Partner guide"):

- JSON: an array of referrals, each the body of POST /api/v1/cases/ (or an object
  {"referrals": [...]}); camps, countries and programmes by code, name or id as in CSV; the
  "line" of a refusal is the referral's position, from 1.
- CSV (UTF-8, comma-separated, header line): one line per person; the lines of one referral
  follow each other and share its `unhcr_case_number`; the case columns are read from its first
  line. `languages` and `special_needs` are separated by `;`. A `reason` column (the
  refused-rows file's) is ignored. The "line" of a refusal is the file line of the bad field
  (the header is line 1).

A file is checked when it is sent (size, encoding, columns): what cannot be read at all is
refused at once (400/413) and nothing is queued.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.choices import Relationship, Sex, SpecialNeed, Urgency
from cases.models import (
    Case,
    Country,
    Individual,
    Location,
    MovementType,
    Programme,
    SubmissionCategory,
    normalise_unhcr_number,
)
from cases.services import INDIVIDUAL_EDITABLE_FIELDS, PossibleDuplicates
from core.background import enqueue_on_commit
from core.errors import ApplicationError
from core.roles import Role

from .models import IntakeBatch, IntakeRowError, IntakeStatus

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_REFERRALS = 50_000
PROGRESS_EVERY = 200
# pg_try_advisory_lock(INTAKE_LOCK_CLASS, batch id): who runs a batch.
INTAKE_LOCK_CLASS = 15_015

CASE_COLUMNS = (
    "unhcr_case_number",
    "location",
    "destination_country",
    "programme",
    "movement_type",
    "submission_category",
    "urgency",
    "referral_date",
    "notes",
)
# A person's columns are the member fields every door writes (cases.services).
PERSON_COLUMNS = INDIVIDUAL_EDITABLE_FIELDS
# Every column a CSV may have, in the guide's order.
CSV_HEADER = CASE_COLUMNS + PERSON_COLUMNS
# The refused-rows file's own column, ignored when the fixed file comes back.
REASON_COLUMN = "reason"
REQUIRED_COLUMNS = (
    "unhcr_case_number",
    "location",
    "destination_country",
    "programme",
    "movement_type",
    "submission_category",
    "referral_date",
    "given_name",
    "family_name",
    "sex",
    "date_of_birth",
    "nationality",
    "relationship",
)
LIST_COLUMNS = ("languages", "special_needs")
BOOLEAN_COLUMNS = ("date_of_birth_estimated",)
# Keys a JSON referral may hold besides the CSV's case columns.
JSON_CASE_KEYS = (*CASE_COLUMNS, "caseworker", "members", "acknowledged_duplicates")
TEMPLATE_EXAMPLE = (
    {
        "unhcr_case_number": "RWA-26-000123",
        "location": "Kiziba",
        "destination_country": "USA",
        "programme": "USRAP",
        "movement_type": "refugee_resettlement",
        "submission_category": "LPN",
        "urgency": "normal",
        "referral_date": "2026-10-01",
        "notes": "",
        "given_name": "Aline",
        "family_name": "Uwimana",
        "sex": "F",
        "date_of_birth": "1990-01-01",
        "date_of_birth_estimated": "",
        "nationality": "COD",
        "relationship": "PA",
        "unhcr_individual_number": "",
        "languages": "Kinyarwanda;Swahili",
        "special_needs": "",
    },
    {
        "unhcr_case_number": "RWA-26-000123",
        "given_name": "Eric",
        "family_name": "Uwimana",
        "sex": "M",
        "date_of_birth": "2015-03-01",
        "nationality": "COD",
        "relationship": "CHILD",
    },
)


class FileRefused(ApplicationError):
    """The file cannot be read at all (nothing was queued)."""

    status_code = 400


class FileTooLarge(FileRefused):
    status_code = 413


def normalise_case_number(value) -> str:
    """A UNHCR case number as cases stores it (cases.models.normalise_unhcr_number)."""
    return normalise_unhcr_number(str(value or "")) if isinstance(value, str) else ""


@dataclass
class Referral:
    line: int
    body: dict
    # The file line of each member (CSV); empty for JSON, whose line is the position.
    lines: list[int] = field(default_factory=list)
    # The CSV cells of each member's line as read (CSV); None for JSON.
    rows: list[dict] | None = None

    def line_of(self, member: int | None) -> int:
        if member is not None and 0 <= member < len(self.lines):
            return self.lines[member]
        return self.line


def template_csv() -> str:
    """The CSV template: the header and one referral of two people."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_HEADER, lineterminator="\n")
    writer.writeheader()
    writer.writerows(TEMPLATE_EXAMPLE)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# Reading a file


def detect_format(file_name: str, content_type: str, content: bytes) -> str:
    name = (file_name or "").lower()
    if name.endswith(".json") or "json" in (content_type or ""):
        return IntakeBatch.Format.JSON
    if name.endswith(".csv") or "csv" in (content_type or ""):
        return IntakeBatch.Format.CSV
    return IntakeBatch.Format.JSON if content.lstrip()[:1] in (b"[", b"{") else "csv"


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileRefused(
            _("The file is not UTF-8 text (byte %(position)d). Save it as UTF-8 and send again.")
            % {"position": error.start + 1},
            field="file",
            code="bad_encoding",
        ) from error


def read_referrals(content: bytes, file_format: str) -> list[Referral]:
    """Every referral of the file, in order, or FileRefused saying why none can be read."""
    if len(content) > MAX_FILE_BYTES:
        raise FileTooLarge(
            _("The file is larger than %(mb)d MB: send it in parts.")
            % {"mb": MAX_FILE_BYTES // (1024 * 1024)},
            field="file",
            code="too_large",
        )
    text = _decode(content)
    if "\x00" in text:
        raise FileRefused(_("The file holds NUL characters: it is not text."), field="file")
    referrals = (
        list(_read_json(text)) if file_format == IntakeBatch.Format.JSON else list(_read_csv(text))
    )
    if not referrals:
        raise FileRefused(_("The file holds no referral."), field="file", code="empty")
    if len(referrals) > MAX_REFERRALS:
        raise FileRefused(
            _("The file holds more than %(max)d referrals: send it in parts.")
            % {"max": MAX_REFERRALS},
            field="file",
            code="too_many",
        )
    return referrals


def _read_json(text: str) -> Iterator[Referral]:
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as error:
        raise FileRefused(
            _("The file is not valid JSON: %(error)s") % {"error": str(error)[:200]},
            field="file",
            code="bad_json",
        ) from error
    if isinstance(data, dict) and isinstance(data.get("referrals"), list):
        data = data["referrals"]
    if not isinstance(data, list):
        raise FileRefused(
            _('A JSON file holds an array of referrals (or {"referrals": [...]}).'),
            field="file",
            code="bad_json",
        )
    for index, item in enumerate(data, start=1):
        yield Referral(line=index, body=item if isinstance(item, dict) else {"_": item})


def _read_csv(text: str) -> Iterator[Referral]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = reader.fieldnames or []
    except csv.Error as error:
        raise FileRefused(str(error), field="file", code="bad_csv") from error
    header = [(h or "").strip() for h in header]
    reader.fieldnames = header
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise FileRefused(
            _("The file lacks these columns: %(columns)s.") % {"columns": ", ".join(missing)},
            field="file",
            code="missing_columns",
        )
    unknown = [h for h in header if h and h not in CSV_HEADER and h != REASON_COLUMN]
    if unknown:
        raise FileRefused(
            _("Unknown columns: %(columns)s.") % {"columns": ", ".join(unknown)},
            field="file",
            code="unknown_columns",
        )
    current: Referral | None = None
    current_key = None
    try:
        for row in reader:
            line = reader.line_num
            extra = row.pop(None, None) is not None  # more cells than columns
            values = {k: (v or "").strip() for k, v in row.items() if k in CSV_HEADER}
            if not any(values.values()):
                continue
            key = normalise_case_number(values.get("unhcr_case_number"))
            person = _csv_person(values)
            if extra:
                person["_extra_cells"] = "yes"
            if current is not None and key == current_key:
                current.body["members"].append(person)
                current.lines.append(line)
                current.rows.append(values)
                continue
            if current is not None:
                yield current
            body = {c: values[c] for c in CASE_COLUMNS if values.get(c, "") != ""}
            body["members"] = [person]
            current = Referral(line=line, body=body, lines=[line], rows=[values])
            current_key = key
    except csv.Error as error:
        raise FileRefused(
            _("The CSV cannot be read at line %(line)d: %(error)s")
            % {"line": reader.line_num, "error": error},
            field="file",
            code="bad_csv",
        ) from error
    if current is not None:
        yield current


def _csv_person(values: dict) -> dict:
    person = {}
    for column in PERSON_COLUMNS:
        value = values.get(column, "")
        if value == "":
            continue
        if column in LIST_COLUMNS:
            person[column] = [part.strip() for part in value.split(";") if part.strip()]
        elif column in BOOLEAN_COLUMNS:
            person[column] = value
        else:
            person[column] = value
    return person


def referral_rows(referral: Referral) -> list[dict]:
    """The referral's lines as CSV cells (CSV_HEADER): as read for a CSV file, flattened for a
    JSON one (lists joined with `;`), so a refused referral can be fixed and sent again."""
    if referral.rows is not None:
        return [dict(row) for row in referral.rows]
    body = referral.body
    members = body.get("members") if isinstance(body.get("members"), list) else []
    case = {c: _cell(body.get(c)) for c in CASE_COLUMNS if body.get(c) not in (None, "")}
    rows = []
    for member in members or [{}]:
        row = dict(case)
        if isinstance(member, dict):
            for column in PERSON_COLUMNS:
                if member.get(column) not in (None, ""):
                    row[column] = _cell(member[column])
        rows.append(row)
    return rows


def _cell(value) -> str:
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value).replace("\x00", "")


# ---------------------------------------------------------------------------------------------
# Reading one referral from plain data


# Field names in refusals; lazy, so that reading a valid referral translates nothing.
CASE_LABELS = {
    "unhcr_case_number": gettext_lazy("UNHCR case number"),
    "location": gettext_lazy("Camp or location"),
    "destination_country": gettext_lazy("Destination country"),
    "programme": gettext_lazy("Programme"),
    "movement_type": gettext_lazy("Movement type"),
    "submission_category": gettext_lazy("Submission category"),
    "referral_date": gettext_lazy("Referral date"),
    "urgency": gettext_lazy("Urgency"),
    "notes": gettext_lazy("Notes"),
    "caseworker": gettext_lazy("Caseworker"),
}
REQUIRED_CASE_KEYS = (
    "unhcr_case_number",
    "location",
    "destination_country",
    "programme",
    "movement_type",
    "submission_category",
    "referral_date",
)
MEMBER_LABELS = {
    "given_name": gettext_lazy("Given name"),
    "family_name": gettext_lazy("Family name"),
    "sex": gettext_lazy("Sex"),
    "date_of_birth": gettext_lazy("Date of birth"),
    "nationality": gettext_lazy("Nationality"),
    "relationship": gettext_lazy("Relationship"),
    "unhcr_individual_number": gettext_lazy("UNHCR individual number"),
    "languages": gettext_lazy("Languages"),
    "special_needs": gettext_lazy("Special needs"),
}
REQUIRED_MEMBER_KEYS = (
    "given_name",
    "family_name",
    "sex",
    "date_of_birth",
    "nationality",
    "relationship",
)
CAMP_HINT = gettext_lazy(" (write a camp's name as on the camp list, e.g. Kiziba)")


class _Problem(Exception):
    """What is wrong with one field of a referral (the path as the API names it)."""

    def __init__(self, path: str, message: str, member: int | None = None):
        super().__init__(message)
        self.path, self.message, self.member = path, message, member


class References:
    """Camps, countries, programmes, movement types and submission categories, read once per
    run, each found by id, code or name (any case)."""

    def __init__(self):
        self.locations = self._index(Location.objects.all(), "name")
        self.countries = self._index(Country.objects.all(), "iso_code", "name")
        self.programmes = self._index(Programme.objects.all(), "code", "name")
        self.movement_types = self._index(MovementType.objects.all(), "code", "name")
        self.categories = self._index(SubmissionCategory.objects.all(), "code", "name")
        self.caseworkers: dict[str, object] = {}

    @staticmethod
    def _index(queryset, *keys) -> dict:
        found = {}
        for obj in queryset:
            found[str(obj.pk)] = obj
            for key in keys:
                found.setdefault(str(getattr(obj, key)).casefold(), obj)
        return found

    def caseworker(self, username: str):
        if username not in self.caseworkers:
            self.caseworkers[username] = (
                get_user_model()
                .objects.filter(username=username, groups__name=Role.CASEWORKER)
                .first()
            )
        return self.caseworkers[username]


def _choice(choices, value):
    """A choice's value, given as value or label (any case), or None."""
    text = str(value).strip().casefold()
    for choice_value in choices.values:
        if text == str(choice_value).casefold():
            return choice_value
    for choice_value, label in choices.choices:  # translated labels only when needed
        if text == str(label).casefold():
            return choice_value
    return None


def _date(value, path, label, member=None) -> datetime.date:
    text = value.strip() if isinstance(value, str) else None
    try:
        return datetime.date.fromisoformat(text)
    except (TypeError, ValueError):
        pass
    raise _Problem(
        path,
        _(
            "%(label)s “%(value)s” is not a date that exists: write it as YYYY-MM-DD, "
            "e.g. 2026-10-01."
        )
        % {"label": label, "value": _cell(value)},
        member,
    )


def _text(value, path, label, member=None, *, max_length=None) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise _Problem(path, _("%(label)s must be text.") % {"label": label}, member)
    if "\x00" in value:
        raise _Problem(
            path,
            _("%(label)s holds an invisible NUL character: remove it.") % {"label": label},
            member,
        )
    value = value.strip()
    if max_length and len(value) > max_length:
        raise _Problem(
            path,
            _("%(label)s is longer than %(max)d characters.") % {"label": label, "max": max_length},
            member,
        )
    return value


def _reference(index: dict, value, path, label, member=None, *, hint=""):
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _Problem(path, _("%(label)s must be a code or a name.") % {"label": label}, member)
    text = _text(str(value), path, label, member)
    found = index.get(text.casefold())
    if found is None:
        raise _Problem(
            path,
            _("There is no %(label)s “%(value)s”%(hint)s.")
            % {"label": label.lower(), "value": text, "hint": hint},
            member,
        )
    return found


def read_referral(body, refs: References) -> tuple[dict, list[dict], list[int]]:
    """(case fields, members, acknowledged duplicate ids) of a referral given as plain data
    (the body of POST /api/v1/cases/, or a CSV referral), references resolved by id, code or
    name; raises _Problem naming the first field at fault. The rules of a referral are
    case_create's (cases.services), not checked here."""
    if not isinstance(body, dict) or "_" in body:
        raise _Problem("", _("This referral is not an object of fields."))
    unknown = sorted(set(body) - set(JSON_CASE_KEYS))
    if unknown:
        raise _Problem(
            unknown[0],
            _("These fields are unknown: %(fields)s.") % {"fields": ", ".join(unknown)},
        )
    fields: dict = {}
    required = {name: CASE_LABELS[name] for name in REQUIRED_CASE_KEYS}
    for name, label in required.items():
        if body.get(name) in (None, ""):
            raise _Problem(name, _("%(label)s is missing.") % {"label": label})
    fields["unhcr_case_number"] = _text(
        body["unhcr_case_number"],
        "unhcr_case_number",
        required["unhcr_case_number"],
        max_length=30,
    )
    fields["location"] = _reference(
        refs.locations,
        body["location"],
        "location",
        required["location"],
        hint=CAMP_HINT,
    )
    fields["destination_country"] = _reference(
        refs.countries,
        body["destination_country"],
        "destination_country",
        required["destination_country"],
    )
    if not fields["destination_country"].is_destination:
        raise _Problem(
            "destination_country",
            _("%(country)s does not receive resettled refugees.")
            % {"country": fields["destination_country"]},
        )
    fields["programme"] = _reference(
        refs.programmes, body["programme"], "programme", required["programme"]
    )
    fields["movement_type"] = _reference(
        refs.movement_types, body["movement_type"], "movement_type", required["movement_type"]
    )
    fields["submission_category"] = _reference(
        refs.categories,
        body["submission_category"],
        "submission_category",
        required["submission_category"],
    )
    fields["referral_date"] = _date(
        body["referral_date"], "referral_date", required["referral_date"]
    )
    if body.get("urgency") not in (None, ""):
        urgency = _choice(Urgency, _text(body["urgency"], "urgency", CASE_LABELS["urgency"]))
        if urgency is None:
            raise _Problem(
                "urgency",
                _("Urgency “%(value)s” is not one of: %(choices)s.")
                % {"value": _cell(body["urgency"]), "choices": ", ".join(Urgency.values)},
            )
        fields["urgency"] = urgency
    if body.get("notes") not in (None, ""):
        fields["notes"] = _text(body["notes"], "notes", CASE_LABELS["notes"])
    if body.get("caseworker") not in (None, ""):
        username = _text(body["caseworker"], "caseworker", CASE_LABELS["caseworker"])
        caseworker = refs.caseworker(username)
        if caseworker is None:
            raise _Problem(
                "caseworker", _("No caseworker has the user name “%(name)s”.") % {"name": username}
            )
        fields["caseworker"] = caseworker
    acknowledged = body.get("acknowledged_duplicates") or []
    if not isinstance(acknowledged, list) or not all(
        isinstance(pk, int) and not isinstance(pk, bool) for pk in acknowledged
    ):
        raise _Problem(
            "acknowledged_duplicates",
            _("Acknowledged duplicates are a list of the ids of people already recorded."),
        )
    members_given = body.get("members")
    if not isinstance(members_given, list) or not members_given:
        raise _Problem("members", _("A case needs at least one member."))
    if len(members_given) > 50:
        raise _Problem("members", _("A case has at most 50 members."))
    members = [_read_member(m, index, refs) for index, m in enumerate(members_given)]
    return fields, members, acknowledged


def _read_member(given, index: int, refs: References) -> dict:
    prefix = f"members[{index}]."
    if not isinstance(given, dict):
        raise _Problem(f"members[{index}]", _("A member is an object of fields."), index)
    if given.get("_extra_cells"):
        raise _Problem(
            f"members[{index}]", _("This line has more cells than the header has columns."), index
        )
    unknown = sorted(set(given) - set(PERSON_COLUMNS))
    if unknown:
        raise _Problem(
            prefix + unknown[0],
            _("These fields are unknown: %(fields)s.") % {"fields": ", ".join(unknown)},
            index,
        )
    labels = MEMBER_LABELS
    for name in REQUIRED_MEMBER_KEYS:
        label = labels[name]
        if given.get(name) in (None, ""):
            raise _Problem(prefix + name, _("%(label)s is missing.") % {"label": label}, index)
    member: dict = {
        "given_name": _text(
            given["given_name"], prefix + "given_name", labels["given_name"], index, max_length=100
        ),
        "family_name": _text(
            given["family_name"],
            prefix + "family_name",
            labels["family_name"],
            index,
            max_length=100,
        ),
    }
    for name, choices in (("sex", Sex), ("relationship", Relationship)):
        value = _choice(choices, _text(given[name], prefix + name, labels[name], index))
        if value is None:
            raise _Problem(
                prefix + name,
                _("%(label)s “%(value)s” is not one of: %(choices)s.")
                % {
                    "label": labels[name],
                    "value": _cell(given[name]),
                    "choices": ", ".join(choices.values),
                },
                index,
            )
        member[name] = value
    member["date_of_birth"] = _date(
        given["date_of_birth"], prefix + "date_of_birth", labels["date_of_birth"], index
    )
    member["nationality"] = _reference(
        refs.countries, given["nationality"], prefix + "nationality", labels["nationality"], index
    )
    estimated = given.get("date_of_birth_estimated")
    if estimated not in (None, ""):
        if isinstance(estimated, str):
            flag = estimated.strip().casefold()
            if flag in ("1", "true", "yes", "y"):
                estimated = True
            elif flag in ("0", "false", "no", "n"):
                estimated = False
        if not isinstance(estimated, bool):
            raise _Problem(
                prefix + "date_of_birth_estimated",
                _("Date of birth estimated is yes or no."),
                index,
            )
        member["date_of_birth_estimated"] = estimated
    number = given.get("unhcr_individual_number")
    if number not in (None, ""):
        member["unhcr_individual_number"] = _text(
            number,
            prefix + "unhcr_individual_number",
            labels["unhcr_individual_number"],
            index,
            max_length=30,
        )
    for name in LIST_COLUMNS:
        label = labels[name]
        values = given.get(name)
        if values in (None, ""):
            continue
        if isinstance(values, str):
            values = [v.strip() for v in values.split(";") if v.strip()]
        if not isinstance(values, list) or len(values) > 20:
            raise _Problem(prefix + name, _("%(label)s are a list.") % {"label": label}, index)
        cleaned = [_text(v, prefix + name, label, index, max_length=40) for v in values]
        if name == "special_needs":
            for need in cleaned:
                if _choice(SpecialNeed, need) is None:
                    raise _Problem(
                        prefix + name,
                        _("Special need “%(value)s” is not one of: %(choices)s.")
                        % {"value": need, "choices": ", ".join(SpecialNeed.values)},
                        index,
                    )
            cleaned = [_choice(SpecialNeed, need) for need in cleaned]
        member[name] = cleaned
    return member


# ---------------------------------------------------------------------------------------------
# Refusals in words


def _person(referral: Referral, member: int | None) -> str:
    """The person a refusal concerns: the member at fault, else the principal applicant."""
    members = referral.body.get("members")
    members = [m for m in members if isinstance(m, dict)] if isinstance(members, list) else []
    if member is None:
        principal = [m for m in members if str(m.get("relationship", "")).upper() == "PA"]
        chosen = (principal or members or [None])[0]
    else:
        chosen = members[member] if member < len(members) else None
    if chosen is not None:
        name = " ".join(
            _cell(chosen.get(key, "")).strip()
            for key in ("given_name", "family_name")
            if isinstance(chosen.get(key), str)
        ).strip()
        if name:
            return name[:200]
    if member is not None:
        return _("member %(n)d") % {"n": member + 1}
    number = normalise_case_number(referral.body.get("unhcr_case_number"))
    return _("case %(number)s") % {"number": number} if number else _("this referral")


def _member_of(path: str) -> int | None:
    if path.startswith("members["):
        try:
            return int(path[len("members[") : path.index("]")])
        except ValueError:
            return None
    return None


def _field_label(path: str) -> str:
    name = path.rsplit(".", 1)[-1]
    model = Individual if path.startswith("members[") else Case
    try:
        label = getattr(model._meta.get_field(name), "verbose_name", "")
    except FieldDoesNotExist:  # a path that names no model field: no label
        return ""
    return str(label).capitalize()


def _refusal(
    referral: Referral,
    message,
    *,
    path: str = "",
    code: str = "invalid",
    member: int | None = None,
    labelled: bool = True,
    duplicates: list[int] | None = None,
) -> IntakeRowError:
    """A refused referral: the line of the bad field, the person named, the reason in words,
    its lines as CSV cells and the referral as read."""
    member = _member_of(path) if member is None else member
    person = _person(referral, member)
    label = "" if labelled else _field_label(path)
    text = (
        _("%(person)s, %(field)s: %(problem)s")
        % {"person": person, "field": label.lower(), "problem": message}
        if label
        else _("%(person)s: %(problem)s") % {"person": person, "problem": message}
    )
    number = normalise_case_number(referral.body.get("unhcr_case_number"))
    return IntakeRowError(
        line=referral.line_of(member),
        unhcr_case_number=number[:100],
        field=(path or "")[:100],
        code=(code or "invalid")[:40],
        message=text,
        rows=referral_rows(referral),
        referral=_storable(referral.body),
        possible_duplicates=duplicates or [],
    )


def _storable(value):
    """The referral as JSON PostgreSQL keeps (no NUL character in any text)."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_storable(v) for v in value]
    if isinstance(value, dict):
        return {_storable(str(k)): _storable(v) for k, v in value.items()}
    return value


def _answer_refusal(referral: Referral, answer: ApplicationError) -> IntakeRowError:
    """case_create's refusal of a referral, in words, on the line of the bad field."""
    if isinstance(answer, PossibleDuplicates):
        return _duplicates_refusal(referral, answer)
    path = answer.field or ""
    return _refusal(referral, str(answer.message), path=path, code=answer.code, labelled=False)


def _duplicates_refusal(referral: Referral, answer: PossibleDuplicates) -> IntakeRowError:
    first = answer.matches[0]
    member = first["index"]
    same = [m for m in answer.matches if m["index"] == member]
    people = "; ".join(
        _("%(name)s, born %(born)s, case %(case)s")
        % {
            "name": m["existing"].full_name,
            "born": m["existing"].date_of_birth.isoformat(),
            "case": m["existing"].case.case_number,
        }
        for m in same
    )
    message = _(
        "may already be recorded as %(people)s. Check; if it is someone else, save this "
        "referral anyway on the file's page."
    ) % {"people": people}
    return _refusal(
        referral,
        message,
        path=f"members[{member}]",
        code="possible_duplicate",
        duplicates=sorted({m["existing"].pk for m in answer.matches}),
    )


# ---------------------------------------------------------------------------------------------
# Sending and running


def intake_batch_create(*, actor, file_name: str, content_type: str, content: bytes):
    """Check that the file can be read (FileRefused otherwise: nothing queued), store it, and
    queue its intake on commit. The same file sent again by `actor` while it is being taken in
    is the same batch (returned again, nothing queued twice). Returns the batch."""
    file_format = detect_format(file_name, content_type, content)
    referrals = read_referrals(content, file_format)
    digest = hashlib.sha256(content).hexdigest()
    active = Q(status__in=[IntakeStatus.QUEUED, IntakeStatus.RUNNING])
    same = IntakeBatch.objects.defer("content").filter(
        active, created_by=actor, content_sha256=digest
    )
    if (batch := same.first()) is not None:
        return batch
    try:
        with transaction.atomic():
            batch = IntakeBatch.objects.create(
                created_by=actor,
                file_name=(file_name or "")[:200],
                format=file_format,
                content=content,
                content_sha256=digest,
                language=(translation.get_language() or settings.LANGUAGE_CODE)[:10],
                total_rows=len(referrals),
            )
            from .tasks import intake_run

            enqueue_on_commit(intake_run, batch.pk)
    except IntegrityError:
        # The same file, sent at the same moment, won the race: that is the batch.
        batch = same.first()
        if batch is None:
            raise
    return batch


def _claim(batch_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [INTAKE_LOCK_CLASS, batch_id])
        return bool(cursor.fetchone()[0])


def _release(batch_id: int) -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [INTAKE_LOCK_CLASS, batch_id])
    except DatabaseError:
        # A broken connection (or transaction) has let the lock go, or will when it closes;
        # the run's own error is the one to report.
        logger.warning("Referral file %s: advisory lock not released", batch_id, exc_info=True)


def intake_batch_run(*, batch_id: int) -> IntakeBatch:
    """Take in every referral of the batch (the task's body).

    One run at a time: a run that finds the batch held by another (advisory lock) leaves it
    alone. A run after a lost worker resumes after the referrals already counted (each chunk's
    referrals and counts commit together), so counts are never reset and nothing is taken
    twice. Refusals are written in the sender's language. Should something unforeseen stop
    the run, the file is failed with a message in words (the error itself goes to the log)."""
    if not _claim(batch_id):
        return IntakeBatch.objects.defer("content").get(pk=batch_id)
    try:
        batch = IntakeBatch.objects.select_related("created_by").get(pk=batch_id)
        if batch.finished:
            return batch
        with translation.override(batch.language or settings.LANGUAGE_CODE):
            return _run(batch)
    finally:
        _release(batch_id)


def _run(batch: IntakeBatch) -> IntakeBatch:
    now = timezone.now()
    IntakeBatch.objects.filter(pk=batch.pk).update(
        status=IntakeStatus.RUNNING, started_at=Coalesce(F("started_at"), now), progressed_at=now
    )
    try:
        referrals = read_referrals(bytes(batch.content), batch.format)
    except FileRefused as error:
        IntakeBatch.objects.filter(pk=batch.pk).update(
            status=IntakeStatus.FAILED, failure=str(error.message), finished_at=timezone.now()
        )
        return IntakeBatch.objects.get(pk=batch.pk)
    done = min(batch.processed_rows, len(referrals))
    IntakeBatch.objects.filter(pk=batch.pk).update(total_rows=len(referrals))
    seen: dict[str, int] = {}
    for referral in referrals[:done]:
        number = normalise_case_number(referral.body.get("unhcr_case_number"))
        if number:
            seen.setdefault(number, referral.line)
    try:
        take_referrals(batch=batch, actor=batch.created_by, referrals=referrals[done:], seen=seen)
    except Exception:
        logger.exception("Referral file %s stopped", batch.pk)
        counted = IntakeBatch.objects.filter(pk=batch.pk).values_list("processed_rows", flat=True)
        IntakeBatch.objects.filter(pk=batch.pk).update(
            status=IntakeStatus.FAILED,
            failure=_(
                "The intake stopped after %(done)d of %(total)d referrals because of an "
                "internal error (recorded for the administrators). What was taken in stays; "
                "send the file again to take in the rest: nothing is taken twice."
            )
            % {"done": counted.first() or 0, "total": len(referrals)},
            finished_at=timezone.now(),
        )
        raise
    IntakeBatch.objects.filter(pk=batch.pk).update(
        status=IntakeStatus.DONE, finished_at=timezone.now()
    )
    return IntakeBatch.objects.get(pk=batch.pk)


STALLED_AFTER = datetime.timedelta(hours=1)


def intake_batches_stalled() -> list[int]:
    """Files whose intake shows no progress for STALLED_AFTER (a worker lost): queued ones
    never started, running ones whose last progress is that old. A re-run of one still held
    by a live worker leaves at once (intake_batch_run)."""
    cutoff = timezone.now() - STALLED_AFTER
    return list(
        IntakeBatch.objects.filter(
            Q(status=IntakeStatus.QUEUED, created_at__lt=cutoff)
            | Q(status=IntakeStatus.RUNNING, progressed_at__lt=cutoff)
        ).values_list("pk", flat=True)
    )


def take_referrals(
    *, batch: IntakeBatch, actor, referrals: list[Referral], seen: dict | None = None
) -> None:
    """Each referral through the single referral's door; counts and refusals kept on `batch`.

    The referrals of a chunk (PROGRESS_EVERY) are taken in one transaction and the chunk's
    counts commit with them: what a caller polls is always what is stored, and a run that
    resumes starts after the last chunk counted. Should a chunk still fail in the database,
    it is taken again one referral per transaction, and a referral the database refuses is
    a refusal of that referral, never of the file."""
    refs = References()
    seen = {} if seen is None else seen
    for start in range(0, len(referrals), PROGRESS_EVERY):
        chunk = referrals[start : start + PROGRESS_EVERY]
        seen_before = dict(seen)
        try:
            with transaction.atomic():
                _take_chunk(batch, actor, chunk, seen=seen, refs=refs)
        except DatabaseError:
            logger.warning("Referral file %s: a chunk taken one by one", batch.pk, exc_info=True)
            seen.clear()
            seen.update(seen_before)
            for referral in chunk:
                try:
                    with transaction.atomic():
                        _take_chunk(batch, actor, [referral], seen=seen, refs=refs)
                except DatabaseError:
                    logger.exception("Referral file %s: line %s", batch.pk, referral.line)
                    refusal = _refusal(
                        referral,
                        _("this referral could not be saved; check its values and send it again."),
                        code="not_saved",
                    )
                    with transaction.atomic():
                        _record(batch, [referral], {"created": 0, "present": 0}, [refusal])


def _take_chunk(batch, actor, chunk, *, seen, refs) -> None:
    """Read each referral of the chunk from plain data, take the valid ones in with
    `case_create_many` (each with case_create's answer), record the outcome."""
    from cases.services import case_create_many

    numbers = {normalise_case_number(r.body.get("unhcr_case_number")) for r in chunk}
    present = set(
        Case.objects.filter(unhcr_case_number__in=numbers - {""}).values_list(
            "unhcr_case_number", flat=True
        )
    )
    counts = {"created": 0, "present": 0}
    errors = []
    parsed = []  # (referral, fields, members)
    for referral in chunk:
        outcome = _parse_one(referral, actor=actor, present=present, seen=seen, refs=refs)
        if isinstance(outcome, tuple):
            parsed.append((referral, *outcome))
        elif isinstance(outcome, IntakeRowError):
            errors.append(outcome)
        else:
            counts[outcome] += 1
    answers = case_create_many(
        actor=actor, referrals=[(fields, members) for _referral, fields, members in parsed]
    )
    for (referral, _fields, _members), answer in zip(parsed, answers, strict=True):
        if not isinstance(answer, ApplicationError):
            counts["created"] += 1
        elif answer.code == "duplicate" and answer.field == "unhcr_case_number":
            counts["present"] += 1  # sent meanwhile through another door
        else:
            errors.append(_answer_refusal(referral, answer))
    _record(batch, chunk, counts, errors)


def _record(batch, chunk, counts, errors) -> None:
    for error in errors:
        error.batch = batch
    IntakeRowError.objects.bulk_create(errors)
    IntakeBatch.objects.filter(pk=batch.pk).update(
        progressed_at=timezone.now(),
        processed_rows=F("processed_rows") + len(chunk),
        created_rows=F("created_rows") + counts["created"],
        present_rows=F("present_rows") + counts["present"],
        error_rows=F("error_rows") + len(errors),
    )


def _parse_one(referral: Referral, *, actor, present, seen, refs):
    """(fields, members) of a referral to take in, "present", or its refusal."""
    number = normalise_case_number(referral.body.get("unhcr_case_number"))
    if number and number in present:
        return "present"
    if number and number in seen:
        return _refusal(
            referral,
            _("this UNHCR case number is already at line %(line)d of the file.")
            % {"line": seen[number]},
            path="unhcr_case_number",
            code="duplicate",
        )
    if number:
        seen[number] = referral.line
    try:
        fields, members, acknowledged = read_referral(referral.body, refs)
    except _Problem as problem:
        return _refusal(referral, problem.message, path=problem.path, member=problem.member)
    if acknowledged:
        # case_create_many takes no acknowledgements: such a referral goes alone.
        from cases.services import case_create

        try:
            with transaction.atomic():
                case_create(
                    actor=actor, members=members, acknowledged_duplicates=acknowledged, **fields
                )
        except ApplicationError as answer:
            if answer.code == "duplicate" and answer.field == "unhcr_case_number":
                return "present"
            return _answer_refusal(referral, answer)
        return "created"
    return fields, members


# ---------------------------------------------------------------------------------------------
# Saving a possible duplicate anyway


def intake_referral_save_anyway(*, actor, row_error_id: int) -> Case:
    """Save a referral refused as a possible duplicate, the people it may be acknowledged
    (case_create with `acknowledged_duplicates`): every other rule still holds. The refusal
    then names the case saved and the file's counts move it from refused to taken in.
    ApplicationError (in words) when it is not a possible duplicate, is saved already, or
    another rule refuses it."""
    from cases.services import case_create

    with transaction.atomic():
        row = (
            IntakeRowError.objects.select_for_update(of=("self",))
            .select_related("batch")
            .get(pk=row_error_id)
        )
        if row.saved_case_id is not None:
            raise ApplicationError(_("This referral has been saved already."), code="already_saved")
        if row.code != "possible_duplicate" or not row.possible_duplicates:
            raise ApplicationError(
                _(
                    "Only a referral refused as a possible duplicate can be saved anyway: fix "
                    "the others in the refused-rows file and send it again."
                ),
                code="not_a_possible_duplicate",
            )
        referral = Referral(line=row.line, body=dict(row.referral))
        try:
            fields, members, acknowledged = read_referral(referral.body, References())
        except _Problem as problem:
            raise ApplicationError(
                _refusal(referral, problem.message, path=problem.path).message,
                field=problem.path or None,
            ) from None
        try:
            case = case_create(
                actor=actor,
                members=members,
                acknowledged_duplicates=[*acknowledged, *row.possible_duplicates],
                **fields,
            )
        except ApplicationError as answer:
            refusal = _answer_refusal(referral, answer)
            raise ApplicationError(refusal.message, code=answer.code, field=answer.field) from None
        row.saved_case = case
        row.save(update_fields=["saved_case"])
        IntakeBatch.objects.filter(pk=row.batch_id).update(
            error_rows=F("error_rows") - 1, created_rows=F("created_rows") + 1
        )
    return case
