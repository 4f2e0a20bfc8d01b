"""The orientation API: sessions (list, detail) for staff and partner systems holding
cases:read, and recording a day's attendance for facilitators and administrators."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from core.api.permissions import READ_ROLES
from core.api.schema import error_responses
from core.api.views import BaseApi, ListApi

from . import selectors, services
from .permissions import MANAGING_ROLES
from .serializers import AttendanceInput, SessionDetailOutput, SessionOutput


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


def _detail_data(request, session) -> dict:
    rows = selectors.session_attendance_sheet(user=request.user, session=session)
    return SessionDetailOutput(session, context={"rows": rows, "request": request}).data
