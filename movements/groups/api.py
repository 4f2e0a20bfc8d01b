"""The travel groups API (/api/v1/movements/travel-groups/): movement staff read groups and
their manifests; movement officers and administrators build them. Partner systems do not use
it (a group may hold cases going to several countries). The same services as the pages."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from core.api.pagination import BoundedPageNumberPagination
from core.api.schema import error_responses
from core.api.serializers import StrictSerializer
from core.api.views import BaseApi
from movements.bookings import services as escorts
from movements.choices import EscortKind, EscortRole
from movements.models import Booking, TravelGroup
from movements.permissions import MANAGING_ROLES, VIEWING_ROLES

from . import selectors, services


class GroupApiView(BaseApi):
    read_scope = None
    write_scope = None
    read_roles = VIEWING_ROLES
    write_roles = MANAGING_ROLES


class TravelGroupOut(serializers.ModelSerializer):
    case_count = serializers.IntegerField(read_only=True)
    traveller_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = TravelGroup
        fields = ["id", "name", "flight_date", "notes", "case_count", "traveller_count"]


class ManifestRowOut(serializers.Serializer):
    number = serializers.IntegerField()
    individual = serializers.IntegerField(source="person.pk")
    family_name = serializers.CharField(source="person.family_name")
    given_name = serializers.CharField(source="person.given_name")
    sex = serializers.CharField()
    date_of_birth = serializers.DateField(source="person.date_of_birth")
    age = serializers.IntegerField()
    age_band = serializers.CharField()
    nationality = serializers.CharField()
    case_number = serializers.CharField()
    booking_reference = serializers.CharField()
    ticket_number = serializers.CharField()
    documents = serializers.ListField(child=serializers.CharField())
    special_needs = serializers.ListField(child=serializers.CharField())
    travel_conditions = serializers.ListField(child=serializers.CharField())
    document_type = serializers.CharField()
    document_number = serializers.CharField()
    document_issuer = serializers.CharField()
    document_expires = serializers.DateField(allow_null=True)
    infant_on_lap = serializers.BooleanField()
    lap_of = serializers.CharField()
    ssr_codes = serializers.ListField(child=serializers.CharField())
    flights = serializers.ListField(child=serializers.CharField())
    escorts = serializers.ListField(child=serializers.CharField())


class GroupEscortOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=EscortKind.choices)
    role = serializers.ChoiceField(choices=EscortRole.choices)
    booking = serializers.IntegerField(source="booking_id", allow_null=True)


class CountOut(serializers.Serializer):
    label = serializers.CharField()
    count = serializers.IntegerField()


class ManifestOut(serializers.Serializer):
    group = TravelGroupOut()
    total = serializers.IntegerField()
    case_count = serializers.IntegerField()
    travellers = ManifestRowOut(many=True, source="rows")
    escorts = GroupEscortOut(many=True)
    by_sex = serializers.SerializerMethodField()
    by_age_band = serializers.SerializerMethodField()

    def _counts(self, pairs):
        return [{"label": label, "count": count} for label, count in pairs]

    def get_by_sex(self, manifest) -> list[dict]:
        return self._counts(manifest.by_sex)

    def get_by_age_band(self, manifest) -> list[dict]:
        return self._counts(manifest.by_age_band)


class TravelGroupIn(StrictSerializer):
    name = serializers.CharField(max_length=150)
    flight_date = serializers.DateField()
    notes = serializers.CharField(required=False, allow_blank=True)


class GroupBookingIn(StrictSerializer):
    booking = serializers.PrimaryKeyRelatedField(
        queryset=Booking.objects.all(), help_text="Id of an open booking flying that day."
    )


class GroupEscortIn(StrictSerializer):
    name = serializers.CharField(max_length=150)
    kind = serializers.ChoiceField(choices=EscortKind.choices)
    role = serializers.ChoiceField(choices=EscortRole.choices)
    contact = serializers.CharField(max_length=150, required=False, allow_blank=True)


def _group(pk: int) -> TravelGroup:
    group = selectors.travel_group_list().filter(pk=pk).first()
    if group is None:
        raise NotFound()
    return group


def _manifest(pk: int) -> dict:
    group = _group(pk)
    return ManifestOut(selectors.travel_group_manifest(group)).data


class TravelGroupListApi(GroupApiView):
    pagination_class = BoundedPageNumberPagination
    serializer_class = TravelGroupOut
    queryset = TravelGroup.objects.none()  # for the schema; rows come from the selector

    @extend_schema(
        tags=["movements"],
        operation_id="movements_travel_groups_list",
        summary="Travel groups, latest flight first",
        responses={200: TravelGroupOut(many=True), **error_responses(400, 404)},
    )
    def get(self, request):
        page = self.paginate_queryset(selectors.travel_group_list())
        return self.get_paginated_response(TravelGroupOut(page, many=True).data)

    @extend_schema(
        tags=["movements"],
        operation_id="movements_travel_groups_create",
        summary="Create a travel group (movement officers)",
        request=TravelGroupIn,
        responses={201: ManifestOut, **error_responses(400, 409, 415)},
    )
    def post(self, request):
        given = TravelGroupIn(data=request.data)
        given.is_valid(raise_exception=True)
        group = services.travel_group_create(actor=request.user, **given.validated_data)
        return Response(_manifest(group.pk), status=status.HTTP_201_CREATED)


class TravelGroupDetailApi(GroupApiView):
    serializer_class = ManifestOut

    @extend_schema(
        tags=["movements"],
        operation_id="movements_travel_groups_manifest",
        summary="A travel group with its manifest (travellers, escorts, totals)",
        responses={200: ManifestOut, **error_responses(404)},
    )
    def get(self, request, pk: int):
        return Response(_manifest(pk))


class TravelGroupBookingsApi(GroupApiView):
    serializer_class = GroupBookingIn

    @extend_schema(
        tags=["movements"],
        operation_id="movements_travel_groups_add_booking",
        summary="Put a booked case into the group",
        description=(
            "Refused (400, field booking): a booking that is not open, in another group, or "
            "flying on another day or another first flight than the group."
        ),
        request=GroupBookingIn,
        responses={200: ManifestOut, **error_responses(400, 404, 415)},
    )
    def post(self, request, pk: int):
        group = _group(pk)
        given = GroupBookingIn(data=request.data)
        given.is_valid(raise_exception=True)
        services.travel_group_add_booking(
            actor=request.user, group=group, booking=given.validated_data["booking"]
        )
        return Response(_manifest(pk))


class TravelGroupBookingApi(GroupApiView):
    @extend_schema(
        tags=["movements"],
        operation_id="movements_travel_groups_remove_booking",
        summary="Take a case out of the group (it keeps its booking)",
        responses={200: ManifestOut, **error_responses(400, 404)},
    )
    def delete(self, request, pk: int, booking_pk: int):
        group = _group(pk)
        booking = Booking.objects.filter(pk=booking_pk).first()
        if booking is None:
            raise NotFound()
        services.travel_group_remove_booking(actor=request.user, group=group, booking=booking)
        return Response(_manifest(pk))


class TravelGroupEscortsApi(GroupApiView):
    serializer_class = GroupEscortIn

    @extend_schema(
        tags=["movements"],
        operation_id="movements_travel_groups_add_escort",
        summary="Assign an escort to the whole group",
        request=GroupEscortIn,
        responses={200: ManifestOut, **error_responses(400, 409, 404, 415)},
    )
    def post(self, request, pk: int):
        group = _group(pk)
        given = GroupEscortIn(data=request.data)
        given.is_valid(raise_exception=True)
        escorts.escort_assign(actor=request.user, travel_group=group, **given.validated_data)
        return Response(_manifest(pk))
