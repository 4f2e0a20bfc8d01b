"""The movements REST API (/api/v1/movements/...). Thin: parse, check access, call a service or a
selector, answer. Errors take the one format of config/api/errors.py.

- Bookings are read by movement staff (movement officers, administrators, managers,
  caseworkers) and by a receiving country's mission through a token with `movements:read`; the
  mission sees only the bookings of cases going to its own country (any other answers 404).
- Every write (booking, tickets, cancelling, departure, arrival, escorts, transit) is a movement
  officer's or an administrator's; no partner writes here (`movements:write` is the missions'
  acknowledgement of notices).
- Readiness and the board are staff reads.
"""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from cases.selectors import case_visible_to
from core.api.schema import error_responses
from core.api.views import MAX_ID, BaseApi, ListApi, object_or_404
from core.errors import ApplicationError
from core.roles import Role
from movements.choices import BookingStatus
from movements.mission import is_mission
from movements.models import Escort, TransitStay
from movements.permissions import MANAGING_ROLES, VIEWING_ROLES

from . import selectors, services
from . import serializers as s

TAG = ["movements"]


class MovementsApi(BaseApi):
    """Reads: movement staff, and missions with movements:read. Writes: movement officers."""

    read_scope = "movements:read"
    write_scope = None
    read_roles = VIEWING_ROLES | {Role.PARTNER_SYSTEM}
    write_roles = MANAGING_ROLES


class StaffOnlyApi(MovementsApi):
    read_scope = None
    read_roles = VIEWING_ROLES


def _booking(request, pk):
    return object_or_404(selectors.booking_list(user=request.user), pk)


def _told(request) -> dict:
    """The serializer's context: a mission is answered what movements.mission lets it read."""
    return {"for_mission": is_mission(request.user)}


def _answer(request, pk, code=status.HTTP_200_OK):
    return Response(s.BookingOut(_booking(request, pk), context=_told(request)).data, status=code)


def _parsed(serializer_class, data):
    given = serializer_class(data=data)
    given.is_valid(raise_exception=True)
    return given.validated_data


class BookingListApi(ListApi, MovementsApi):
    @extend_schema(
        tags=TAG,
        summary="Bookings",
        description=(
            "Bookings the caller may see, newest flight first, 50 a page. A receiving country's "
            "mission sees only the bookings of cases going to its own country."
        ),
        parameters=[
            OpenApiParameter("case", int, description="Only this case's bookings."),
            OpenApiParameter("status", str, enum=BookingStatus.values),
        ],
        responses={200: s.BookingOut(many=True), **error_responses(400, 404)},
    )
    def get(self, request):
        qs = selectors.booking_list(user=request.user)
        case = request.query_params.get("case")
        if case:
            if not case.isdigit():
                raise ApplicationError(_("A number is expected."), field="case")
            qs = qs.filter(case_id=int(case))
        wanted = request.query_params.get("status")
        if wanted:
            if wanted not in BookingStatus.values:
                raise ApplicationError(_("Unknown booking status."), field="status")
            qs = qs.filter(status=wanted)
        return self.paginated(qs, s.BookingOut, context=_told(request))

    @extend_schema(
        tags=TAG,
        summary="Book a case on a flight",
        description=(
            "Books every member of a ready case; the case moves to booked. Refused with 409 "
            "naming every condition that does not hold on the flight date (approval, "
            "clearances, travel documents, orientation, hold, an open booking, a date in the "
            "past, a medical escort), with 400 naming the field for bad input (a member left "
            "out, a flight landing before it takes off)."
        ),
        request=s.BookingIn,
        responses={201: s.BookingOut, **error_responses(400, 404, 409, 415)},
    )
    def post(self, request):
        data = _parsed(s.BookingIn, request.data)
        case_id = data.pop("case")
        if case_id > MAX_ID or not case_visible_to(request.user).filter(pk=case_id).exists():
            raise ApplicationError(_("There is no such case."), field="case", code="does_not_exist")
        booking = services.booking_create(actor=request.user, case=case_id, **data)
        return _answer(request, booking.pk, status.HTTP_201_CREATED)


class BookingDetailApi(MovementsApi):
    @extend_schema(
        tags=TAG,
        summary="A booking",
        responses={200: s.BookingOut, **error_responses(404)},
    )
    def get(self, request, pk: int):
        return _answer(request, pk)

    @extend_schema(
        tags=TAG,
        summary="Record tickets, the booking reference or the status",
        request=s.BookingUpdateIn,
        responses={200: s.BookingOut, **error_responses(400, 404, 415)},
    )
    def patch(self, request, pk: int):
        booking = _booking(request, pk)
        data = _parsed(s.BookingUpdateIn, request.data)
        tickets = data.pop("tickets", None)
        if tickets is not None:
            try:
                tickets = {int(k): v for k, v in tickets.items()}
            except ValueError:
                raise ApplicationError(
                    _("Tickets are given by the traveller's person id."), field="tickets"
                ) from None
        services.booking_update(actor=request.user, booking=booking, tickets=tickets, **data)
        return _answer(request, pk)


class BookingCancelApi(MovementsApi):
    @extend_schema(
        tags=TAG,
        summary="Cancel a booking",
        description="The case returns to ready to travel; the booking stays as history.",
        request=s.CancelIn,
        responses={200: s.BookingOut, **error_responses(400, 404, 409, 415)},
    )
    def post(self, request, pk: int):
        booking = _booking(request, pk)
        data = _parsed(s.CancelIn, request.data)
        services.booking_cancel(actor=request.user, booking=booking, reason=data["reason"])
        return _answer(request, pk)


class DepartureApi(MovementsApi):
    @extend_schema(
        tags=TAG,
        summary="Record the departure",
        description=(
            "On the first flight's day (departed_at defaults to now), not before its check-in "
            "window opens (MOVEMENTS_CHECK_IN_HOURS before take-off), never in the future, or as "
            "history with recorded_after_the_fact; `boarded` lists who boarded (everyone when "
            "left out; a household that did not board is a no-show). Refused with 409 unless "
            "every traveller has a fit pre-embarkation check inside the protocol's window and a "
            "required medical escort is assigned."
        ),
        request=s.DepartureIn,
        responses={201: s.BookingOut, **error_responses(400, 404, 409, 415)},
    )
    def post(self, request, pk: int):
        booking = _booking(request, pk)
        data = _parsed(s.DepartureIn, request.data)
        services.departure_record(actor=request.user, booking=booking, **data)
        return _answer(request, pk, status.HTTP_201_CREATED)


class NoShowApi(MovementsApi):
    @extend_schema(
        tags=TAG,
        summary="Record a no-show (the household did not board)",
        description=(
            "From the check-in window's opening on: the booking is closed as a no-show "
            "(cancelled, with the reason), the case is back to ready to travel; no departure is "
            "written."
        ),
        request=s.NoShowIn,
        responses={200: s.BookingOut, **error_responses(400, 404, 409, 415)},
    )
    def post(self, request, pk: int):
        booking = _booking(request, pk)
        data = _parsed(s.NoShowIn, request.data)
        services.no_show_record(actor=request.user, booking=booking, reason=data["reason"])
        return _answer(request, pk)


class ArrivalApi(MovementsApi):
    @extend_schema(
        tags=TAG,
        summary="Record the arrival and handover",
        request=s.ArrivalIn,
        responses={201: s.BookingOut, **error_responses(400, 404, 409, 415)},
    )
    def post(self, request, pk: int):
        booking = _booking(request, pk)
        data = _parsed(s.ArrivalIn, request.data)
        services.arrival_record(actor=request.user, booking=booking, **data)
        return _answer(request, pk, status.HTTP_201_CREATED)


class BookingEscortApi(MovementsApi):
    @extend_schema(
        tags=TAG,
        summary="Assign an escort to a booking",
        request=s.EscortIn,
        responses={201: s.EscortOut, **error_responses(400, 404, 409, 415)},
    )
    def post(self, request, pk: int):
        booking = _booking(request, pk)
        data = _parsed(s.EscortIn, request.data)
        escort = services.escort_assign(actor=request.user, booking=booking, **data)
        return Response(s.EscortOut(escort).data, status=status.HTTP_201_CREATED)


class EscortDetailApi(MovementsApi):
    @extend_schema(
        tags=TAG,
        summary="Remove an escort",
        description="Refused (400, code departed) once the flight has left.",
        responses={204: None, **error_responses(400, 404)},
    )
    def delete(self, request, pk: int):
        visible = selectors.bookings_visible_to(request.user)
        escort = get_object_or_404(
            Escort.objects.select_related("booking__case", "travel_group").filter(
                booking__in=visible
            ),
            pk=min(pk, MAX_ID),
        )
        services.escort_remove(actor=request.user, escort=escort)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TransitStayListApi(ListApi, StaffOnlyApi):
    @extend_schema(
        tags=TAG,
        summary="Transit stays",
        parameters=[OpenApiParameter("current", bool, description="Only households there now.")],
        responses={200: s.TransitStayOut(many=True), **error_responses(400, 404)},
    )
    def get(self, request):
        current = request.query_params.get("current") in ("1", "true")
        qs = selectors.transit_stays(current_only=current)
        return self.paginated(qs, s.TransitStayOut)


class TransitCheckInApi(StaffOnlyApi):
    @extend_schema(
        tags=TAG,
        summary="Check a booked household in at the transit centre",
        request=s.CheckInIn,
        responses={201: s.TransitStayOut, **error_responses(400, 404, 415)},
    )
    def post(self, request, pk: int):
        booking = _booking(request, pk)
        data = _parsed(s.CheckInIn, request.data)
        stay = services.transit_check_in(actor=request.user, case=booking.case, **data)
        return Response(s.TransitStayOut(stay).data, status=status.HTTP_201_CREATED)


class TransitCheckOutApi(StaffOnlyApi):
    @extend_schema(
        tags=TAG,
        summary="Check a household out of the transit centre",
        request=s.CheckOutIn,
        responses={200: s.TransitStayOut, **error_responses(400, 404, 415)},
    )
    def post(self, request, pk: int):
        stay = get_object_or_404(TransitStay, pk=min(pk, MAX_ID))
        data = _parsed(s.CheckOutIn, request.data)
        stay = services.transit_check_out(actor=request.user, stay=stay, **data)
        return Response(s.TransitStayOut(stay).data)


class ReadinessApi(StaffOnlyApi):
    @extend_schema(
        tags=TAG,
        summary="Can this case be booked on a flight on this date, and its travel window",
        parameters=[
            OpenApiParameter("date", str, description="Flight date (YYYY-MM-DD); today if none."),
            OpenApiParameter("recorded_after_the_fact", bool),
        ],
        responses={200: s.ReadinessOut, **error_responses(400, 404)},
    )
    def get(self, request, pk: int):
        case = get_object_or_404(case_visible_to(request.user), pk=min(pk, MAX_ID))
        query = _parsed(s.ReadinessQuery, request.query_params.dict())
        readiness = selectors.case_readiness(
            case,
            day=query.get("date") or timezone.localdate(),
            recorded_after_the_fact=query.get("recorded_after_the_fact", False),
        )
        return Response(s.ReadinessOut(readiness).data)


class BoardApi(StaffOnlyApi):
    @extend_schema(
        tags=TAG,
        summary="A section of the readiness board",
        description=(
            "`ready`: cases ready to travel with an open window, the soonest to close first; "
            "`closing`: cases ready or booked whose window closes within `days` (14 unless "
            "given). At most 200 rows."
        ),
        parameters=[
            OpenApiParameter("section", str, enum=["ready", "closing"], required=True),
            OpenApiParameter("destination", int),
            OpenApiParameter("location", int),
            OpenApiParameter("days", int),
        ],
        responses={200: s.WindowOut(many=True), **error_responses(400)},
    )
    def get(self, request):
        query = _parsed(s.BoardQuery, request.query_params.dict())
        filters = selectors.BoardFilters(
            destination_id=query.get("destination"),
            location_id=query.get("location"),
            closing_within_days=query.get("days", 14),
        )
        rows = selectors.board_windows(filters=filters, section=query["section"], limit=200)
        return Response(s.WindowOut(rows, many=True).data)
