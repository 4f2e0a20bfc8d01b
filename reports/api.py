"""The reports API (/api/v1/reports/...): start a run, read its status and figures, download its
files, approve it, list the approved versions, read the records behind a figure, import past
departures. Managers and administrators only (in the browser session or with a token of their
own); partner systems may not use it. Thin: parse, call reports.services / selectors, answer.
"""

from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from core.api.schema import error_responses
from core.api.views import BaseApi, ListApi

from . import checks, selectors, services
from .choices import FileEdition, FileFormat
from .history import history_import
from .models import ReportFile, ReportRun
from .permissions import REPORT_ROLES
from .serializers import (
    DrillDownSerializer,
    HistoryImportInput,
    HistoryImportSerializer,
    RunDetailSerializer,
    RunRequestInput,
    RunSerializer,
)
from .views import _file_response

TAG = ["reports"]
DRILL_ROWS = 200


class ReportsApi(BaseApi):
    read_scope = None  # no partner system reads the yearly figures through a token
    write_scope = None
    read_roles = REPORT_ROLES
    write_roles = REPORT_ROLES


def _runs(user):
    return selectors.runs_for(user=user).prefetch_related(
        Prefetch("files", queryset=ReportFile.objects.order_by("edition", "format"))
    )


def _run_or_404(user, pk) -> ReportRun:
    run = _runs(user).defer(None).filter(pk=pk).first()
    if run is None:
        raise Http404
    return run


class RunListCreateApi(ListApi, ReportsApi):
    @extend_schema(
        tags=TAG,
        summary="List report runs, newest first",
        responses={200: RunSerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request):
        return self.paginated(_runs(request.user), RunSerializer)

    @extend_schema(
        tags=TAG,
        summary="Ask for a report run",
        description="Answers 202 with a new queued run, or 200 with the run of the same "
        "parameters that is already queued or running.",
        request=RunRequestInput,
        responses={202: RunSerializer, 200: RunSerializer, **error_responses(400)},
    )
    def post(self, request):
        data = RunRequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        run, created = services.run_request(user=request.user, **data.validated_data)
        run = _run_or_404(request.user, run.pk)
        return Response(
            RunSerializer(run).data, status=status.HTTP_202_ACCEPTED if created else 200
        )


def _detail(request, run: ReportRun) -> dict:
    """A run with its figures; reading an approved version asks for a fresh comparison with
    today's records (in the background), whose latest result the answer carries."""
    if run.is_approved:
        checks.approval_check_request(run_id=run.pk)
    return RunDetailSerializer(run, context={"user": request.user}).data


class RunDetailApi(ReportsApi):
    @extend_schema(
        tags=TAG,
        summary="A run: its status, progress, figures and files",
        responses={200: RunDetailSerializer, **error_responses(404)},
    )
    def get(self, request, pk):
        return Response(_detail(request, _run_or_404(request.user, pk)))


class RunApproveApi(ReportsApi):
    @extend_schema(
        tags=TAG,
        summary="Approve (publish) a year's run version",
        request=None,
        responses={200: RunSerializer, **error_responses(404, 409)},
    )
    def post(self, request, pk):
        run = _run_or_404(request.user, pk)
        services.run_approve(run_id=run.pk, user=request.user)
        return Response(RunSerializer(_run_or_404(request.user, pk)).data)


class RunFileApi(ReportsApi):
    @extend_schema(
        tags=TAG,
        summary="Download a run's file (csv, xlsx or pdf; draft or approved edition)",
        responses={
            (200, "application/octet-stream"): OpenApiResponse(response=OpenApiTypes.BINARY),
            **error_responses(404),
        },
    )
    def get(self, request, pk, edition, fmt):
        if edition not in FileEdition.values or fmt not in FileFormat.values:
            raise Http404
        run = _run_or_404(request.user, pk)
        record = ReportFile.objects.filter(run=run, edition=edition, format=fmt).first()
        if record is None:
            raise Http404
        return _file_response(record)


class ApprovedListApi(ListApi, ReportsApi):
    @extend_schema(
        tags=TAG,
        summary="Every approved version, newest year first",
        responses={200: RunSerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request):
        queryset = selectors.approved_runs(user=request.user).prefetch_related(
            Prefetch("files", queryset=ReportFile.objects.order_by("edition", "format"))
        )
        return self.paginated(queryset, RunSerializer)


LIVE = OpenApiParameter(
    "live", bool, description="true: the latest computed version instead of the approved one"
)


def _published(request, year) -> ReportRun:
    live = request.query_params.get("live") in ("1", "true")
    run = selectors.published_run(user=request.user, year=year, live=live)
    if run is None:
        raise Http404(_("No figures have been computed for this year yet."))
    return _run_or_404(request.user, run.pk)


class YearApi(ReportsApi):
    @extend_schema(
        tags=TAG,
        summary="A year's published figures (the approved version unless live=true)",
        parameters=[LIVE],
        responses={200: RunDetailSerializer, **error_responses(404)},
    )
    def get(self, request, year):
        return Response(_detail(request, _published(request, year)))


class YearFileApi(ReportsApi):
    @extend_schema(
        tags=TAG,
        summary="A year's published file (the approved edition unless live=true)",
        parameters=[LIVE],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(response=OpenApiTypes.BINARY),
            **error_responses(404),
        },
    )
    def get(self, request, year, fmt):
        if fmt not in FileFormat.values:
            raise Http404
        run = _published(request, year)
        live = request.query_params.get("live") in ("1", "true")
        edition = FileEdition.APPROVED if run.is_approved and not live else FileEdition.DRAFT
        record = ReportFile.objects.filter(run=run, edition=edition, format=fmt).first()
        if record is None:
            raise Http404
        return _file_response(record)


class DrillDownApi(ReportsApi):
    @extend_schema(
        tags=TAG,
        summary="The persons and cases behind one figure (names and case numbers only)",
        parameters=[
            OpenApiParameter("table", str, required=True),
            OpenApiParameter("measure", str, required=True),
        ],
        description="Other query parameters name the cell's dimensions (e.g. destination=3, "
        "sex=F, age_band=__none__ for “not recorded”). `count` equals the figure unless the "
        "records changed since the run; at most 200 rows are listed (the page has a CSV of all).",
        responses={200: DrillDownSerializer, **error_responses(400, 404)},
    )
    def get(self, request, pk):
        run = _run_or_404(request.user, pk)
        params = request.query_params.dict()
        table, measure = params.pop("table", ""), params.pop("measure", "")
        drill = selectors.drill_down(
            user=request.user, run=run, table_key=table, measure=measure, raw_cell=params
        )
        body = {
            "table": table,
            "measure": measure,
            "figure": selectors.figure_of(run, table, drill.cell, measure),
            "count": drill.count(),
            "rows": drill.page(offset=0, limit=DRILL_ROWS),
        }
        return Response(DrillDownSerializer(body).data)


class HistoryImportApi(ReportsApi):
    parser_classes = [MultiPartParser]

    @extend_schema(
        tags=TAG,
        summary="Import a CSV file of past departures",
        description="Nothing is stored unless every line is good; a refusal lists each bad "
        "line with its number and reasons in `lines`. A file already imported is refused.",
        request={"multipart/form-data": HistoryImportInput},
        responses={201: HistoryImportSerializer, **error_responses(400)},
    )
    def post(self, request):
        data = HistoryImportInput(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        batch = history_import(user=request.user, file_name=upload.name, content=upload.read())
        return Response(HistoryImportSerializer(batch).data, status=status.HTTP_201_CREATED)
