"""The clinic's REST API (/api/v1/medical/...). Thin: parse, check the role, call a service or a
selector, answer. Errors take the one format of core/api/errors.py.

- Summaries (outcome, travel conditions, valid until, pre-embarkation result): every staff role,
  and partner systems whose token carries medical:read.
- Detail and every write: clinicians only; each detail read is written to the access log.
"""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from cases.models import Case, Individual
from cases.selectors import case_visible_to
from core.api.permissions import token_of
from core.api.schema import error_responses
from core.api.views import BaseApi, ListApi
from core.errors import ApplicationError, NotPermitted

from . import selectors, services
from .choices import AccessChannel
from .models import HealthAssessment
from .permissions import ClearanceSummaryApi, ClinicianApi, can_see_clearance_summary
from .serializers import (
    AssessmentCreateInput,
    AssessmentDetailSerializer,
    AssessmentUpdateInput,
    ClearanceSummarySerializer,
    ExpiringQuery,
    LabResultInput,
    LabResultSerializer,
    OutcomeInput,
    PreEmbarkationCheckDetailSerializer,
    PreEmbarkationCheckInput,
    PreEmbarkationCheckSummarySerializer,
    TreatmentInput,
    TreatmentSerializer,
    VaccinationInput,
    VaccinationSerializer,
)

TAG = ["medical"]


def _require_summary_reader(request) -> None:
    """A partner signed in without a token carrying medical:read is refused, not shown nothing."""
    if not can_see_clearance_summary(request.user, token_of(request)):
        raise NotPermitted(_("Reading health clearances needs the medical:read scope."))


def _int_param(request, name):
    value = request.query_params.get(name)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise ApplicationError(_("A number is expected."), field=name) from None


def _visible_person(user, pk, field="individual") -> Individual:
    try:
        return Individual.objects.select_related("case__programme").get(
            pk=pk, case__in=case_visible_to(user)
        )
    except Individual.DoesNotExist:
        raise ApplicationError(
            _("There is no such person."), field=field, code="does_not_exist"
        ) from None


def _visible_case(user, pk, field="case") -> Case:
    try:
        return case_visible_to(user).get(pk=pk)
    except Case.DoesNotExist:
        raise ApplicationError(
            _("There is no such case."), field=field, code="does_not_exist"
        ) from None


def _assessment_for_write(request, pk) -> HealthAssessment:
    try:
        return selectors.assessment_for_write(user=request.user, pk=pk)
    except HealthAssessment.DoesNotExist:
        raise Http404 from None


class AssessmentListCreateApi(ClearanceSummaryApi, ListApi):
    @extend_schema(
        tags=TAG,
        summary="Health clearances (summary)",
        description="Outcome, travel conditions, validity and latest pre-embarkation result of "
        "each visible assessment. No medical detail.",
        parameters=[
            OpenApiParameter("case", int, description="Only this case's travellers."),
            OpenApiParameter("individual", int, description="Only this person."),
        ],
        responses={200: ClearanceSummarySerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request):
        _require_summary_reader(request)
        qs = selectors.clearance_summaries(user=request.user, token=token_of(request))
        case_id = _int_param(request, "case")
        if case_id is not None:
            qs = qs.filter(individual__case_id=case_id)
        individual_id = _int_param(request, "individual")
        if individual_id is not None:
            qs = qs.filter(individual_id=individual_id)
        return self.paginated(qs, ClearanceSummarySerializer)

    @extend_schema(
        tags=TAG,
        summary="Open a health assessment (clinicians)",
        request=AssessmentCreateInput,
        responses={201: AssessmentDetailSerializer, **error_responses(400, 404)},
    )
    def post(self, request):
        data = self.validated(AssessmentCreateInput, request.data)
        case = _visible_case(request.user, data.pop("case"))
        person = _visible_person(request.user, data.pop("individual"))
        assessment = services.assessment_create(
            actor=request.user, individual=person, case=case, **data
        )
        detail = selectors.assessment_detail(
            user=request.user, pk=assessment.pk, via=AccessChannel.API
        )
        return Response(AssessmentDetailSerializer(detail).data, status=status.HTTP_201_CREATED)


class AssessmentDetailApi(ClinicianApi, BaseApi):
    @extend_schema(
        tags=TAG,
        summary="A health assessment in full (clinicians; the read is logged)",
        responses={200: AssessmentDetailSerializer, **error_responses(400, 404)},
    )
    def get(self, request, pk):
        try:
            assessment = selectors.assessment_detail(
                user=request.user, pk=pk, via=AccessChannel.API
            )
        except HealthAssessment.DoesNotExist:
            raise Http404 from None
        return Response(AssessmentDetailSerializer(assessment).data)

    @extend_schema(
        tags=TAG,
        summary="Record or correct parts of an assessment (clinicians)",
        request=AssessmentUpdateInput,
        responses={200: AssessmentDetailSerializer, **error_responses(400, 404)},
    )
    def patch(self, request, pk):
        current = _assessment_for_write(request, pk)
        data = self.validated(AssessmentUpdateInput, request.data, partial=True)
        services.assessment_update(actor=request.user, assessment=current, **data)
        detail = selectors.assessment_detail(user=request.user, pk=pk, via=AccessChannel.API)
        return Response(AssessmentDetailSerializer(detail).data)

    @extend_schema(
        tags=TAG,
        summary="Cancel an assessment without outcome (clinicians)",
        responses={204: None, **error_responses(400, 404)},
    )
    def delete(self, request, pk):
        services.assessment_delete(
            actor=request.user, assessment=_assessment_for_write(request, pk)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class AssessmentOutcomeApi(ClinicianApi, BaseApi):
    @extend_schema(
        tags=TAG,
        summary="Record the outcome (physicians); sets valid_until from the protocol",
        description="Only a clinician holding medical.sign_clearance (a physician) signs an "
        "outcome; other clinicians get 403. A clearance is refused (400) while a required part "
        "is missing (`protocol_incomplete`) or a result needs treatment before travel "
        "(`unfit_to_travel`); the conditions the results imply are added from the protocol.",
        request=OutcomeInput,
        responses={200: ClearanceSummarySerializer, **error_responses(400, 404)},
    )
    def post(self, request, pk):
        current = _assessment_for_write(request, pk)
        data = self.validated(OutcomeInput, request.data)
        data.setdefault("outcome_on", None)
        services.assessment_record_outcome(actor=request.user, assessment=current, **data)
        summary = selectors.clearance_summaries(user=request.user).get(pk=pk)
        return Response(ClearanceSummarySerializer(summary).data)


class AssessmentLabResultApi(ClinicianApi, BaseApi):
    @extend_schema(
        tags=TAG,
        summary="Add a laboratory result (clinicians)",
        description="One result per assessment, test and date: the same result sent again is "
        "refused (409 `duplicate`, naming the one recorded).",
        request=LabResultInput,
        responses={201: LabResultSerializer, **error_responses(400, 404, 409)},
    )
    def post(self, request, pk):
        current = _assessment_for_write(request, pk)
        data = self.validated(LabResultInput, request.data)
        row = services.lab_result_add(actor=request.user, assessment=current, **data)
        return Response(LabResultSerializer(row).data, status=status.HTTP_201_CREATED)


class AssessmentTreatmentApi(ClinicianApi, BaseApi):
    @extend_schema(
        tags=TAG,
        summary="Record a completed treatment (clinicians)",
        description="For a result the protocol holds to need treatment before travel (TB class "
        "A, ...): until one is recorded, a clearance is refused (400 `unfit_to_travel`).",
        request=TreatmentInput,
        responses={201: TreatmentSerializer, **error_responses(400, 404, 409)},
    )
    def post(self, request, pk):
        current = _assessment_for_write(request, pk)
        data = self.validated(TreatmentInput, request.data)
        row = services.treatment_record_completed(actor=request.user, assessment=current, **data)
        return Response(TreatmentSerializer(row).data, status=status.HTTP_201_CREATED)


class VaccinationListCreateApi(ClinicianApi, ListApi):
    @extend_schema(
        tags=TAG,
        summary="Vaccinations (clinicians; each row read is logged)",
        parameters=[OpenApiParameter("individual", int, description="Only this person.")],
        responses={200: VaccinationSerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request):
        qs = selectors.vaccination_list(
            user=request.user, individual_id=_int_param(request, "individual")
        )
        page = self.paginate_queryset(qs)
        selectors.log_vaccinations_viewed(user=request.user, rows=page, via=AccessChannel.API)
        return self.get_paginated_response(VaccinationSerializer(page, many=True).data)

    @extend_schema(
        tags=TAG,
        summary="Record a vaccination (clinicians)",
        request=VaccinationInput,
        responses={201: VaccinationSerializer, **error_responses(400, 404)},
    )
    def post(self, request):
        data = self.validated(VaccinationInput, request.data)
        person = _visible_person(request.user, data.pop("individual"))
        vaccination = services.vaccination_record(actor=request.user, individual=person, **data)
        return Response(VaccinationSerializer(vaccination).data, status=status.HTTP_201_CREATED)


class PreEmbarkationCheckListCreateApi(ClearanceSummaryApi, ListApi):
    @extend_schema(
        tags=TAG,
        summary="Pre-embarkation checks (result only)",
        parameters=[
            OpenApiParameter("case", int, description="Only this case's travellers."),
            OpenApiParameter("individual", int, description="Only this person."),
        ],
        responses={
            200: PreEmbarkationCheckSummarySerializer(many=True),
            **error_responses(400, 404),
        },
    )
    def get(self, request):
        _require_summary_reader(request)
        qs = selectors.pre_embarkation_checks(user=request.user, token=token_of(request))
        case_id = _int_param(request, "case")
        if case_id is not None:
            qs = qs.filter(individual__case_id=case_id)
        individual_id = _int_param(request, "individual")
        if individual_id is not None:
            qs = qs.filter(individual_id=individual_id)
        return self.paginated(qs, PreEmbarkationCheckSummarySerializer)

    @extend_schema(
        tags=TAG,
        summary="Record a pre-embarkation check (clinicians)",
        description="`planned_departure` is the flight date; the check must fall inside the "
        "protocol's window before it.",
        request=PreEmbarkationCheckInput,
        responses={201: PreEmbarkationCheckDetailSerializer, **error_responses(400, 404)},
    )
    def post(self, request):
        data = self.validated(PreEmbarkationCheckInput, request.data)
        person = _visible_person(request.user, data.pop("individual"))
        case_id = data.pop("case", None)
        case = _visible_case(request.user, case_id) if case_id is not None else None
        check = services.pre_embarkation_check_record(
            actor=request.user, individual=person, case=case, **data
        )
        return Response(
            PreEmbarkationCheckDetailSerializer(check).data, status=status.HTTP_201_CREATED
        )


class ClearancesExpiringApi(ClearanceSummaryApi, ListApi):
    @extend_schema(
        tags=TAG,
        summary="Clearances ending within the next N days (summary)",
        parameters=[OpenApiParameter("days", int, description="Days ahead (default 30).")],
        responses={200: ClearanceSummarySerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request):
        _require_summary_reader(request)
        query = self.validated(ExpiringQuery, request.query_params)
        qs = selectors.clearances_expiring(
            user=request.user, token=token_of(request), days=query["days"]
        )
        return self.paginated(qs, ClearanceSummarySerializer)
