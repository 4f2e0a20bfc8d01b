"""The manager's pages: the dashboard (their landing page), report runs and their figures,
approval, files, the records behind a figure, and the import of past departures.

Thin views: they check the role, read through reports.selectors, write through
reports.services, and render.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.choices import CaseStatus
from cases.models import Location
from core.errors import ApplicationError
from movements.bookings.selectors import BoardFilters, board_sections

from . import checks, selectors, services
from .charts import bar_chart, has_values
from .choices import FileEdition, FileFormat, ReportKind, RunStatus
from .errors import ImportRefused
from .exports import CONTENT_TYPES, report_charts, stream_csv
from .forms import HistoryImportForm, RunRequestForm
from .history import history_import
from .models import ReportFile, ReportRun
from .permissions import can_use_reports
from .presenters import month_names, month_series, present_figures

PAGE_SIZE = 50
DRILL_PAGE_SIZE = 200
EXPIRING_DAYS = 30


def reports_role_required(view):
    @wraps(view)
    def checked(request, *args, **kwargs):
        if not can_use_reports(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(checked)


def _run_or_404(request, pk) -> ReportRun:
    try:
        return selectors.run_for(user=request.user, pk=pk)
    except ReportRun.DoesNotExist as missing:
        raise Http404(_("No such report run.")) from missing


# ---------------------------------------------------------------------------------------------
# Dashboard


@reports_role_required
@require_GET
def dashboard(request):
    """This year so far against exactly the same days of last year, departures per month (every
    month, an empty chart said in words), the pipeline, travel windows and the clearances
    closing soon of people still to travel, and any run being computed."""
    user = request.user
    today = timezone.localdate()
    this_run = selectors.latest_done(f"{ReportKind.YEARLY}:{today.year}")
    last_run = selectors.published_run(user=user, year=today.year - 1)
    year_to_date = selectors.departures_year_to_date(user=user, today=today)
    this_months = month_series(this_run.figures if this_run else None)
    last_months = month_series(last_run.figures if last_run else None)
    series = [(str(today.year), this_months), (str(today.year - 1), last_months)]
    chart = (
        bar_chart(title=_("Departures per month (persons)"), labels=month_names(), series=series)
        if has_values(series)
        else ""
    )
    pipeline = selectors.pipeline(user=user)
    camps = dict(Location.objects.values_list("pk", "name"))
    per_camp: dict[str, dict] = {}
    for row in pipeline["per_camp"]:
        per_camp.setdefault(camps.get(row["location_id"], "?"), {})[row["status"]] = row["n"]
    camp_statuses = [s for s in CaseStatus if pipeline["per_status"].get(s.value)]
    expiring = selectors.clearances_closing(user=user, days=EXPIRING_DAYS, today=today)
    windows = board_sections(
        filters=BoardFilters(closing_within_days=EXPIRING_DAYS), limit=10, today=today
    )["closing"]
    return render(
        request,
        "reports/dashboard.html",
        {
            "today": today,
            "this_run": this_run,
            "last_run": last_run,
            "ytd": year_to_date,
            "chart": chart,
            "month_rows": list(zip(month_names(long=True), this_months, last_months, strict=True)),
            "statuses": [
                (s, pipeline["per_status"].get(s.value, 0))
                for s in CaseStatus
                if pipeline["per_status"].get(s.value)
            ],
            "camp_statuses": camp_statuses,
            "per_camp": [
                (camp, [counts.get(s.value, "") for s in camp_statuses])
                for camp, counts in sorted(per_camp.items())
            ],
            "expiring": expiring[:10],
            "expiring_count": expiring.count(),
            "expiring_days": EXPIRING_DAYS,
            "windows": windows,
            "active_runs": list(selectors.active_runs(user=user)),
            "form": RunRequestForm(initial={"kind": ReportKind.YEARLY, "year": today.year}),
        },
    )


# ---------------------------------------------------------------------------------------------
# Runs


@reports_role_required
@require_http_methods(["GET", "POST"])
def run_list(request):
    form = RunRequestForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                run, created = services.run_request(user=request.user, **form.cleaned_data)
            except ApplicationError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                if created:
                    messages.success(request, _("The report is queued; a worker computes it."))
                else:
                    messages.info(request, _("This report is already being computed: here it is."))
                return redirect(run)
        status = 400
    page = Paginator(selectors.runs_for(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "reports/run_list.html", {"form": form, "page": page}, status=status)


def _file_links(run: ReportRun, files: list[ReportFile]) -> dict[str, list[dict]]:
    """Each edition the run has or will have, with every format: a link for a file written, or
    `url` None for one still being written (the draft while the run computes, the approved
    edition just after approval)."""
    written = {(f.edition, f.format): f for f in files}
    editions = [FileEdition.DRAFT] if run.status != RunStatus.FAILED or files else []
    if run.is_approved:
        editions.append(FileEdition.APPROVED)
    out: dict[str, list[dict]] = {}
    for edition in editions:
        for fmt, label in FileFormat.choices:
            record = written.get((edition, fmt))
            out.setdefault(edition, []).append(
                {
                    "format": label,
                    "size": record.size if record else None,
                    "url": reverse(
                        "reports:run_file", kwargs={"pk": run.pk, "edition": edition, "fmt": fmt}
                    )
                    if record
                    else None,
                }
            )
    return out


def _files_pending(files: dict[str, list[dict]]) -> bool:
    return any(link["url"] is None for links in files.values() for link in links)


def _drill_url(run: ReportRun, table_key: str, cell) -> str:
    query = {"table": table_key, "measure": cell.measure, **cell.dims}
    return f"{reverse('reports:drill', kwargs={'pk': run.pk})}?{urlencode(query)}"


def _changes(request, run: ReportRun, *, ask: bool = True):
    """An approved version's changes since approval; opening it asks for a fresh check
    against today's records (in the background), so the page is never left behind."""
    if not run.is_approved:
        return None
    if ask:
        checks.approval_check_request(run_id=run.pk)
    changes = selectors.changes_since_approval(run, user=request.user)
    for difference in changes.differences:
        query = {"table": difference.table_key, "measure": difference.measure_key}
        target = changes.newer or run
        difference.url = (
            f"{reverse('reports:drill', kwargs={'pk': target.pk})}?"
            f"{urlencode({**query, **difference.dims})}"
        )
    return changes


def _run_context(request, run: ReportRun, *, published_for: int | None = None) -> dict:
    tables = present_figures(run.figures) if run.figures else []
    for table in tables:
        for row in table.rows:
            for cell in row.cells:
                cell.url = _drill_url(run, table.key, cell)
    changes = _changes(request, run)
    files = _file_links(run, list(run.files.all()))
    approved_for_year = None
    if run.kind == ReportKind.YEARLY and not run.is_approved:
        approved_for_year = selectors.latest_approved(run.parameters_key)
    return {
        "run": run,
        "tables": tables,
        "charts": report_charts(run.figures, tables) if run.figures else [],
        "files": files,
        "files_pending": _files_pending(files),
        "changes": changes,
        "approved_for_year": approved_for_year,
        "published_for": published_for,
        "can_approve": run.status == RunStatus.DONE
        and run.kind == ReportKind.YEARLY
        and not run.is_approved,
        "versions": list(
            ReportRun.objects.filter(parameters_key=run.parameters_key)
            .select_related("approved_by")
            .defer("figures")
            .order_by("-version")[:20]
        ),
    }


@reports_role_required
@require_GET
def run_detail(request, pk):
    run = _run_or_404(request, pk)
    return render(request, "reports/run_detail.html", _run_context(request, run))


@reports_role_required
@require_GET
def run_progress(request, pk):
    """The progress bar, polled by htmx while the run is queued or running; once it is done the
    page reloads itself to show the figures."""
    run = _run_or_404(request, pk)
    # The run page's header shows the status too: it is swapped with the bar (out of band), so
    # the header and the panel always say the same.
    response = render(
        request,
        "reports/_progress.html",
        {"run": run, "header": request.GET.get("header") == "1"},
    )
    if not run.is_active and request.htmx and request.GET.get("reload"):
        response["HX-Refresh"] = "true"
    return response


@reports_role_required
@require_GET
def run_files(request, pk):
    """The files panel, polled by htmx while a file is still being written."""
    run = _run_or_404(request, pk)
    files = _file_links(run, list(run.files.all()))
    return render(
        request,
        "reports/_files.html",
        {"run": run, "files": files, "files_pending": _files_pending(files)},
    )


@reports_role_required
@require_GET
def run_changes(request, pk):
    """The "changed since approval" panel, polled by htmx while a check is under way."""
    run = _run_or_404(request, pk)
    return render(
        request, "reports/_changes.html", {"run": run, "changes": _changes(request, run, ask=False)}
    )


@reports_role_required
@require_POST
def run_approve(request, pk):
    run = _run_or_404(request, pk)
    try:
        services.run_approve(run_id=run.pk, user=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect(run)
    messages.success(request, _("Version %(v)s is approved and published.") % {"v": run.version})
    return redirect(run)


def _file_response(record: ReportFile) -> FileResponse:
    name = record.file.name.rsplit("/", 1)[-1]
    response = FileResponse(record.file.open("rb"), as_attachment=True, filename=name)
    response["Content-Type"] = CONTENT_TYPES[record.format]
    return response


@reports_role_required
@require_GET
def run_file(request, pk, edition, fmt):
    run = _run_or_404(request, pk)
    if edition not in FileEdition.values or fmt not in FileFormat.values:
        raise Http404(_("This file is not written (yet)."))
    record = ReportFile.objects.filter(run=run, edition=edition, format=fmt).first()
    if record is None:
        raise Http404(_("This file is not written (yet)."))
    return _file_response(record)


@reports_role_required
@require_GET
def year_report(request, year):
    """A year's figures as published: the approved version, or with ?live=1 the latest computed."""
    live = request.GET.get("live") == "1"
    run = selectors.published_run(user=request.user, year=year, live=live)
    if run is None:
        raise Http404(_("No figures have been computed for this year yet."))
    return render(
        request, "reports/run_detail.html", _run_context(request, run, published_for=year)
    )


@reports_role_required
@require_GET
def year_file(request, year, fmt):
    if fmt not in FileFormat.values:
        raise Http404
    live = request.GET.get("live") == "1"
    run = selectors.published_run(user=request.user, year=year, live=live)
    edition = FileEdition.APPROVED if run and run.is_approved and not live else FileEdition.DRAFT
    record = (
        ReportFile.objects.filter(run=run, edition=edition, format=fmt).first() if run else None
    )
    if record is None:
        raise Http404(_("This file is not written (yet)."))
    return _file_response(record)


# ---------------------------------------------------------------------------------------------
# Drill-down


@reports_role_required
@require_GET
def drill(request, pk):
    run = _run_or_404(request, pk)
    params = request.GET.dict()
    table_key, measure = params.pop("table", ""), params.pop("measure", "")
    export = params.pop("format", "") == "csv"
    page_number = params.pop("page", None)
    try:
        drill_down = selectors.drill_down(
            user=request.user, run=run, table_key=table_key, measure=measure, raw_cell=params
        )
    except ApplicationError as error:
        return render(
            request,
            "reports/drill.html",
            {"run": run, "error": error.message},
            status=error.status_code,
        )
    if export:
        header = [_("Case id"), _("Case number"), _("Person"), _("Imported from"), _("Persons")]
        response = StreamingHttpResponse(
            stream_csv(header, drill_down.stream()), content_type=CONTENT_TYPES["csv"]
        )
        response["Content-Disposition"] = f'attachment; filename="run-{run.pk}-{table_key}.csv"'
        return response
    count = drill_down.count()
    paginator = Paginator(range(count if drill_down.unit != "imported" else 0), DRILL_PAGE_SIZE)
    page = paginator.get_page(page_number)
    offset = (page.number - 1) * DRILL_PAGE_SIZE
    rows = drill_down.page(offset=offset, limit=DRILL_PAGE_SIZE)
    figure = selectors.figure_of(run, table_key, drill_down.cell, measure)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reports/drill.html",
        {
            "run": run,
            "drill": drill_down,
            "rows": rows,
            "count": count,
            "figure": figure,
            "page": page,
            "query": query.urlencode(),
            "measure_label": drill_down.table.measure(measure).label,
        },
    )


# ---------------------------------------------------------------------------------------------
# Past departures


@reports_role_required
@require_http_methods(["GET", "POST"])
def history(request):
    form = HistoryImportForm(request.POST or None, request.FILES or None)
    lines, status = [], 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                batch = history_import(
                    user=request.user, file_name=upload.name, content=upload.read()
                )
            except ImportRefused as error:
                form.add_error("file", error.message)
                lines = error.errors
            else:
                messages.success(
                    request,
                    _("Imported %(rows)s lines, %(persons)s persons.")
                    % {"rows": batch.rows, "persons": batch.persons},
                )
                return redirect("reports:history")
        status = 400
    return render(
        request,
        "reports/history.html",
        {
            "form": form,
            "lines": lines,
            "imports": selectors.imports_for(user=request.user)[:50],
        },
        status=status,
    )
