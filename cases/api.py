"""The cases REST API (/api/v1/...): thin classes that parse, check access, call a selector,
a service or the workflow, and answer.

Who may call what is declared on each class (core/api/permissions.py) (scope for tokens, role for
everyone); which cases a caller sees is `cases.selectors.case_visible_to`, so a case outside it
answers 404 like one that does not exist. Errors take the one shape of core/api/errors.py.
"""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch, QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from core.api.permissions import READ_ROLES, WRITE_ROLES
from core.api.schema import error_responses
from core.api.views import BaseApi, ListApi, object_or_404
from core.roles import HOUSEHOLD_EDITORS

from . import serializers as s
from .filters import CaseFilter
from .models import Case, Country, Individual, Location, Programme, TravelDocument
from .selectors import case_list, case_timeline, case_visible_to, name_key
from .services import (
    case_create,
    case_update,
    individual_add,
    individual_update,
    travel_document_add,
    travel_document_remove,
    travel_document_update,
)
from .workflow import TRANSITIONS, case_transition, step_options


class ApiView(BaseApi):
    """Base of the cases API: reads by staff and partners (token scope cases:read); writes of
    household data by caseworkers, administrators and partners (token scope cases:write)."""

    read_scope = "cases:read"
    read_roles = READ_ROLES
    write_scope = "cases:write"
    write_roles = WRITE_ROLES


class ListApiView(ListApi, ApiView):
    """A bounded, page-numbered list of the cases API."""


# ---------------------------------------------------------------------------------------------
# Reads shared by the classes below


def _case_with_members(user) -> QuerySet[Case]:
    """Visible cases with members, their documents and every reference a detail shows."""
    documents = TravelDocument.objects.select_related("issuing_country")
    members = Individual.objects.select_related("nationality").prefetch_related(
        Prefetch("documents", queryset=documents)
    )
    return (
        case_visible_to(user)
        .select_related(
            "location",
            "destination_country",
            "programme",
            "caseworker",
            "movement_type",
            "submission_category",
        )
        .prefetch_related(Prefetch("members", queryset=members))
    )


def _visible_case(request, pk: int) -> Case:
    return object_or_404(case_visible_to(request.user), pk)


def _individuals_visible_to(user) -> QuerySet[Individual]:
    """People of the cases `user` may see. When the user sees every case, no join is needed."""
    cases = case_visible_to(user)
    if not cases.query.has_filters():
        return Individual.objects.all()
    return Individual.objects.filter(case__in=cases)


# ---------------------------------------------------------------------------------------------
# Cases


class CaseListApi(ListApiView):
    """Cases the caller may see (GET) and intake of a referral with its members (POST)."""

    filter_backends = [DjangoFilterBackend]
    filterset_class = CaseFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Case.objects.none()
        return case_list(user=self.request.user)

    @extend_schema(
        tags=["cases"],
        summary="List cases",
        description=(
            "The cases the caller may see, 50 a page (page_size up to 200), newest referral "
            "first; filters and search as in the browser's case list."
        ),
        responses={200: s.CaseListOut(many=True), **error_responses(400, 404)},
    )
    def get(self, request):
        return self.paginated(self.filter_queryset(self.get_queryset()), s.CaseRowOut)

    @extend_schema(
        tags=["cases"],
        summary="Take in a referral",
        description=(
            "Create a case with all its members in one request (exactly one principal "
            "applicant). All or nothing. The internal case number is given by the system."
        ),
        request=s.CaseCreateIn,
        responses={201: s.CaseDetailOut, **error_responses(400, 403, 409, 415)},
    )
    def post(self, request):
        given = s.CaseCreateIn(data=request.data)
        given.is_valid(raise_exception=True)
        fields = dict(given.validated_data)
        members = [dict(member) for member in fields.pop("members")]
        case = case_create(actor=request.user, members=members, **fields)
        case = _case_with_members(request.user).get(pk=case.pk)
        return Response(s.CaseDetailOut(case).data, status=status.HTTP_201_CREATED)


class CaseDetailApi(ApiView):
    """One case with its members (GET); change of its household data (PATCH)."""

    @extend_schema(
        tags=["cases"],
        summary="One case with its members and their travel documents",
        responses={200: s.CaseDetailOut, **error_responses(404)},
    )
    def get(self, request, pk: int):
        return Response(s.CaseDetailOut(object_or_404(_case_with_members(request.user), pk)).data)

    @extend_schema(
        tags=["cases"],
        summary="Change household data",
        description=(
            "Any of the household fields; the timeline lists what changed. Status, case "
            "number and the like are refused (400): status changes through /transitions/."
        ),
        request=s.CaseFieldsIn,
        responses={200: s.CaseDetailOut, **error_responses(400, 403, 404, 409, 415)},
    )
    def patch(self, request, pk: int):
        case = _visible_case(request, pk)
        given = s.CaseFieldsIn(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        case_update(actor=request.user, case=case, **given.validated_data)
        return Response(s.CaseDetailOut(_case_with_members(request.user).get(pk=case.pk)).data)


class CaseMemberCreateApi(ApiView):
    """Adding a member to a case."""

    @extend_schema(
        tags=["cases"],
        summary="Add a member to a case",
        request=s.IndividualIn,
        responses={201: s.MemberDetailOut, **error_responses(400, 404, 409, 415)},
    )
    def post(self, request, pk: int):
        case = _visible_case(request, pk)
        given = s.IndividualIn(data=request.data)
        given.is_valid(raise_exception=True)
        person = individual_add(actor=request.user, case=case, **given.validated_data)
        return Response(s.MemberDetailOut(person).data, status=status.HTTP_201_CREATED)


class CaseMemberApi(ApiView):
    """One member of a case (GET) and changes to their data (PATCH)."""

    def _member(self, request, pk: int, member_pk: int) -> Individual:
        case = _visible_case(request, pk)
        members = Individual.objects.filter(case=case).select_related("nationality")
        return object_or_404(members.prefetch_related("documents__issuing_country"), member_pk)

    @extend_schema(
        tags=["cases"],
        summary="One member of a case",
        responses={200: s.MemberDetailOut, **error_responses(404)},
    )
    def get(self, request, pk: int, member_pk: int):
        return Response(s.MemberDetailOut(self._member(request, pk, member_pk)).data)

    @extend_schema(
        tags=["cases"],
        summary="Change a member's data",
        request=s.IndividualIn,
        responses={200: s.MemberDetailOut, **error_responses(400, 404, 409, 415)},
    )
    def patch(self, request, pk: int, member_pk: int):
        person = self._member(request, pk, member_pk)
        given = s.IndividualIn(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        individual_update(actor=request.user, individual=person, **given.validated_data)
        return Response(s.MemberDetailOut(self._member(request, pk, member_pk)).data)


class DocumentApiView(ApiView):
    """Travel documents: read as the cases API; written by household editors (caseworkers,
    administrators) with a session, like the pages; no partner system writes them."""

    write_scope = None
    write_roles = HOUSEHOLD_EDITORS


class MemberDocumentsApi(DocumentApiView):
    """Recording a travel document of a member."""

    @extend_schema(
        tags=["cases"],
        summary="Record a travel document of a member",
        description=(
            "Caseworkers and administrators. Refused (400, naming the field): an issue date in "
            "the future, an expiry on or before the issue date, a document already recorded "
            "(same type, issuing country and number)."
        ),
        request=s.TravelDocumentIn,
        responses={201: s.TravelDocumentOut, **error_responses(400, 403, 404, 415)},
    )
    def post(self, request, pk: int, member_pk: int):
        members = Individual.objects.filter(case=_visible_case(request, pk))
        person = object_or_404(members, member_pk)
        given = s.TravelDocumentIn(data=request.data)
        given.is_valid(raise_exception=True)
        document = travel_document_add(
            actor=request.user, individual=person, **given.validated_data
        )
        return Response(s.TravelDocumentOut(document).data, status=status.HTTP_201_CREATED)


class MemberDocumentApi(DocumentApiView):
    """One travel document of a member: read, correct, remove."""

    def _document(self, request, pk: int, member_pk: int, document_pk: int) -> TravelDocument:
        case = _visible_case(request, pk)
        documents = TravelDocument.objects.filter(
            individual__case=case, individual_id=member_pk
        ).select_related("issuing_country")
        return object_or_404(documents, document_pk)

    @extend_schema(
        tags=["cases"],
        summary="One travel document of a member",
        responses={200: s.TravelDocumentOut, **error_responses(404)},
    )
    def get(self, request, pk: int, member_pk: int, document_pk: int):
        return Response(
            s.TravelDocumentOut(self._document(request, pk, member_pk, document_pk)).data
        )

    @extend_schema(
        tags=["cases"],
        summary="Correct a travel document",
        description="Any of its fields, with the same rules as recording it.",
        request=s.TravelDocumentIn,
        responses={200: s.TravelDocumentOut, **error_responses(400, 403, 404, 415)},
    )
    def patch(self, request, pk: int, member_pk: int, document_pk: int):
        document = self._document(request, pk, member_pk, document_pk)
        given = s.TravelDocumentIn(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        document = travel_document_update(
            actor=request.user, document=document, **given.validated_data
        )
        return Response(s.TravelDocumentOut(document).data)

    @extend_schema(
        tags=["cases"],
        summary="Remove a travel document",
        description="The reason (required) goes on the case's timeline.",
        parameters=[
            OpenApiParameter(
                "reason",
                str,
                required=True,
                description="Why the document is removed (shown on the timeline).",
            )
        ],
        responses={204: None, **error_responses(400, 403, 404)},
    )
    def delete(self, request, pk: int, member_pk: int, document_pk: int):
        document = self._document(request, pk, member_pk, document_pk)
        # A body on DELETE is dropped by many clients: the reason is a query parameter.
        given = s.TravelDocumentRemoveIn(data={"reason": request.query_params.get("reason", "")})
        given.is_valid(raise_exception=True)
        travel_document_remove(
            actor=request.user, document=document, reason=given.validated_data["reason"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class CaseTransitionApi(ApiView):
    """The case's workflow: steps open to the caller (GET), taking one (POST)."""

    # Every role that takes some step (no partner system does); the workflow table says which
    # steps each may take and refuses the others (403) with the step's name.
    write_scope = None
    write_roles = frozenset().union(*(t.roles for t in TRANSITIONS))

    @extend_schema(
        tags=["workflow"],
        summary="The steps the caller could take now, and what blocks each",
        parameters=[
            OpenApiParameter(
                "departure_date",
                OpenApiTypes.DATE,
                description="Planned departure date, for the checks of booking.",
            )
        ],
        responses={200: s.StepOptionOut(many=True), **error_responses(400, 404)},
    )
    def get(self, request, pk: int):
        case = _visible_case(request, pk)
        context = s.TransitionContextIn(
            data={k: v for k, v in request.query_params.items() if k in ("departure_date",) and v}
        )
        context.is_valid(raise_exception=True)
        options = step_options(case, request.user, dict(context.validated_data))
        return Response(s.StepOptionOut(options, many=True).data)

    @extend_schema(
        tags=["workflow"],
        summary="Take a workflow step",
        description=(
            "Moves the case by one step of the workflow table. Refused with 409 naming every "
            "condition that does not hold (`reasons`), or the status the case moved to "
            "meanwhile when `expected_status` no longer matches."
        ),
        request=s.TransitionIn,
        responses={200: s.CaseStatusOut, **error_responses(400, 404, 409, 415)},
    )
    def post(self, request, pk: int):
        case = _visible_case(request, pk)
        given = s.TransitionIn(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        case = case_transition(
            case=case,
            transition=data["transition"],
            actor=request.user,
            reason=data.get("reason", ""),
            context=dict(data.get("context") or {}),
            expected_status=data.get("expected_status"),
        )
        return Response(s.CaseStatusOut(case).data)


class CaseTimelineApi(ListApiView):
    """Every change of the case, newest first."""

    @extend_schema(
        tags=["cases"],
        summary="The case's timeline, newest first",
        responses={200: s.CaseEventOut(many=True), **error_responses(400, 404)},
    )
    def get(self, request, pk: int):
        return self.paginated(case_timeline(_visible_case(request, pk)), s.CaseEventOut)


# ---------------------------------------------------------------------------------------------
# Individuals


class IndividualFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_name",
        help_text="Start of the given or family name (accents and case ignored).",
    )
    unhcr_individual_number = django_filters.CharFilter(
        method="filter_number", help_text="Start of the UNHCR individual number."
    )
    case = django_filters.NumberFilter(field_name="case_id", help_text="Id of the case.")

    class Meta:
        model = Individual
        fields = ["q", "unhcr_individual_number", "case"]

    def filter_name(self, queryset, name, value):
        key = name_key(value)
        if not key:
            return queryset
        return queryset.filter(family_name_key__startswith=key) | queryset.filter(
            given_name_key__startswith=key
        )

    def filter_number(self, queryset, name, value):
        value = value.strip().upper()
        return queryset.filter(unhcr_individual_number__startswith=value) if value else queryset


class IndividualListApi(ListApiView):
    """People of the visible cases, found by name prefix or UNHCR number."""

    filter_backends = [DjangoFilterBackend]
    filterset_class = IndividualFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Individual.objects.none()
        return _individuals_visible_to(self.request.user).select_related("case", "nationality")

    @extend_schema(
        tags=["individuals"],
        summary="Find people by name prefix or UNHCR number",
        responses={200: s.IndividualListOut(many=True), **error_responses(400, 404)},
    )
    def get(self, request):
        return self.paginated(self.filter_queryset(self.get_queryset()), s.IndividualListOut)


class IndividualDetailApi(ApiView):
    """One person of a visible case."""

    @extend_schema(
        tags=["individuals"],
        summary="One person, with their case and travel documents",
        responses={200: s.IndividualOut, **error_responses(404)},
    )
    def get(self, request, pk: int):
        people = (
            _individuals_visible_to(request.user)
            .select_related("case", "nationality")
            .prefetch_related("documents__issuing_country")
        )
        return Response(s.IndividualOut(object_or_404(people, pk)).data)


# ---------------------------------------------------------------------------------------------
# Reference data


class DestinationFilter(django_filters.FilterSet):
    is_destination = django_filters.BooleanFilter(
        help_text="Only countries that receive resettled refugees."
    )

    class Meta:
        model = Country
        fields = ["is_destination"]


class CountryListApi(ListApiView):
    """Countries: destinations and nationalities."""

    filter_backends = [DjangoFilterBackend]
    filterset_class = DestinationFilter
    queryset = Country.objects.order_by("name")

    @extend_schema(
        tags=["reference data"],
        summary="Countries (destinations, nationalities)",
        responses={200: s.CountryOut(many=True), **error_responses(400, 404)},
    )
    def get(self, request):
        return self.paginated(self.filter_queryset(self.get_queryset()), s.CountryOut)


class ProgrammeListApi(ListApiView):
    """Resettlement programmes."""

    queryset = Programme.objects.select_related("country")

    @extend_schema(
        tags=["reference data"],
        summary="Resettlement programmes of the destination countries",
        responses={200: s.ProgrammeOut(many=True), **error_responses(400, 404)},
    )
    def get(self, request):
        return self.paginated(self.get_queryset(), s.ProgrammeOut)


class LocationListApi(ListApiView):
    """Camps, transit centres and urban caseloads."""

    queryset = Location.objects.all()

    @extend_schema(
        tags=["reference data"],
        summary="Camps, transit centres and urban caseloads",
        responses={200: s.LocationOut(many=True), **error_responses(400, 404)},
    )
    def get(self, request):
        return self.paginated(self.get_queryset(), s.LocationOut)
