"""The booking notices API: a receiving country's mission reads the notices of its own
country (movements:read) and acknowledges them (movements:write); movement officers and
managers read them all. A notice of another country answers 404. Movement officers (and
administrators) send a booking's advance booking notice and re-send a failed one, with the
page's rules (the same services); no partner sends."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from core.api.pagination import BoundedPageNumberPagination
from core.api.schema import error_responses
from core.api.serializers import StrictSerializer
from core.api.views import BaseApi, object_or_404
from core.roles import Role
from movements.bookings.selectors import bookings_visible_to
from movements.choices import NoticeKind, NoticeStatus
from movements.models import BookingNotice
from movements.permissions import MANAGING_ROLES, VIEWING_ROLES

from . import services


class NoticeApiView(BaseApi):
    """Scopes and roles are declared here; the permission and the schema read them."""

    read_scope = "movements:read"
    write_scope = "movements:write"
    read_roles = VIEWING_ROLES | {Role.PARTNER_SYSTEM}
    write_roles = MANAGING_ROLES | {Role.PARTNER_SYSTEM}


def notices_visible_to(user) -> QuerySet[BookingNotice]:
    """Notices of the bookings `user` may see (a mission: its own country's; a partner tied to
    no country: none)."""
    return BookingNotice.objects.filter(booking__in=bookings_visible_to(user)).select_related(
        "booking__case__destination_country"
    )


class NoticeOut(serializers.ModelSerializer):
    case_number = serializers.CharField(source="booking.case.case_number")
    unhcr_case_number = serializers.CharField(source="booking.case.unhcr_case_number")
    destination_country = serializers.CharField(source="booking.case.destination_country.iso_code")
    booking = serializers.IntegerField(source="booking_id")
    kind = serializers.ChoiceField(choices=NoticeKind.choices)
    status = serializers.ChoiceField(choices=NoticeStatus.choices)

    class Meta:
        model = BookingNotice
        fields = [
            "id",
            "booking",
            "case_number",
            "unhcr_case_number",
            "destination_country",
            "sequence",
            "kind",
            "status",
            "what_changed",
            "subject",
            "body",
            "sent_at",
            "acknowledged_at",
            "acknowledged_by",
        ]


class AcknowledgeIn(serializers.Serializer):
    acknowledged_by = serializers.CharField(
        max_length=150,
        required=False,
        allow_blank=True,
        help_text=_("Who acknowledges (name, function); default: the partner's organisation."),
    )


class NoticeListApi(NoticeApiView):
    pagination_class = BoundedPageNumberPagination
    serializer_class = NoticeOut
    filter_backends: list = []

    def get_queryset(self):
        return notices_visible_to(self.request.user).order_by("-created_at", "-id")

    @extend_schema(
        tags=["movements"],
        operation_id="movements_notices_list",
        summary="Advance booking notices",
        description="Newest first; a mission sees only the notices for its own country.",
        parameters=[
            OpenApiParameter("status", str, enum=NoticeStatus.values, description="Only these.")
        ],
        responses={200: NoticeOut(many=True), **error_responses(400, 404)},
    )
    def get(self, request):
        qs = self.get_queryset()
        status = request.query_params.get("status")
        if status:
            if status not in NoticeStatus.values:
                raise serializers.ValidationError({"status": [_("Not a notice status.")]})
            qs = qs.filter(status=status)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(NoticeOut(page, many=True).data)


class NoticeDetailApi(NoticeApiView):
    serializer_class = NoticeOut

    @extend_schema(
        tags=["movements"],
        operation_id="movements_notices_retrieve",
        summary="One advance booking notice with its text",
        responses={200: NoticeOut, **error_responses(404)},
    )
    def get(self, request, pk: int):
        notice = notices_visible_to(request.user).filter(pk=pk).first()
        if notice is None:
            raise NotFound()
        return Response(NoticeOut(notice).data)


class NoticeAcknowledgeApi(NoticeApiView):
    parser_classes = [JSONParser]
    serializer_class = AcknowledgeIn

    @extend_schema(
        tags=["movements"],
        operation_id="movements_notices_acknowledge",
        summary="Acknowledge an advance booking notice (the receiving country's mission)",
        description=(
            "A mission's system acknowledges the notices for its own country (others answer "
            "404). Refused with 409: a notice already acknowledged or not sent yet."
        ),
        request=AcknowledgeIn,
        responses={200: NoticeOut, **error_responses(400, 404, 409, 415)},
    )
    def post(self, request, pk: int):
        notice = notices_visible_to(request.user).filter(pk=pk).first()
        if notice is None:
            raise NotFound()
        given = AcknowledgeIn(data=request.data)
        given.is_valid(raise_exception=True)
        notice = services.notice_acknowledge(
            notice=notice,
            acknowledged_by=given.validated_data.get("acknowledged_by", ""),
            actor=request.user,
        )
        return Response(NoticeOut(notices_visible_to(request.user).get(pk=notice.pk)).data)


class NoticeSendApiView(BaseApi):
    """Sending is a movement officer's (or an administrator's), as on the booking page; no
    partner token writes here."""

    read_scope = None
    read_roles = VIEWING_ROLES
    write_scope = None
    write_roles = MANAGING_ROLES


class NoticeSendIn(StrictSerializer):
    """Nothing to give: the notice is written from the booking as it is (an empty object)."""


class BookingNoticeSendApi(NoticeSendApiView):
    serializer_class = NoticeSendIn

    @extend_schema(
        tags=["movements"],
        operation_id="movements_bookings_notice_send",
        summary="Send the advance booking notice of a booking",
        description=(
            "Writes the original notice to the destination's mission and queues it for sending "
            "(the answer's status is “queued”). Movement officers and administrators only. "
            "Refused, nothing changed: 409 `duplicate` when the booking's notice was already "
            "made (a change of the booking sends an amended notice by itself; a failed notice "
            "is re-sent), 409 `booking_not_open` for a cancelled or flown booking, 400 "
            "`no_mission_contact` when no mission address is recorded for the destination."
        ),
        request=NoticeSendIn,
        responses={201: NoticeOut, **error_responses(400, 404, 409, 415)},
    )
    def post(self, request, pk: int):
        booking = object_or_404(bookings_visible_to(request.user), pk)
        self.validated(NoticeSendIn, request.data)
        notice = services.notice_send(actor=request.user, booking=booking)
        return Response(
            NoticeOut(notices_visible_to(request.user).get(pk=notice.pk)).data, status=201
        )


class NoticeResendApi(NoticeSendApiView):
    serializer_class = NoticeSendIn

    @extend_schema(
        tags=["movements"],
        operation_id="movements_notices_resend",
        summary="Send a failed advance booking notice again",
        description=(
            "Queues a failed notice again (same text, a fresh acknowledgement link). Movement "
            "officers and administrators only. Refused with 409 `not_failed` (nothing changed) "
            "unless the notice failed."
        ),
        request=NoticeSendIn,
        responses={200: NoticeOut, **error_responses(400, 404, 409, 415)},
    )
    def post(self, request, pk: int):
        notice = object_or_404(notices_visible_to(request.user), pk)
        self.validated(NoticeSendIn, request.data)
        notice = services.notice_resend(actor=request.user, notice=notice)
        return Response(NoticeOut(notices_visible_to(request.user).get(pk=notice.pk)).data)
