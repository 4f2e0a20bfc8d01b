"""Input and output shapes of the movements API (movements/api.py).

Inputs only parse and type-check, and refuse keys they do not accept; the rules live in
`movements.bookings.services` and the workflow's guards. Flight times are read on each airport's own
clock: a time without an offset is local time at that airport (its `*_timezone`).
"""

import zoneinfo

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.serializers import StrictSerializer
from movements.choices import SETTABLE_BOOKING_STATUS_CHOICES, EscortKind, EscortRole
from movements.mission import withhold_from_mission
from movements.models import (
    Arrival,
    Booking,
    Departure,
    Escort,
    FlightSegment,
    TransitStay,
    Traveller,
)


class AirportTimeField(serializers.DateTimeField):
    """A time on an airport's clock: kept naive when no offset is given (the service applies the
    airport's zone); DRF's own field would read it on Kigali's clock."""

    def enforce_timezone(self, value):
        return value


class SegmentIn(StrictSerializer):
    carrier = serializers.CharField(max_length=60)
    flight_number = serializers.CharField(max_length=10)
    from_airport = serializers.CharField(max_length=3, help_text=_("IATA code, e.g. KGL."))
    to_airport = serializers.CharField(max_length=3, help_text=_("IATA code, e.g. BRU."))
    departs_at = AirportTimeField(help_text=_("Local time at the departure airport."))
    from_timezone = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text=_(
            "Left out: the departure airport's own zone (from the airport dataset). Given: a "
            "canonical zone such as Africa/Kigali."
        ),
    )
    arrives_at = AirportTimeField(help_text=_("Local time at the arrival airport."))
    to_timezone = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text=_(
            "Left out: the arrival airport's own zone (from the airport dataset). Given: a "
            "canonical zone such as Europe/Brussels."
        ),
    )


class TravellerIn(StrictSerializer):
    individual = serializers.IntegerField(help_text=_("Id of a member of the case."))
    ticket_number = serializers.CharField(max_length=20, required=False, allow_blank=True)


class EscortIn(StrictSerializer):
    kind = serializers.ChoiceField(choices=EscortKind.choices)
    role = serializers.ChoiceField(choices=EscortRole.choices)
    name = serializers.CharField(max_length=150)
    contact = serializers.CharField(max_length=150, required=False, allow_blank=True)


class BookingIn(StrictSerializer):
    case = serializers.IntegerField()
    segments = SegmentIn(many=True)
    travellers = TravellerIn(many=True, help_text=_("Every member of the case, once."))
    booking_reference = serializers.CharField(max_length=20, required=False, allow_blank=True)
    status = serializers.ChoiceField(
        choices=SETTABLE_BOOKING_STATUS_CHOICES,
        required=False,
    )
    escorts = EscortIn(many=True, required=False)
    recorded_after_the_fact = serializers.BooleanField(
        required=False, help_text=_("History: a flight that already happened (past dates).")
    )


class BookingUpdateIn(StrictSerializer):
    booking_reference = serializers.CharField(max_length=20, required=False, allow_blank=True)
    status = serializers.ChoiceField(
        choices=SETTABLE_BOOKING_STATUS_CHOICES,
        required=False,
    )
    tickets = serializers.DictField(
        child=serializers.CharField(max_length=20, allow_blank=True),
        required=False,
        help_text=_("Ticket number by the traveller's person id."),
    )


class CancelIn(StrictSerializer):
    reason = serializers.CharField()


class DepartureIn(StrictSerializer):
    departed_at = serializers.DateTimeField(required=False)
    recorded_after_the_fact = serializers.BooleanField(required=False)
    notes = serializers.CharField(required=False, allow_blank=True)
    boarded = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text=_("Person ids of the travellers who boarded (everyone when left out)."),
    )


class NoShowIn(StrictSerializer):
    reason = serializers.CharField()


class ArrivalIn(StrictSerializer):
    arrived_on = serializers.DateField()
    airport = serializers.CharField(max_length=3)
    receiving_agency = serializers.CharField(max_length=150)
    recorded_after_the_fact = serializers.BooleanField(required=False)
    notes = serializers.CharField(required=False, allow_blank=True)


class CheckInIn(StrictSerializer):
    centre = serializers.CharField(max_length=100, required=False)
    checked_in_at = serializers.DateTimeField(required=False)
    recorded_after_the_fact = serializers.BooleanField(
        required=False, help_text=_("History: a check-in on an earlier day.")
    )
    notes = serializers.CharField(required=False, allow_blank=True)


class CheckOutIn(StrictSerializer):
    checked_out_at = serializers.DateTimeField(required=False)


class ReadinessQuery(StrictSerializer):
    date = serializers.DateField(required=False)
    recorded_after_the_fact = serializers.BooleanField(required=False)


class BoardQuery(StrictSerializer):
    section = serializers.ChoiceField(choices=[("ready", "ready"), ("closing", "closing")])
    destination = serializers.IntegerField(required=False)
    location = serializers.IntegerField(required=False)
    days = serializers.IntegerField(required=False, min_value=0, max_value=365)


# ---------------------------------------------------------------------------------------------
# Output


class SegmentOut(serializers.ModelSerializer):
    departs_local = serializers.SerializerMethodField()
    arrives_local = serializers.SerializerMethodField()

    class Meta:
        model = FlightSegment
        fields = [
            "order",
            "carrier",
            "flight_number",
            "from_airport",
            "to_airport",
            "departs_at",
            "arrives_at",
            "from_timezone",
            "to_timezone",
            "departs_local",
            "arrives_local",
        ]

    def _local(self, value, zone) -> str:
        return timezone.localtime(value, zoneinfo.ZoneInfo(zone)).isoformat()

    def get_departs_local(self, obj) -> str:
        return self._local(obj.departs_at, obj.from_timezone)

    def get_arrives_local(self, obj) -> str:
        return self._local(obj.arrives_at, obj.to_timezone)


class TravellerOut(serializers.ModelSerializer):
    name = serializers.CharField(source="individual.full_name")
    sex = serializers.CharField(source="individual.sex")
    date_of_birth = serializers.DateField(source="individual.date_of_birth")

    class Meta:
        model = Traveller
        fields = ["individual", "name", "sex", "date_of_birth", "ticket_number", "boarded"]


class EscortOut(serializers.ModelSerializer):
    class Meta:
        model = Escort
        fields = ["id", "kind", "role", "name", "contact", "booking", "travel_group"]


class DepartureOut(serializers.ModelSerializer):
    class Meta:
        model = Departure
        fields = [
            "departed_on",
            "departed_at",
            "location",
            "destination_country",
            "movement_type",
            "recorded_after_the_fact",
        ]


class ArrivalOut(serializers.ModelSerializer):
    class Meta:
        model = Arrival
        fields = ["arrived_on", "airport", "receiving_agency", "recorded_after_the_fact"]


class BookingOut(serializers.ModelSerializer):
    case_number = serializers.CharField(source="case.case_number")
    destination_country = serializers.CharField(source="case.destination_country.iso_code")
    segments = SegmentOut(many=True)
    travellers = TravellerOut(many=True)
    escorts = EscortOut(many=True)
    departure = serializers.SerializerMethodField()
    arrival = serializers.SerializerMethodField()

    class Meta:
        model = Booking
        fields = [
            "id",
            "case",
            "case_number",
            "destination_country",
            "status",
            "departure_date",
            "booking_reference",
            "travel_group",
            "recorded_after_the_fact",
            "no_show",
            "cancelled_reason",
            "segments",
            "travellers",
            "escorts",
            "departure",
            "arrival",
            "created_at",
            "updated_at",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # What a mission reads is decided once, in movements.mission (no free-text reason).
        if self.context.get("for_mission"):
            data = withhold_from_mission(data)
        return data

    def _one(self, obj, name, serializer):
        try:
            related = getattr(obj, name)
        except (Departure.DoesNotExist, Arrival.DoesNotExist):
            return None
        return serializer(related).data

    def get_departure(self, obj) -> dict | None:
        return self._one(obj, "departure", DepartureOut)

    def get_arrival(self, obj) -> dict | None:
        return self._one(obj, "arrival", ArrivalOut)


class TransitStayOut(serializers.ModelSerializer):
    class Meta:
        model = TransitStay
        fields = [
            "id",
            "case",
            "booking",
            "centre",
            "checked_in_at",
            "checked_out_at",
            "recorded_after_the_fact",
            "notes",
        ]


class WindowOut(serializers.Serializer):
    case = serializers.IntegerField(source="case_id")
    case_number = serializers.CharField(required=False)
    principal = serializers.CharField(required=False)
    destination = serializers.CharField(required=False)
    location = serializers.CharField(required=False)
    status = serializers.CharField(required=False)
    travellers = serializers.IntegerField()
    opens = serializers.DateField(allow_null=True)
    closes = serializers.DateField(allow_null=True)
    closing_person = serializers.CharField()
    closing_kind = serializers.CharField()
    closing_reason = serializers.CharField()
    needs_medical_escort = serializers.BooleanField()


class ReadinessOut(serializers.Serializer):
    case = serializers.IntegerField(source="case.pk")
    date = serializers.DateField(source="day")
    can_book = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())
    notes = serializers.ListField(child=serializers.CharField())
    window = WindowOut(allow_null=True)
