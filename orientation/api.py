"""The orientation API: sessions (list, detail) for staff and partner systems holding
cases:read; planning and cancelling sessions, enrolling cases and recording a day's attendance
for facilitators and administrators (the same services as the pages, so the same rules: a full
session refuses a household whatever the door)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from cases.selectors import case_visible_to
from core.api.permissions import READ_ROLES
from core.api.schema import error_responses
from core.api.views import BaseApi, ListApi
from core.errors import ApplicationError

from . import selectors, services
from .permissions import MANAGING_ROLES
from .serializers import (
    AttendanceInput,
    CurriculumListOutput,
    EnrollmentInput,
    ReasonInput,
    SessionDetailOutput,
    SessionOutput,
    SessionPlanInput,
)


class OrientationApi(BaseApi):
    """Reads: staff and partners (token scope cases:read). Writes: facilitators and
    administrators in the browser; no partner writes here."""

    read_scope = "cases:read"
    read_roles = READ_ROLES
    write_scope = None
    write_roles = MANAGING_ROLES


class SessionListApi(ListApi, OrientationApi):
    serializer_class = SessionOutput

    @extend_schema(
        operation_id="orientation_sessions_list",
        summary=str(_("Orientation sessions")),
        parameters=[
            OpenApiParameter(
                "when",
                str,
                enum=["upcoming", "past"],
                description=str(
                    _("upcoming (default): last day today or later, soonest first; past.")
                ),
            )
        ],
        responses={200: SessionOutput(many=True), **error_responses(400, 404)},
    )
    def get(self, request):
        when = "past" if request.query_params.get("when") == "past" else "upcoming"
        return self.paginated(selectors.session_list(user=request.user, when=when), SessionOutput)

    @extend_schema(
        operation_id="orientation_sessions_plan",
        summary=str(_("Plan an orientation session")),
        description=str(
            _(
                "Facilitators and administrators. Without day_dates the session runs the "
                "curriculum's number of days in a row from start_date. A session is known by "
                "its curriculum, venue, start_date and group: another group that day needs its "
                "own group; the same session sent again is a 409 duplicate naming it."
            )
        ),
        request=SessionPlanInput,
        responses={201: SessionDetailOutput, **error_responses(400, 409)},
    )
    def post(self, request, *args, **kwargs):
        data = SessionPlanInput(data=request.data)
        data.is_valid(raise_exception=True)
        session = services.session_plan(actor=request.user, **data.validated_data)
        session = selectors.session_detail(user=request.user, pk=session.pk)
        return Response(_detail_data(request, session), status=status.HTTP_201_CREATED)


class CurriculumListApi(ListApi, OrientationApi):
    serializer_class = CurriculumListOutput

    @extend_schema(
        operation_id="orientation_curricula_list",
        summary=str(_("Orientation curricula")),
        description=str(
            _(
                "The curricula in use, whose ids planning a session takes (`curriculum`), with "
                "the destination country's ISO code and name, the minimum age and number of days."
            )
        ),
        responses={200: CurriculumListOutput(many=True), **error_responses(400, 404)},
    )
    def get(self, request):
        return self.paginated(selectors.curriculum_list(), CurriculumListOutput)


class SessionDetailApi(OrientationApi):
    @extend_schema(
        operation_id="orientation_sessions_retrieve",
        summary=str(_("One orientation session with its people and attendance")),
        responses={200: SessionDetailOutput, **error_responses(404)},
    )
    def get(self, request, pk):
        session = selectors.session_detail(user=request.user, pk=pk)
        return Response(_detail_data(request, session))


class AttendanceRecordApi(OrientationApi):
    @extend_schema(
        operation_id="orientation_attendance_record",
        summary=str(_("Record who attended one day of a session")),
        description=str(
            _(
                "Everyone enrolled and not listed in `present` is recorded absent. Recording "
                "a day again corrects it. Days that have not come yet are refused."
            )
        ),
        request=AttendanceInput,
        responses={200: SessionDetailOutput, **error_responses(400, 404)},
    )
    def post(self, request, pk):
        session = selectors.session_detail(user=request.user, pk=pk)
        data = AttendanceInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.attendance_record(
            actor=request.user,
            session=session,
            day_number=data.validated_data["day"],
            present=data.validated_data["present"],
        )
        session = selectors.session_detail(user=request.user, pk=pk)
        return Response(_detail_data(request, session))


class EnrollmentAddApi(OrientationApi):
    @extend_schema(
        operation_id="orientation_enrollments_add",
        summary=str(_("Enroll a case in a session")),
        description=str(
            _(
                "Every member at or over the curriculum's minimum age on the first day is "
                "enrolled. Refused (400, field case_number) when the session has no room for "
                "the whole household, the case goes elsewhere or cannot be enrolled now."
            )
        ),
        request=EnrollmentInput,
        responses={201: SessionDetailOutput, **error_responses(400, 404)},
    )
    def post(self, request, pk):
        session = selectors.session_detail(user=request.user, pk=pk)
        data = EnrollmentInput(data=request.data)
        data.is_valid(raise_exception=True)
        case = selectors.case_by_number(
            user=request.user, case_number=data.validated_data["case_number"]
        )
        if case is None:
            raise ApplicationError(
                _("No case has this internal case number."), field="case_number", code="not_found"
            )
        try:
            services.enrollment_add(actor=request.user, session=session, case=case)
        except ApplicationError as error:
            if error.field == "case":
                error.field = "case_number"
            raise
        session = selectors.session_detail(user=request.user, pk=pk)
        return Response(_detail_data(request, session), status=status.HTTP_201_CREATED)


class EnrollmentRemoveApi(OrientationApi):
    @extend_schema(
        operation_id="orientation_enrollments_remove",
        summary=str(_("Take a case out of a session")),
        description=str(_("Only before any of its attendance is recorded.")),
        responses={200: SessionDetailOutput, **error_responses(400, 404)},
    )
    def delete(self, request, pk, case_pk):
        session = selectors.session_detail(user=request.user, pk=pk)
        case = case_visible_to(request.user).filter(pk=case_pk).first()
        if case is None:
            raise NotFound()
        services.enrollment_remove(actor=request.user, session=session, case=case)
        session = selectors.session_detail(user=request.user, pk=pk)
        return Response(_detail_data(request, session))


class SessionCancelApi(OrientationApi):
    @extend_schema(
        operation_id="orientation_sessions_cancel",
        summary=str(_("Cancel a planned session")),
        description=str(_("Refused once attendance is recorded. Each enrolled case is told.")),
        request=ReasonInput,
        responses={200: SessionDetailOutput, **error_responses(400, 404)},
    )
    def post(self, request, pk):
        session = selectors.session_detail(user=request.user, pk=pk)
        data = ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.session_cancel(
            actor=request.user, session=session, reason=data.validated_data["reason"]
        )
        session = selectors.session_detail(user=request.user, pk=pk)
        return Response(_detail_data(request, session))


def _detail_data(request, session) -> dict:
    rows = selectors.session_attendance_sheet(user=request.user, session=session)
    return SessionDetailOutput(session, context={"rows": rows, "request": request}).data
