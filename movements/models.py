"""Movements: bookings of whole cases on flights, travel groups, transit stays, escorts,
departures, arrivals and the advance booking notices sent to receiving countries' missions.

Writes go through the services of `movements.bookings`, `.groups` and `.notices`; a case's status
moves only through `cases.workflow`.
Every row is tracked by database triggers (django-pghistory). The reports read `Booking`,
`Traveller`, `Departure` and `Arrival` (see MOVEMENTS_CONTRACT): `Departure.departed_on` is the
date the yearly figures count by.
"""

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.choices import CaseStatus
from cases.models import Case, Country, Individual, Location, MovementType, audited
from core.dates import BoundedDateField, BoundedDateTimeField

from .choices import (
    DEPARTING_BOOKING_STATUSES,
    OPEN_BOOKING_STATUSES,
    BookingStatus,
    EscortKind,
    EscortRole,
    NoticeKind,
    NoticeStatus,
)

DEFAULT_TRANSIT_CENTRE = "Kigali transit centre"


@audited("TravelGroupHistory")
class TravelGroup(models.Model):
    """The cases travelling on one flight together."""

    name = models.CharField(_("name"), max_length=150)
    flight_date = BoundedDateField(_("flight date"))
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = BoundedDateTimeField(_("created"), auto_now_add=True)
    updated_at = BoundedDateTimeField(_("last changed"), auto_now=True)

    class Meta:
        ordering = ["-flight_date", "-id"]
        verbose_name = _("travel group")
        verbose_name_plural = _("travel groups")
        constraints = [
            models.UniqueConstraint(
                fields=["flight_date", "name"],
                name="travel_group_name_per_day",
                violation_error_message=_("A travel group of this name already flies that day."),
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.flight_date})"


@audited("BookingHistory")
class Booking(models.Model):
    """One booking of a whole case on a flight (families travel together)."""

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("case")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=BookingStatus.choices, default=BookingStatus.REQUESTED
    )
    # The local date (Africa/Kigali) of the first segment's departure, set by the services.
    departure_date = BoundedDateField(_("flight date"))
    booking_reference = models.CharField(_("booking reference"), max_length=20, blank=True)
    travel_group = models.ForeignKey(
        TravelGroup,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bookings",
        verbose_name=_("travel group"),
    )
    recorded_after_the_fact = models.BooleanField(_("recorded after the fact"), default=False)
    # A household that did not board: the booking is closed (cancelled, with the reason) and the
    # case is back to "ready to travel"; nothing counts it as departed.
    no_show = models.BooleanField(_("did not board (no-show)"), default=False)
    cancelled_reason = models.TextField(_("reason for cancelling"), blank=True)
    cancelled_at = BoundedDateTimeField(_("cancelled at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("booked by"),
    )
    created_at = BoundedDateTimeField(_("created"), auto_now_add=True)
    updated_at = BoundedDateTimeField(_("last changed"), auto_now=True)

    class Meta:
        ordering = ["-departure_date", "-id"]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        indexes = [
            models.Index(fields=["departure_date", "status"], name="booking_date_status_idx"),
            models.Index(fields=["case", "-created_at"], name="booking_case_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=~Q(status=BookingStatus.CANCELLED),
                name="one_open_booking_per_case",
                violation_error_message=_("This case already has a booking that is not cancelled."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=BookingStatus.values), name="booking_status_known"
            ),
            models.CheckConstraint(
                condition=~Q(status=BookingStatus.CANCELLED) | ~Q(cancelled_reason=""),
                name="cancelled_booking_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.booking_reference or _('booking')} {self.departure_date}"

    def get_absolute_url(self):
        return reverse("movements:booking", kwargs={"pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_BOOKING_STATUSES

    # What the pages may offer, asked of the booking (the services decide, with their reasons;
    # these keep templates from restating the rules).
    @property
    def can_change(self) -> bool:
        """Tickets, reference and status can be changed, and escorts assigned or removed."""
        return self.is_open

    @property
    def can_cancel(self) -> bool:
        return self.is_open

    @property
    def can_depart(self) -> bool:
        """Booked or ticketed, its case booked: the departure (or no-show) can be recorded."""
        return self.status in DEPARTING_BOOKING_STATUSES and self.case.status == CaseStatus.BOOKED

    @property
    def can_check_in(self) -> bool:
        return self.is_open and self.case.status == CaseStatus.BOOKED

    @property
    def can_arrive(self) -> bool:
        """Departed and not yet arrived."""
        return hasattr(self, "departure") and not hasattr(self, "arrival")


@audited("FlightSegmentHistory")
class FlightSegment(models.Model):
    """One flight of a booking's itinerary. Times are aware; each airport's zone is kept to show
    them in local time."""

    booking = models.ForeignKey(
        Booking, on_delete=models.CASCADE, related_name="segments", verbose_name=_("booking")
    )
    order = models.PositiveSmallIntegerField(_("order"))
    carrier = models.CharField(_("carrier"), max_length=60)
    flight_number = models.CharField(_("flight number"), max_length=10)
    from_airport = models.CharField(_("from (IATA code)"), max_length=3)
    to_airport = models.CharField(_("to (IATA code)"), max_length=3)
    departs_at = BoundedDateTimeField(_("departs at"))
    arrives_at = BoundedDateTimeField(_("arrives at"))
    from_timezone = models.CharField(_("departure airport's time zone"), max_length=64)
    to_timezone = models.CharField(_("arrival airport's time zone"), max_length=64)

    class Meta:
        ordering = ["booking_id", "order"]
        verbose_name = _("flight segment")
        verbose_name_plural = _("flight segments")
        constraints = [
            models.UniqueConstraint(
                fields=["booking", "order"],
                name="one_segment_per_order",
                violation_error_message=_("This booking already has a segment in this place."),
            ),
            models.CheckConstraint(
                condition=Q(arrives_at__gt=F("departs_at")),
                name="segment_lands_after_take_off",
                violation_error_message=_("A flight must land after it takes off."),
            ),
            models.CheckConstraint(
                condition=~Q(from_airport=F("to_airport")), name="segment_goes_somewhere"
            ),
        ]

    def __str__(self):
        return f"{self.carrier} {self.flight_number} {self.from_airport}-{self.to_airport}"


@audited("TravellerHistory")
class Traveller(models.Model):
    """One person on a booking, with their ticket."""

    booking = models.ForeignKey(
        Booking, on_delete=models.CASCADE, related_name="travellers", verbose_name=_("booking")
    )
    individual = models.ForeignKey(
        Individual, on_delete=models.PROTECT, related_name="travels", verbose_name=_("person")
    )
    ticket_number = models.CharField(_("ticket number"), max_length=20, blank=True)
    # Set at departure (boarded) or no-show (did not board); unknown before the day.
    boarded = models.BooleanField(_("boarded"), null=True, blank=True)

    class Meta:
        ordering = ["booking_id", "individual__date_of_birth", "id"]
        verbose_name = _("traveller")
        verbose_name_plural = _("travellers")
        constraints = [
            models.UniqueConstraint(
                fields=["booking", "individual"],
                name="one_seat_per_person_and_booking",
                violation_error_message=_("This person is already on this booking."),
            ),
            models.UniqueConstraint(
                fields=["ticket_number"],
                condition=~Q(ticket_number=""),
                name="ticket_number_unique",
                violation_error_message=_("This ticket number is already on another traveller."),
            ),
        ]

    def __str__(self):
        return f"{self.individual} {self.ticket_number}".strip()


@audited("DepartureHistory")
class Departure(models.Model):
    """The departure of a booked case, recorded on the day (or after the fact).

    Camp, destination and movement type are copied from the case when it is recorded: the
    yearly figures count what held when the household left.
    """

    booking = models.OneToOneField(
        Booking, on_delete=models.PROTECT, related_name="departure", verbose_name=_("booking")
    )
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="departures", verbose_name=_("case")
    )
    departed_on = BoundedDateField(_("departed on"))
    departed_at = BoundedDateTimeField(_("departed at"))
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("left from")
    )
    destination_country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="+", verbose_name=_("destination country")
    )
    movement_type = models.ForeignKey(
        MovementType, on_delete=models.PROTECT, related_name="+", verbose_name=_("movement type")
    )
    recorded_after_the_fact = models.BooleanField(_("recorded after the fact"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = BoundedDateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["-departed_on", "-id"]
        verbose_name = _("departure")
        verbose_name_plural = _("departures")
        indexes = [
            models.Index(fields=["departed_on"], name="departure_date_idx"),
            models.Index(fields=["case"], name="departure_case_idx"),
        ]

    def __str__(self):
        return f"{self.case_id} {self.departed_on}"


@audited("ArrivalHistory")
class Arrival(models.Model):
    """The arrival at the destination and the handover to the receiving agency."""

    booking = models.OneToOneField(
        Booking, on_delete=models.PROTECT, related_name="arrival", verbose_name=_("booking")
    )
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="arrivals", verbose_name=_("case")
    )
    arrived_on = BoundedDateField(_("arrived on"))
    airport = models.CharField(_("airport (IATA code)"), max_length=3)
    receiving_agency = models.CharField(_("receiving agency"), max_length=150)
    recorded_after_the_fact = models.BooleanField(_("recorded after the fact"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = BoundedDateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["-arrived_on", "-id"]
        verbose_name = _("arrival")
        verbose_name_plural = _("arrivals")
        indexes = [models.Index(fields=["case"], name="arrival_case_idx")]
        triggers = [
            # An arrival needs its departure, on or before the arrival's date, whoever writes.
            pgtrigger.Trigger(
                name="arrival_after_departure",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update,
                func="""
                    IF NOT EXISTS (
                        SELECT 1 FROM movements_departure
                         WHERE booking_id = NEW.booking_id AND departed_on <= NEW.arrived_on
                    ) THEN
                        RAISE EXCEPTION 'arrival of booking % is not after its departure',
                            NEW.booking_id USING ERRCODE = 'check_violation';
                    END IF;
                    RETURN NEW;
                """,
            ),
        ]

    def __str__(self):
        return f"{self.case_id} {self.arrived_on}"


@audited("TransitStayHistory")
class TransitStay(models.Model):
    """A household's stay at the transit centre before the flight."""

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="transit_stays", verbose_name=_("case")
    )
    booking = models.ForeignKey(
        Booking,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transit_stays",
        verbose_name=_("booking"),
    )
    centre = models.CharField(_("transit centre"), max_length=100, default=DEFAULT_TRANSIT_CENTRE)
    checked_in_at = BoundedDateTimeField(_("checked in"))
    checked_out_at = BoundedDateTimeField(_("checked out"), null=True, blank=True)
    recorded_after_the_fact = models.BooleanField(_("recorded after the fact"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = BoundedDateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-checked_in_at", "-id"]
        verbose_name = _("transit stay")
        verbose_name_plural = _("transit stays")
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(checked_out_at__isnull=True),
                name="one_open_transit_stay_per_case",
                violation_error_message=_("This household is already checked in."),
            ),
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True) | Q(checked_out_at__gt=F("checked_in_at")),
                name="transit_out_after_in",
                violation_error_message=_("Check-out must come after check-in."),
            ),
        ]

    def __str__(self):
        return f"{self.case_id} {self.centre} {self.checked_in_at:%Y-%m-%d}"


@audited("EscortHistory")
class Escort(models.Model):
    """A person accompanying a booked case or a whole travel group."""

    booking = models.ForeignKey(
        Booking,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="escorts",
        verbose_name=_("booking"),
    )
    travel_group = models.ForeignKey(
        TravelGroup,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="escorts",
        verbose_name=_("travel group"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=EscortKind.choices)
    role = models.CharField(_("role"), max_length=12, choices=EscortRole.choices)
    name = models.CharField(_("name"), max_length=150)
    contact = models.CharField(_("contact"), max_length=150, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    created_at = BoundedDateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["role", "name", "id"]
        verbose_name = _("escort")
        verbose_name_plural = _("escorts")
        constraints = [
            models.CheckConstraint(
                condition=Q(booking__isnull=False, travel_group__isnull=True)
                | Q(booking__isnull=True, travel_group__isnull=False),
                name="escort_for_booking_or_group",
                violation_error_message=_("An escort accompanies one booking or one group."),
            ),
            models.UniqueConstraint(
                fields=["booking", "name", "role"],
                condition=Q(booking__isnull=False),
                name="escort_once_per_booking",
                violation_error_message=_("This escort is already assigned to this booking."),
            ),
            models.UniqueConstraint(
                fields=["travel_group", "name", "role"],
                condition=Q(travel_group__isnull=False),
                name="escort_once_per_group",
                violation_error_message=_("This escort is already assigned to this group."),
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_role_display()})"


@audited("BookingNoticeHistory")
class BookingNotice(models.Model):
    """An advance booking notification to the receiving country's mission, or its amendment."""

    booking = models.ForeignKey(
        Booking, on_delete=models.PROTECT, related_name="notices", verbose_name=_("booking")
    )
    sequence = models.PositiveSmallIntegerField(_("version"))
    kind = models.CharField(_("kind"), max_length=10, choices=NoticeKind.choices)
    what_changed = models.TextField(_("what changed"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=NoticeStatus.choices, default=NoticeStatus.QUEUED
    )
    recipient = models.EmailField(_("recipient"))
    subject = models.CharField(_("subject"), max_length=250)
    body = models.TextField(_("body"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = BoundedDateTimeField(_("sent at"), null=True, blank=True)
    acknowledged_at = BoundedDateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.CharField(_("acknowledged by"), max_length=150, blank=True)
    # Only a hash of the acknowledgement link's token is kept; the link expires and works once.
    ack_token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    token_expires_at = BoundedDateTimeField(_("link expires at"), null=True, blank=True)
    token_used_at = BoundedDateTimeField(_("link used at"), null=True, blank=True)
    # Set when a worker takes the notice to the mail server (outside every lock); a second
    # worker leaves a claimed notice alone until the claim is older than the mail timeout.
    claimed_at = BoundedDateTimeField(_("taken to the mail server at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = BoundedDateTimeField(_("created"), auto_now_add=True)
    updated_at = BoundedDateTimeField(_("last changed"), auto_now=True)

    class Meta:
        ordering = ["booking_id", "-sequence"]
        verbose_name = _("booking notice")
        verbose_name_plural = _("booking notices")
        indexes = [models.Index(fields=["status", "-created_at"], name="notice_status_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["booking", "sequence"],
                name="one_notice_per_version",
                violation_error_message=_("This version of the notice already exists."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=NoticeStatus.values), name="notice_status_known"
            ),
            models.CheckConstraint(
                condition=~Q(status=NoticeStatus.ACKNOWLEDGED) | Q(acknowledged_at__isnull=False),
                name="acknowledged_notice_has_date",
            ),
            models.CheckConstraint(
                condition=Q(kind=NoticeKind.ORIGINAL) | ~Q(what_changed=""),
                name="amended_notice_says_what_changed",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.sequence} – {self.booking}"

    @property
    def can_resend(self) -> bool:
        """Only a failed notice is sent again (notices.services.notice_resend)."""
        return self.status == NoticeStatus.FAILED


@audited("NoticeAttemptHistory")
class NoticeAttempt(models.Model):
    """One try at sending a notice, and its result."""

    notice = models.ForeignKey(
        BookingNotice,
        on_delete=models.CASCADE,
        related_name="attempt_log",
        verbose_name=_("notice"),
    )
    at = BoundedDateTimeField(_("when"), default=timezone.now)
    ok = models.BooleanField(_("sent"))
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["notice_id", "at", "id"]
        verbose_name = _("sending attempt")
        verbose_name_plural = _("sending attempts")

    def __str__(self):
        return f"{self.notice_id} {self.at:%Y-%m-%d %H:%M} {'ok' if self.ok else 'failed'}"


class CaseTravelWindow(models.Model):
    """Each case's travel window facts, kept by database triggers (movements migration 0002)
    from its members, their clearances for the case's programme and their travel documents, in
    the same transaction as any change to those, whoever writes (services, bulk loads, raw SQL).

    The board and every list read it instead of computing windows per request (bench_readiness).
    `valid_from` is the latest "valid from" of the clearances and documents; a window opens on it
    or today, whichever is later. `manage.py rebuild_travel_windows` recomputes every row, for a
    database loaded with triggers off. Not audited: it is derived from audited rows."""

    case = models.OneToOneField(
        Case,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        primary_key=True,
        related_name="+",
    )
    # The case's status, kept beside its window so the board finds the ready cases whose
    # window closes first with one index scan.
    case_status = models.CharField(max_length=20, default="")
    travellers = models.IntegerField()
    uncleared = models.IntegerField()
    undocumented = models.IntegerField()
    valid_from = BoundedDateField(null=True)
    closes = BoundedDateField(null=True)
    closing_person = models.CharField(max_length=201, blank=True)
    closing_kind = models.CharField(max_length=10, blank=True)
    needs_escort = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("travel window")
        verbose_name_plural = _("travel windows")
        indexes = [
            models.Index(
                fields=["case_status", "closes", "case"],
                condition=Q(uncleared=0, undocumented=0),
                name="travel_window_board_idx",
            ),
        ]

    def __str__(self):
        return f"{self.case_id}: {self.valid_from} – {self.closes}"


# The languages a notice can be written in (the interface's languages; English by default).
NOTICE_LANGUAGES = [
    ("en", _("English")),
    ("fr", _("French")),
    ("rw", _("Kinyarwanda")),
    ("sw", _("Swahili")),
]


@audited("MissionContactHistory")
class MissionContact(models.Model):
    """Where a receiving country's mission takes its advance booking notices (reference data,
    kept by administrators)."""

    country = models.OneToOneField(
        Country,
        on_delete=models.PROTECT,
        related_name="mission_contact",
        verbose_name=_("destination country"),
    )
    mission = models.CharField(_("mission"), max_length=150)
    email = models.EmailField(_("e-mail for booking notices"))
    # Notices are written in the mission's language, whatever the officer's interface language.
    language = models.CharField(
        _("language of the notices"),
        max_length=5,
        choices=NOTICE_LANGUAGES,
        default="en",
    )

    class Meta:
        ordering = ["country__name"]
        verbose_name = _("mission contact")
        verbose_name_plural = _("mission contacts")

    def __str__(self):
        return f"{self.mission} <{self.email}>"
