""" "Changed since approval", always current: an approved version compared with today's records.

When a yearly run is computed, the records it counted are kept beside its figures (`RunRecord`,
one row per counted record with the dimensions it was counted under). Opening an approved
version (page or API) queues a check in the background, and every approved year is checked
each night: today's figures are computed with the version's rules and compared cell by cell,
and for each figure that differs the records that entered and left it are found by comparing
today's records with the kept ones. No new version is made and nobody has to recompute.

Writes (keeping records, asking for and computing checks) are here with the reads that serve
them, because they share the one definition of each table's rows (reports.tables).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, Individual
from cases.selectors import case_visible_to
from core.background import enqueue_on_commit

from .choices import ACTIVE_STATUSES, ReportKind, RunStatus
from .figures import compute_figures
from .models import ApprovalCheck, ImportedDeparture, ReportRun, RunRecord
from .presenters import NOT_RECORDED, cell_map, describe_cell
from .tables import (
    TABLES_BY_KEY,
    TEXT_KINDS,
    Period,
    cell_filter_sql,
    tables_for,
)

log = logging.getLogger(__name__)

# A check still queued or running this long lost its worker: a new one replaces it.
CHECK_LOST_AFTER = datetime.timedelta(minutes=10)
# Records listed per side (entered, left) of one changed figure; the count is always whole.
RECORDS_LISTED = 50
# Changed figures whose records are looked up (each is one small statement).
FIGURES_TRACED = 60


def _bases(kind: str) -> dict[str, tuple[Callable, dict[str, str]]]:
    """{name: (base, {dimension key: kind})}: the counted things of a report, each once."""
    out: dict[str, tuple[Callable, dict[str, str]]] = {}
    for table in tables_for(kind):
        _base, dims = out.setdefault(table.base.__name__, (table.base, {}))
        for dimension in table.dimensions:
            dims[dimension.key] = dimension.kind
    return out


def run_records_keep(*, run: ReportRun) -> int:
    """Keep the records a yearly run counts, with their dimensions, as they stand now (called
    right after its figures are computed). Safe to call again: the run's rows are replaced.
    Returns how many rows were kept."""
    if run.kind != ReportKind.YEARLY:
        return 0
    period = Period(run.year_from, run.year_to)
    kept = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM reports_runrecord WHERE run_id = %s", [run.pk])
        for name, (base, dims) in _bases(run.kind).items():
            sql, params = base(period)
            pairs = ", ".join(f"'{key}', b.\"{key}\"" for key in dims)
            # Identifiers come from the table definitions only; values are parameters.
            cursor.execute(
                "INSERT INTO reports_runrecord "  # noqa: S608
                "(run_id, base, unit_id, individual_id, case_id, imported_id, weight, dims) "
                f"SELECT %s, %s, b.unit_id, b.individual_id, b.case_id, b.imported_id, b.weight, "
                f"jsonb_build_object({pairs}) FROM ({sql}) b",
                [run.pk, name, *params],
            )
            kept += cursor.rowcount
        # A draft superseded by this run is never approved: its records are not needed.
        cursor.execute(
            "DELETE FROM reports_runrecord WHERE run_id IN (SELECT id FROM reports_reportrun "
            "WHERE parameters_key = %s AND version < %s AND approved_at IS NULL)",
            [run.parameters_key, run.version],
        )
    return kept


def _kept_base(run_id: int, name: str, dims: dict[str, str]) -> tuple[str, list]:
    """The kept records of a run as base rows (the same columns as the table's own base)."""
    columns = "".join(
        f", (r.dims->>'{key}')::{'text' if kind in TEXT_KINDS else 'bigint'} AS \"{key}\""
        for key, kind in dims.items()
    )
    sql = (
        "SELECT r.unit_id, r.individual_id, r.case_id, r.imported_id, r.weight"  # noqa: S608
        f"{columns} FROM reports_runrecord r WHERE r.run_id = %s AND r.base = %s"
    )
    return sql, [run_id, name]


# ---------------------------------------------------------------------------------------------
# Asking for and computing a check


def approval_check_request(*, run_id: int) -> ApprovalCheck | None:
    """Queue a check of an approved version against today's records, unless one is already
    queued or running (that one is returned). A check lost by its worker is failed and replaced.
    None for a version that is not approved."""
    run = ReportRun.objects.filter(pk=run_id).only("pk", "approved_at", "kind").first()
    if run is None or run.approved_at is None:
        return None
    now = timezone.now()
    for _attempt in range(3):
        active = ApprovalCheck.objects.filter(run_id=run_id, status__in=ACTIVE_STATUSES).first()
        if active and active.requested_at >= now - CHECK_LOST_AFTER:
            return active
        try:
            with transaction.atomic():
                if active:
                    ApprovalCheck.objects.filter(pk=active.pk, status__in=ACTIVE_STATUSES).update(
                        status=RunStatus.FAILED,
                        error=_("The worker checking this version stopped without finishing."),
                    )
                check = ApprovalCheck(run_id=run_id)
                check.full_clean(validate_constraints=False)
                check.save()
        except IntegrityError:
            continue  # another request queued one in between: return it
        from .tasks import check_approved_run

        enqueue_on_commit(check_approved_run, check.pk)
        return check
    return None


def approved_years_check() -> int:
    """Queue a check of the approved version of every year (the nightly sweep). Returns how
    many were queued or already under way."""
    latest: dict[str, int] = {}
    for pk, key in (
        ReportRun.objects.filter(approved_at__isnull=False)
        .order_by("parameters_key", "-version")
        .values_list("pk", "parameters_key")
    ):
        latest.setdefault(key, pk)
    return sum(1 for pk in latest.values() if approval_check_request(run_id=pk))


def figure_differences(approved: dict, current: dict) -> list[dict]:
    """Every cell whose value differs between two sets of figures of the same report."""
    before, after = cell_map(approved), cell_map(current)
    out = []
    for address in sorted(set(before) | set(after), key=str):
        old, new = before.get(address, 0), after.get(address, 0)
        if old == new:
            continue
        key, dims, measure = address
        if key not in TABLES_BY_KEY:
            continue
        out.append(
            {
                "table": key,
                "dims": [[k, v] for k, v in dims],
                "measure": measure,
                "approved": old,
                "current": new,
                "cell": describe_cell(key, dims, current if address in after else approved),
            }
        )
    return out


def _moved_records(run: ReportRun, difference: dict) -> dict:
    """The records that entered and left one figure since the run's records were kept."""
    table = TABLES_BY_KEY[difference["table"]]
    dims = dict(_bases(run.kind)[table.base.__name__][1])
    cell = dict(difference["dims"])
    now_sql, now_params = table.base(Period(run.year_from, run.year_to))
    kept_sql, kept_params = _kept_base(run.pk, table.base.__name__, dims)
    where, where_params = cell_filter_sql(table, cell)
    columns = "b.unit_id, b.individual_id, b.case_id, b.imported_id, b.weight"
    sql = (
        f"WITH now AS (SELECT {columns} FROM ({now_sql}) b WHERE {where}), "  # noqa: S608
        f"kept AS (SELECT {columns} FROM ({kept_sql}) b WHERE {where}) "
        "SELECT 'entered', * FROM (SELECT * FROM now EXCEPT SELECT * FROM kept) e "
        "UNION ALL SELECT 'left', * FROM (SELECT * FROM kept EXCEPT SELECT * FROM now) l "
        "ORDER BY 1, 4, 3, 2"
    )
    moved: dict[str, list] = {"entered": [], "left": []}
    counts = {"entered": 0, "left": 0}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*now_params, *where_params, *kept_params, *where_params])
        for side, unit_id, individual_id, case_id, imported_id, weight in cursor.fetchall():
            counts[side] += 1
            if len(moved[side]) < RECORDS_LISTED:
                moved[side].append(
                    {
                        "unit_id": unit_id,
                        "individual_id": individual_id,
                        "case_id": case_id,
                        "imported_id": imported_id,
                        "weight": weight,
                    }
                )
    return {
        "entered": moved["entered"],
        "left": moved["left"],
        "entered_count": counts["entered"],
        "left_count": counts["left"],
    }


def approval_check_compute(*, check_id: int) -> ApprovalCheck | None:
    """Compute one check: today's figures with the version's rules, every figure that differs
    from the approved one, and the records that entered and left it. A check already done,
    failed or being computed by another worker is left as it is."""
    with transaction.atomic():
        check = (
            ApprovalCheck.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("run")
            .filter(pk=check_id, status__in=ACTIVE_STATUSES)
            .first()
        )
        if check is None:
            return None
        check.status = RunStatus.RUNNING
        check.save(update_fields=["status"])
    run = check.run
    try:
        figures = compute_figures(kind=run.kind, year_from=run.year_from, year_to=run.year_to)
        differences = figure_differences(run.figures, figures)
        records_known = RunRecord.objects.filter(run=run).exists()
        if records_known:
            for difference in differences[:FIGURES_TRACED]:
                difference.update(_moved_records(run, difference))
        ApprovalCheck.objects.filter(pk=check.pk).update(
            status=RunStatus.DONE,
            checked_at=datetime.datetime.fromisoformat(figures["computed_at"]),
            figures=figures,
            differences=differences,
            records_known=records_known,
        )
        # Only the latest result is read: older finished checks are dropped.
        ApprovalCheck.objects.filter(run=run, pk__lt=check.pk).exclude(
            status__in=ACTIVE_STATUSES
        ).delete()
    except Exception as error:
        log.exception("check of report run %s failed", run.pk)
        ApprovalCheck.objects.filter(pk=check.pk).update(
            status=RunStatus.FAILED, error=f"{type(error).__name__}: {error}"
        )
    check.refresh_from_db()
    return check


# ---------------------------------------------------------------------------------------------
# Reading a version's changes


@dataclass
class MovedRecord:
    """A record that entered or left a figure, named only for who may see its case."""

    case_id: int | None
    case_number: str
    person: str
    reference: str
    persons: int


@dataclass
class Difference:
    table: str
    table_key: str
    cell: str
    measure: str
    approved: int
    current: int
    dims: dict
    measure_key: str
    entered: list[MovedRecord] = field(default_factory=list)
    left: list[MovedRecord] = field(default_factory=list)
    entered_count: int | None = None
    left_count: int | None = None
    url: str = ""

    @property
    def change(self) -> int:
        return self.current - self.approved


@dataclass
class Changes:
    """An approved version's changes: `check` is the latest finished comparison with today's
    records (None before the first), `checking` whether a newer one is under way, `newer` the
    latest version computed after the approval (a new approval publishes it)."""

    approved: ReportRun
    check: ApprovalCheck | None
    checking: bool
    newer: ReportRun | None
    differences: list[Difference] = field(default_factory=list)

    @property
    def checked_at(self):
        return self.check.checked_at if self.check else None


def _named(records: list[dict], names: dict) -> list[MovedRecord]:
    out = []
    for record in records:
        case_id = record.get("case_id")
        if record.get("imported_id"):
            line = names["imported"].get(record["imported_id"], "")
            out.append(MovedRecord(None, "", "", line, record.get("weight") or 1))
        elif case_id in names["visible"]:
            out.append(
                MovedRecord(
                    case_id,
                    names["cases"].get(case_id, ""),
                    names["people"].get(record.get("individual_id"), ""),
                    "",
                    record.get("weight") or 1,
                )
            )
        else:
            hidden = (
                _("a record no longer kept")
                if case_id not in names["cases"]
                else _("a person in a case outside what you may see")
            )
            out.append(MovedRecord(None, "", hidden, "", record.get("weight") or 1))
    return out


def _names_for(differences: list[dict], user) -> dict:
    """Names of the people, cases and imported lines the differences mention: 4 queries."""
    people, cases, imported = set(), set(), set()
    for difference in differences:
        for record in [*difference.get("entered", []), *difference.get("left", [])]:
            if record.get("individual_id"):
                people.add(record["individual_id"])
            if record.get("case_id"):
                cases.add(record["case_id"])
            if record.get("imported_id"):
                imported.add(record["imported_id"])
    if not (people or cases or imported):
        return {"people": {}, "cases": {}, "visible": set(), "imported": {}}
    return {
        "people": {
            pk: f"{given} {family}".strip()
            for pk, given, family in Individual.objects.filter(pk__in=people).values_list(
                "pk", "given_name", "family_name"
            )
        },
        "cases": dict(Case.objects.filter(pk__in=cases).values_list("pk", "case_number")),
        "visible": set(
            case_visible_to(user).filter(pk__in=cases).values_list("pk", flat=True)
            if user is not None
            else []
        ),
        "imported": {
            pk: f"{name} #{line}"
            for pk, name, line in ImportedDeparture.objects.filter(pk__in=imported).values_list(
                "pk", "batch__file_name", "line"
            )
        },
    }


def changes_since_approval(run: ReportRun, *, user=None) -> Changes | None:
    """For an approved version: its latest check against today's records and every figure
    that differs, with the records that entered and left it (named for `user` only where
    `user` may see the case; without a user, nobody is named). None when not approved."""
    if not run.is_approved:
        return None
    checks = list(ApprovalCheck.objects.filter(run=run).defer("figures").order_by("-id")[:5])
    done = next((c for c in checks if c.status == RunStatus.DONE), None)
    checking = any(c.is_active for c in checks)
    newer = (
        ReportRun.objects.filter(
            parameters_key=run.parameters_key, status=RunStatus.DONE, version__gt=run.version
        )
        .defer("figures")
        .order_by("-version")
        .first()
    )
    changes = Changes(approved=run, check=done, checking=checking, newer=newer)
    if done is None:
        return changes
    names = _names_for(done.differences, user)
    for item in done.differences:
        table = TABLES_BY_KEY[item["table"]]
        traced = "entered_count" in item
        changes.differences.append(
            Difference(
                table=str(table.title),
                table_key=item["table"],
                cell=item["cell"],
                measure=str(table.measure(item["measure"]).label),
                approved=item["approved"],
                current=item["current"],
                dims={k: (NOT_RECORDED if v is None else v) for k, v in item["dims"]},
                measure_key=item["measure"],
                entered=_named(item.get("entered", []), names),
                left=_named(item.get("left", []), names),
                entered_count=item.get("entered_count") if traced else None,
                left_count=item.get("left_count") if traced else None,
            )
        )
    return changes


def changes_as_data(changes: Changes | None) -> dict | None:
    """The changes as the API answers them."""
    if changes is None:
        return None

    def records(items: list[MovedRecord]) -> list[dict]:
        return [
            {
                "case_id": r.case_id,
                "case_number": r.case_number or None,
                "person": r.person or None,
                "reference": r.reference or None,
                "persons": r.persons,
            }
            for r in items
        ]

    return {
        "checked_at": changes.checked_at,
        "checking": changes.checking,
        "records_known": changes.check.records_known if changes.check else None,
        "newer_version": changes.newer.pk if changes.newer else None,
        "changed": bool(changes.differences) if changes.check else None,
        "differences": [
            {
                "table": d.table_key,
                "figure": d.cell,
                "measure": d.measure_key,
                "approved": d.approved,
                "current": d.current,
                "dims": d.dims,
                "entered_count": d.entered_count,
                "left_count": d.left_count,
                "entered": records(d.entered),
                "left": records(d.left),
            }
            for d in changes.differences
        ],
    }
