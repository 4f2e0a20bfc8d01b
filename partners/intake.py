"""Bulk referral intake: a CSV or JSON file of referrals, taken in row by row by a Celery task.

Each referral goes through the door of a single referral: the API's input serializer
(`cases.serializers.CaseCreateIn`: codes to records, types, unknown fields), then
`cases.services.case_create_many`, which gives each referral exactly the answer
`case_create` gives it (every rule of a referral, the partner's destination and possible
duplicates included) while checking recorded cases and people once per chunk and writing the
referrals that pass together. So a file says the same as the same referrals sent one by one:

- every valid referral is taken;
- each invalid one is recorded (IntakeRowError) with its line and the reason, the field named;
- one whose UNHCR case number (normalised) is already recorded is counted as already present,
  never stored twice: a re-sent file creates nothing new;
- the same UNHCR case number twice in one file: the second is refused, naming the first line.

Formats (README, "Partner guide"):

- JSON: an array of referrals, each exactly the body of POST /api/v1/cases/ (or an object
  {"referrals": [...]}); the "line" of a refusal is the referral's position, from 1.
- CSV (UTF-8, comma-separated, header line): one line per person; the lines of one referral
  follow each other and share its `unhcr_case_number`; the case columns are read from its first
  line. `languages` and `special_needs` are separated by `;`. `location` is the camp's name or id.
  The "line" of a refusal is the file line of the referral's first person (the header is line 1).

A file is checked when it is sent (size, encoding, columns): what cannot be read at all is
refused at once (400/413) and nothing is queued.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError as DrfValidationError

from cases.models import Case, Location, normalise_unhcr_number
from cases.services import INDIVIDUAL_EDITABLE_FIELDS
from core.background import enqueue_on_commit
from core.errors import ApplicationError

from .models import IntakeBatch, IntakeRowError, IntakeStatus

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_REFERRALS = 50_000
PROGRESS_EVERY = 50

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
    unknown = [h for h in header if h and h not in CASE_COLUMNS + PERSON_COLUMNS]
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
            if None in row:  # more cells than columns
                row.pop(None)
                row["_extra_cells"] = True
            values = {k: (v or "").strip() for k, v in row.items() if k != "_extra_cells"}
            if not any(values.values()):
                continue
            key = normalise_case_number(values.get("unhcr_case_number"))
            person = _csv_person(values)
            if row.get("_extra_cells"):
                person["_extra_cells"] = "yes"
            if current is not None and key == current_key:
                current.body["members"].append(person)
                continue
            if current is not None:
                yield current
            body = {c: values[c] for c in CASE_COLUMNS if values.get(c, "") != ""}
            if str(body.get("location", "")).isdigit():
                body["location"] = int(body["location"])
            body["members"] = [person]
            current, current_key = Referral(line=line, body=body), key
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
            person[column] = value.lower() in ("1", "true", "yes", "y")
        else:
            person[column] = value
    return person


# ---------------------------------------------------------------------------------------------
# Sending and running


def intake_batch_create(*, actor, file_name: str, content_type: str, content: bytes):
    """Check that the file can be read (FileRefused otherwise: nothing queued), store it, and
    queue its intake on commit. Returns the batch."""
    file_format = detect_format(file_name, content_type, content)
    referrals = read_referrals(content, file_format)
    with transaction.atomic():
        batch = IntakeBatch.objects.create(
            created_by=actor,
            file_name=(file_name or "")[:200],
            format=file_format,
            content=content,
            total_rows=len(referrals),
        )
        from .tasks import intake_run

        enqueue_on_commit(intake_run, batch.pk)
    return batch


def intake_batch_run(*, batch_id: int) -> IntakeBatch:
    """Take in every referral of the batch (the task's body). Idempotent: a re-run (a worker
    lost mid-file) starts over, and what the first run took in is then already present."""
    batch = IntakeBatch.objects.select_related("created_by").get(pk=batch_id)
    if batch.finished:
        return batch
    IntakeRowError.objects.filter(batch=batch).delete()
    IntakeBatch.objects.filter(pk=batch.pk).update(
        status=IntakeStatus.RUNNING,
        started_at=timezone.now(),
        progressed_at=timezone.now(),
        processed_rows=0,
        created_rows=0,
        present_rows=0,
        error_rows=0,
    )
    try:
        referrals = read_referrals(bytes(batch.content), batch.format)
    except FileRefused as error:
        IntakeBatch.objects.filter(pk=batch.pk).update(
            status=IntakeStatus.FAILED, failure=str(error.message), finished_at=timezone.now()
        )
        return IntakeBatch.objects.get(pk=batch.pk)
    IntakeBatch.objects.filter(pk=batch.pk).update(total_rows=len(referrals))
    try:
        take_referrals(batch=batch, actor=batch.created_by, referrals=referrals)
    except Exception as error:
        # Never "running" forever: the file is failed with what went wrong, then re-raised.
        IntakeBatch.objects.filter(pk=batch.pk).update(
            status=IntakeStatus.FAILED,
            failure=f"{type(error).__name__}: {error}"[:2000],
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
    never started, running ones whose last progress is that old."""
    cutoff = timezone.now() - STALLED_AFTER
    return list(
        IntakeBatch.objects.filter(
            Q(status=IntakeStatus.QUEUED, created_at__lt=cutoff)
            | Q(status=IntakeStatus.RUNNING, progressed_at__lt=cutoff)
        ).values_list("pk", flat=True)
    )


def take_referrals(*, batch: IntakeBatch, actor, referrals: list[Referral]) -> None:
    """Each referral through the single referral's door; counts and refusals kept on `batch`.

    The referrals of a chunk (PROGRESS_EVERY) are taken in one transaction, each in its own
    savepoint (case_create's), and the chunk's counts commit with them: what a caller polls is
    always what is stored. Should the commit itself fail (a deferred check), the chunk is taken
    again one referral per transaction, so one bad referral never costs the others."""
    locations = {name.lower(): pk for pk, name in Location.objects.values_list("pk", "name")}
    seen: dict[str, int] = {}
    for start in range(0, len(referrals), PROGRESS_EVERY):
        chunk = referrals[start : start + PROGRESS_EVERY]
        seen_before = dict(seen)
        try:
            with transaction.atomic():
                _take_chunk(batch, actor, chunk, seen=seen, locations=locations)
        except DatabaseError:
            seen.clear()
            seen.update(seen_before)
            for referral in chunk:
                _take_chunk(batch, actor, [referral], seen=seen, locations=locations)


def _take_chunk(batch, actor, chunk, *, seen, locations) -> None:
    """Parse each referral of the chunk with the single referral's serializer, take the valid
    ones in with `case_create_many` (each with case_create's answer), record the outcome."""
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
        outcome = _parse_one(referral, present=present, seen=seen, locations=locations)
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
            errors.append(_refusal(referral, answer.message, answer.field or "", answer.code))
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


def _refusal(referral: Referral, message, field="", code="invalid") -> IntakeRowError:
    number = normalise_case_number(referral.body.get("unhcr_case_number"))
    return IntakeRowError(
        line=referral.line,
        unhcr_case_number=number[:100],
        field=(field or "")[:100],
        code=(code or "")[:40],
        message=str(message),
    )


def _parse_one(referral: Referral, *, present, seen, locations):
    """(fields, members) of a referral to take in, "present", or its refusal."""
    from cases.serializers import CaseCreateIn

    body = referral.body
    number = normalise_case_number(body.get("unhcr_case_number"))
    if number and number in present:
        return "present"
    if number and number in seen:
        return _refusal(
            referral,
            _("This UNHCR case number is already at line %(line)d of the file.")
            % {"line": seen[number]},
            "unhcr_case_number",
            "duplicate",
        )
    if number:
        seen[number] = referral.line
    members = body.get("members")
    if "_" in body or (
        isinstance(members, list)
        and any("_extra_cells" in m for m in members if isinstance(m, dict))
    ):
        return _refusal(
            referral,
            _(
                "This referral is not an object of fields, or a line has more cells than the "
                "header."
            ),
        )
    if isinstance(body.get("location"), str) and body["location"].lower() in locations:
        body = {**body, "location": locations[body["location"].lower()]}
    given = CaseCreateIn(data=body)
    if not given.is_valid():
        field, message = _first_error(given.errors)
        return _refusal(referral, message, field)
    fields = dict(given.validated_data)
    members = [dict(member) for member in fields.pop("members")]
    return fields, members


def _first_error(errors, prefix="") -> tuple[str, str]:
    """The first field at fault in DRF's nested errors, as ("members[1].sex", "message")."""
    if isinstance(errors, dict):
        for key, value in errors.items():
            if isinstance(key, int):  # a list's errors by position (DRF 3.15+)
                return _first_error(value, f"{prefix}[{key}]")
            name = "" if key in ("non_field_errors", "__all__") else str(key)
            path = f"{prefix}.{name}" if prefix and name else (name or prefix)
            return _first_error(value, path)
    if isinstance(errors, list):
        for index, item in enumerate(errors):
            if isinstance(item, dict | list):
                if item:
                    return _first_error(item, f"{prefix}[{index}]")
            else:
                return prefix, str(item)
    if isinstance(errors, DrfValidationError):  # pragma: no cover
        return _first_error(errors.detail, prefix)
    return prefix, str(errors)
