"""The interviews REST API (/api/v1/interviews/...).

Who may call: declared on each class (core/api/permissions.py) with the roles of
`cases.interviews.permissions` (reads: staff, and partners with `cases:read`; scheduling:
caseworkers and administrators; outcomes and decisions: those two, and partner systems whose
token carries `interviews:write`, e.g. the resettlement support centre). Which interviews a
caller sees: those of the cases it may see (404 otherwise). Errors: core/api/errors.py.
"""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from cases.models import Interview
from core.api.pagination import BoundedPageNumberPagination
from core.api.schema import error_responses
from core.api.views import MAX_ID, BaseApi
from core.roles import Role

from . import serializers as s
from .filters import InterviewFilter
from .permissions import API_READ_ROLES, RECORDING_ROLES, SCHEDULING_ROLES
from .selectors import interview_detail, interview_list
from .services import interview_record_outcome, interview_reschedule, interview_schedule


class InterviewApiView(BaseApi):
    # Reads: staff, and partners with cases:read. Scheduling: caseworkers and administrators
    # only (no token); outcomes (InterviewOutcomeApi) also partners with interviews:write.
    read_scope = "cases:read"
    read_roles = API_READ_ROLES
    # Scheduling: staff, and the support centre's system (the service checks its organisation).
    write_scope = "interviews:write"
    write_roles = SCHEDULING_ROLES | {Role.PARTNER_SYSTEM}
    serializer_class = s.InterviewOut

    def visible_interview(self, pk: int) -> Interview:
        if pk > MAX_ID:
            raise NotFound()
        return interview_detail(user=self.request.user, pk=pk)

    def answer(self, interview: Interview, code=status.HTTP_200_OK) -> Response:
        # Read back through the selector: the case's status may have moved with a decision.
        fresh = interview_detail(user=self.request.user, pk=interview.pk)
        return Response(s.InterviewOut(fresh).data, status=code)


class InterviewListApi(InterviewApiView):
    pagination_class = BoundedPageNumberPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = InterviewFilter
    # Tells the schema generator the model without running the user-scoped query.
    queryset = Interview.objects.none()

    def get_queryset(self):
        return interview_list(user=self.request.user)

    @extend_schema(
        tags=["interviews"],
        summary="List interviews",
        description=(
            "Interviews of the cases the caller may see, 50 a page (page_size up to 200), "
            "latest first. Filters: case (id), kind, outcome, decision, date_from and date_to "
            "(days in Kigali time, both included), when (upcoming: soonest first; past: "
            "latest first)."
        ),
        filters=True,
        responses={200: s.InterviewOut(many=True), **error_responses(400, 404)},
    )
    def get(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(s.InterviewOut(page, many=True).data)

    @extend_schema(
        tags=["interviews"],
        summary="Schedule an interview",
        description=(
            "Caseworkers, administrators and the resettlement support centre's system (for "
            "the cases it processes). The case must be open (409 otherwise, naming `case`); "
            "its timeline records who scheduled what."
        ),
        request=s.InterviewScheduleIn,
        responses={201: s.InterviewOut, **error_responses(400, 409)},
    )
    def post(self, request):
        given = s.InterviewScheduleIn(data=request.data, user=request.user)
        given.is_valid(raise_exception=True)
        interview = interview_schedule(actor=request.user, **given.validated_data)
        return self.answer(interview, status.HTTP_201_CREATED)


class InterviewDetailApi(InterviewApiView):
    @extend_schema(
        tags=["interviews"],
        summary="One interview",
        responses={200: s.InterviewOut, **error_responses(404)},
    )
    def get(self, request, pk: int):
        return Response(s.InterviewOut(self.visible_interview(pk)).data)


class InterviewRescheduleApi(InterviewApiView):
    @extend_schema(
        tags=["interviews"],
        summary="Reschedule an interview",
        description=(
            "Marks the interview rescheduled and creates a new scheduled interview of the same "
            "kind at the new time (answered, 201). Only a scheduled interview of an open case; "
            "the new time must be in the future."
        ),
        request=s.InterviewRescheduleIn,
        responses={201: s.InterviewOut, **error_responses(400, 404, 409)},
    )
    def post(self, request, pk: int):
        interview = self.visible_interview(pk)
        given = s.InterviewRescheduleIn(data=request.data)
        given.is_valid(raise_exception=True)
        new = interview_reschedule(actor=request.user, interview=interview, **given.validated_data)
        return self.answer(new, status.HTTP_201_CREATED)


class InterviewOutcomeApi(InterviewApiView):
    write_scope = "interviews:write"
    write_roles = RECORDING_ROLES

    @extend_schema(
        tags=["interviews"],
        summary="Record an interview's outcome and decision",
        description=(
            "How the interview went (completed or no_show; its time must have passed) and, for "
            "a completed one, the decision with its date. A completed interview without a final "
            "decision (approved or denied) may receive one later. approved moves the case to "
            "approved (starting pre-screening first if it is still referred), denied denies it, "
            "on_hold puts it on hold, each with the decision as reason, in the same transaction "
            "as the interview: when the workflow refuses the move, nothing is saved and the "
            "answer is 409 with the workflow's `reasons`. Bad input answers 400 naming the field."
        ),
        request=s.InterviewOutcomeIn,
        responses={200: s.InterviewOut, **error_responses(400, 404, 409)},
        examples=[
            OpenApiExample(
                "Approved at adjudication",
                value={"outcome": "completed", "decision": "approved", "decided_on": "2026-03-02"},
                request_only=True,
            ),
            OpenApiExample(
                "No-show",
                value={"outcome": "no_show", "notes": "Family did not come."},
                request_only=True,
            ),
        ],
    )
    def post(self, request, pk: int):
        interview = self.visible_interview(pk)
        given = s.InterviewOutcomeIn(data=request.data)
        given.is_valid(raise_exception=True)
        interview = interview_record_outcome(
            actor=request.user, interview=interview, **given.validated_data
        )
        return self.answer(interview)
