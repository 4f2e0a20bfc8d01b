"""Reads of movements: readiness to book, travel windows, the readiness board, bookings.

Readiness has one home. For one case and one date, `case_readiness` asks the very guard
functions the workflow's "Book the flight" step runs (`READINESS_GUARDS`, all named in that
step's row of the table), so the board, the booking form, the API and the workflow give one
answer. The travel window (the range of dates on which every traveller's clearance and travel
document hold) is computed in SQL by the database itself, for every case, from the same facts
the guards check (the clearance for the case's programme and its `valid_until`, the travel
documents of the boarding types and their expiry): triggers keep `CaseTravelWindow` current
(migration 0002), so the board and the lists read many windows in one query, never case by
case in Python.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Concat, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.choices import CaseStatus, Relationship
from cases.models import Case, Country, Individual, Location
from cases.selectors import case_visible_to, organisation_country_id, partner_country_id
from cases.workflow import TRANSITIONS_BY_NAME, StepContext, registered_guards
from core.roles import Role, has_role
from medical.choices import CLEARING_OUTCOMES, CheckResult, TravelCondition
from medical.models import HealthAssessment, MedicalProtocol, PreEmbarkationCheck
from movements.choices import OPEN_BOOKING_STATUSES, EscortRole
from movements.models import (
    Booking,
    CaseTravelWindow,
    Escort,
    FlightSegment,
    TransitStay,
    Traveller,
)

S = CaseStatus

# The conditions of booking that hold or fail before any booking exists, in the order a refusal
# lists them. Every one is a guard of the "book" step (tests keep them there).
READINESS_GUARDS = (
    "approved_by_destination",
    "travellers_medically_cleared",
    "orientation_completed",
    "travel_documents_present",
    "flight_date_allowed",
    "no_open_booking",
    "pre_embarkation_possible",
)


def event_day(context) -> datetime.date:
    """The date a step is judged on: the event's own date (`departure_date`), today if none."""
    return StepContext.parse(context).departure_date or timezone.localdate()


# ---------------------------------------------------------------------------------------------
# Facts the guards share


def pre_embarkation_window_days(case: Case) -> int | None:
    """How many days before the flight the programme's protocol allows the check (None: none)."""
    return (
        MedicalProtocol.objects.filter(programme_id=case.programme_id)
        .values_list("pre_embarkation_window_days", flat=True)
        .first()
    )


def travellers_needing_medical_escort(case: Case) -> list[str]:
    """Names of members whose clearance, or latest pre-embarkation check, asks for a medical
    escort."""
    by_clearance = set(
        HealthAssessment.objects.filter(
            individual__case_id=case.pk,
            programme_id=case.programme_id,
            outcome__in=sorted(CLEARING_OUTCOMES),
            conditions__contains=[TravelCondition.MEDICAL_ESCORT],
        ).values_list("individual_id", flat=True)
    )
    latest = (
        PreEmbarkationCheck.objects.filter(individual__case_id=case.pk)
        .order_by("individual_id", "-checked_on", "-id")
        .distinct("individual_id")
        .values_list("individual_id", "result")
    )
    by_check = {pid for pid, result in latest if result == CheckResult.FIT_WITH_ESCORT}
    needing = by_clearance | by_check
    return [m.full_name for m in case.members.all() if m.pk in needing]


def booking_has_medical_escort(booking: Booking) -> bool:
    """A medical escort travels with this booking, or with its travel group."""
    escorts = Q(booking_id=booking.pk)
    if booking.travel_group_id:
        escorts |= Q(travel_group_id=booking.travel_group_id)
    return Escort.objects.filter(escorts, role=EscortRole.MEDICAL).exists()


def open_booking(case: Case) -> Booking | None:
    return (
        Booking.objects.filter(case_id=case.pk, status__in=OPEN_BOOKING_STATUSES)
        .order_by("-created_at")
        .first()
    )


# ---------------------------------------------------------------------------------------------
# Travel windows, many cases at once, in SQL


@dataclass(frozen=True)
class TravelWindow:
    """The dates a case could fly, from `opens` to `closes` (both inclusive), and why it closes.

    `opens`/`closes` are None when some traveller has no clearance or no travel document
    (`uncleared`, `undocumented` count them)."""

    case_id: int
    travellers: int
    uncleared: int
    undocumented: int
    opens: datetime.date | None
    closes: datetime.date | None
    closing_person: str
    closing_kind: str  # "clearance" or "document"
    needs_medical_escort: bool
    # Filled for the board's rows only.
    case_number: str = ""
    principal: str = ""
    destination: str = ""
    location: str = ""
    status: str = ""

    @property
    def is_open(self) -> bool:
        return self.opens is not None and self.closes is not None and self.opens <= self.closes

    @property
    def status_label(self) -> str:
        return CaseStatus(self.status).label if self.status else ""

    def contains(self, day: datetime.date) -> bool:
        return self.is_open and self.opens <= day <= self.closes

    def days_left(self, today: datetime.date) -> int | None:
        return (self.closes - today).days if self.closes else None

    @property
    def summary(self) -> str:
        """The window in words, as the board, the case page and the case list show it."""
        if self.is_open:
            return _("can fly between %(opens)s and %(closes)s (%(why)s on %(closes)s)") % {
                "opens": self.opens.isoformat(),
                "closes": self.closes.isoformat(),
                "why": self.closing_reason,
            }
        if self.closes is not None:
            return _("window closed on %(closes)s (%(why)s)") % {
                "closes": self.closes.isoformat(),
                "why": self.closing_reason,
            }
        return self.closing_reason

    @property
    def closing_reason(self) -> str:
        if self.uncleared or self.undocumented:
            parts = []
            if self.uncleared:
                parts.append(_("%(count)d without a valid clearance") % {"count": self.uncleared})
            if self.undocumented:
                parts.append(
                    _("%(count)d without a travel document") % {"count": self.undocumented}
                )
            return _("No window: %(what)s.") % {"what": ", ".join(parts)}
        what = (
            _("%(name)s's clearance expires")
            if self.closing_kind == "clearance"
            else _("%(name)s's travel document expires")
        )
        return what % {"name": self.closing_person}


def _window(row: CaseTravelWindow, today: datetime.date, **extra) -> TravelWindow:
    return TravelWindow(
        case_id=row.case_id,
        travellers=row.travellers,
        uncleared=row.uncleared,
        undocumented=row.undocumented,
        opens=max(row.valid_from, today) if row.valid_from and row.closes else None,
        closes=row.closes,
        closing_person=row.closing_person,
        closing_kind=row.closing_kind,
        needs_medical_escort=row.needs_escort,
        **extra,
    )


def travel_windows(
    case_ids: list[int], *, today: datetime.date | None = None
) -> dict[int, TravelWindow]:
    """The travel window of each case in `case_ids`, by case id, in one query (from the
    windows the database keeps, see CaseTravelWindow)."""
    if not case_ids:
        return {}
    today = today or timezone.localdate()
    rows = CaseTravelWindow.objects.filter(case_id__in=list(case_ids))
    return {row.case_id: _window(row, today) for row in rows}


def travel_window(case: Case, *, today: datetime.date | None = None) -> TravelWindow | None:
    return travel_windows([case.pk], today=today).get(case.pk)


@dataclass
class BoardFilters:
    destination_id: int | None = None
    location_id: int | None = None
    closing_within_days: int = 14


def _board_rows(filters: BoardFilters, statuses, limit: int, **conditions):
    qs = CaseTravelWindow.objects.filter(
        case_status__in=statuses, uncleared=0, undocumented=0, **conditions
    )
    if filters.destination_id:
        qs = qs.filter(case__destination_country_id=filters.destination_id)
    if filters.location_id:
        qs = qs.filter(case__location_id=filters.location_id)
    return qs.annotate(
        case_number=F("case__case_number"),
        destination=F("case__destination_country__name"),
        destination_iso=F("case__destination_country__iso_code"),
        destination_names=F("case__destination_country__name_translations"),
        location=F("case__location__name"),
        location_names=F("case__location__name_translations"),
        principal=Subquery(
            Individual.objects.filter(
                case_id=OuterRef("case_id"), relationship=Relationship.PRINCIPAL_APPLICANT
            )
            .annotate(full=Concat("given_name", Value(" "), "family_name"))
            .values("full")[:1]
        ),
    ).order_by("closes", "case_id")[:limit]


def board_sections(
    *, filters: BoardFilters, limit: int = 50, today: datetime.date | None = None
) -> dict[str, list[TravelWindow]]:
    """The two window sections of the readiness board, one query each whatever their length:

    - "ready": cases ready to travel whose window is open, the soonest to close first;
    - "closing": cases ready to travel or booked whose window closes within
      `filters.closing_within_days` days, soonest first.
    """
    today = today or timezone.localdate()
    ready = _board_rows(
        filters,
        [S.READY_TO_TRAVEL],
        limit,
        closes__gte=Greatest(F("valid_from"), Value(today)),
    )
    closing = _board_rows(
        filters,
        [S.READY_TO_TRAVEL, S.BOOKED],
        limit,
        closes__lte=today + datetime.timedelta(days=filters.closing_within_days),
    )

    def shown(rows):
        return [
            _window(
                row,
                today,
                case_number=row.case_number,
                principal=row.principal or "",
                # In the reader's language, from the same row (cases.reference_names).
                destination=Country(
                    iso_code=row.destination_iso,
                    name=row.destination,
                    name_translations=row.destination_names,
                ).localized_name(),
                location=Location(
                    name=row.location, name_translations=row.location_names
                ).localized_name(),
                status=row.case_status,
            )
            for row in rows
        ]

    return {"ready": shown(ready), "closing": shown(closing)}


def board_windows(
    *, filters: BoardFilters, section: str, limit: int = 50, today: datetime.date | None = None
) -> list[TravelWindow]:
    """One window section of the board (see board_sections)."""
    if section not in ("ready", "closing"):
        raise ValueError(section)
    return board_sections(filters=filters, limit=limit, today=today)[section]


def _principal_name() -> Subquery:
    return Subquery(
        Individual.objects.filter(
            case_id=OuterRef("case_id"), relationship=Relationship.PRINCIPAL_APPLICANT
        )
        .annotate(full=Concat("given_name", Value(" "), "family_name"))
        .values("full")[:1]
    )


def board_booked(*, filters: BoardFilters, limit: int = 50) -> QuerySet[Booking]:
    """Booked cases with their flight dates, the next flight first (one query)."""
    qs = Booking.objects.filter(status__in=OPEN_BOOKING_STATUSES, case__status=S.BOOKED)
    # Counted for the rows shown only (a GROUP BY would count every booking first).
    seats = (
        Traveller.objects.filter(booking_id=OuterRef("pk"))
        .values("booking_id")
        .annotate(n=Count("*"))
        .values("n")
    )
    if filters.destination_id:
        qs = qs.filter(case__destination_country_id=filters.destination_id)
    if filters.location_id:
        qs = qs.filter(case__location_id=filters.location_id)
    return (
        qs.select_related("case__destination_country", "case__location", "travel_group")
        .annotate(principal=_principal_name(), traveller_count=Subquery(seats))
        .order_by("departure_date", "id")[:limit]
    )


# ---------------------------------------------------------------------------------------------
# Readiness of one case on one date


@dataclass
class Readiness:
    case: Case
    day: datetime.date
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    window: TravelWindow | None = None

    @property
    def can_book(self) -> bool:
        return not self.reasons


def _state_reason(case: Case) -> str | None:
    if case.status == S.READY_TO_TRAVEL:
        return None
    if case.status == S.ON_HOLD:
        return _("The case is on hold: resume it first.")
    return _("The case is “%(status)s”, not ready to travel.") % {
        "status": case.get_status_display()
    }


def case_readiness(
    case: Case,
    *,
    day: datetime.date,
    recorded_after_the_fact: bool = False,
    booking_id: int | None = None,
) -> Readiness:
    """Whether `case` can be booked on a flight on `day`, every reason it cannot, what still has
    to happen before the flight (notes), and its travel window.

    The reasons come from the same guard functions the workflow's "book" step runs."""
    context = StepContext.parse(
        {
            "departure_date": day,
            "recorded_after_the_fact": recorded_after_the_fact,
            "booking_id": booking_id,
        }
    )
    result = Readiness(case=case, day=day)
    state = _state_reason(case)
    if state:
        result.reasons.append(state)
    guards = registered_guards()
    book_guards = TRANSITIONS_BY_NAME["book"].guards
    for name in READINESS_GUARDS:
        assert name in book_guards, name  # one rule: the workflow runs every one of them
        reason = guards[name](case, context)
        if reason:
            result.reasons.append(reason)
    result.window = travel_window(case, today=day if recorded_after_the_fact else None)
    escorted = travellers_needing_medical_escort(case)
    if escorted:
        result.notes.append(
            _("A medical escort must travel with: %(names)s.") % {"names": ", ".join(escorted)}
        )
    window_days = pre_embarkation_window_days(case)
    if window_days is not None and not recorded_after_the_fact:
        result.notes.append(
            _("Pre-embarkation checks are due between %(start)s and %(end)s.")
            % {
                "start": (day - datetime.timedelta(days=window_days)).isoformat(),
                "end": day.isoformat(),
            }
        )
    return result


# ---------------------------------------------------------------------------------------------
# Bookings, scoped to the caller


def bookings_visible_to(user) -> QuerySet[Booking]:
    """Bookings of the cases `user` may see: every one for movement staff; a receiving
    country's mission sees only those of cases going to its country."""
    if user is None or not user.is_authenticated:
        return Booking.objects.none()
    if has_role(user, Role.PARTNER_SYSTEM) and not user.is_superuser:
        country_id = partner_country_id(user)
        if country_id is None:
            return Booking.objects.none()
        return Booking.objects.filter(case__destination_country_id=country_id)
    return Booking.objects.filter(case__in=case_visible_to(user))


def organisation_sees_bookings_of(organisation, case: Case) -> bool:
    """Whether a partner organisation may see the bookings (and notices) of `case`: the same
    rule as `bookings_visible_to` for its systems' accounts (a mission sees those of cases
    going to its country; any other partner, none). No query beyond its countries."""
    if not organisation.is_active:
        return False
    country_id = organisation_country_id(organisation)
    return country_id is not None and case.destination_country_id == country_id


def booking_list(*, user) -> QuerySet[Booking]:
    """Bookings for a list, everything a row shows loaded in a fixed number of queries."""
    return (
        bookings_visible_to(user)
        .select_related(
            "case__destination_country", "case__location", "travel_group", "departure", "arrival"
        )
        .prefetch_related(
            Prefetch("segments", queryset=FlightSegment.objects.order_by("order")),
            Prefetch("travellers", queryset=Traveller.objects.select_related("individual")),
            "escorts",
        )
        .order_by("-departure_date", "-id")
    )


def case_bookings(case: Case) -> QuerySet[Booking]:
    """Every booking of a case, newest first, cancelled ones too (rebooking keeps history)."""
    return booking_list_for_cases().filter(case_id=case.pk).order_by("-created_at", "-id")


def booking_list_for_cases() -> QuerySet[Booking]:
    return Booking.objects.select_related("departure", "arrival", "travel_group").prefetch_related(
        Prefetch("segments", queryset=FlightSegment.objects.order_by("order")),
        Prefetch("travellers", queryset=Traveller.objects.select_related("individual")),
        "escorts",
    )


def transit_stays(*, current_only: bool = False) -> QuerySet[TransitStay]:
    qs = TransitStay.objects.select_related("case__destination_country", "booking")
    if current_only:
        qs = qs.filter(checked_out_at__isnull=True)
    return qs.annotate(principal=_principal_name()).order_by("-checked_in_at", "-id")


def upcoming_escorts() -> list[Escort]:
    """Escorts of open bookings (or their groups' bookings), the next flight first."""
    today = timezone.localdate()
    rows = list(
        Escort.objects.filter(
            Q(booking__status__in=OPEN_BOOKING_STATUSES, booking__departure_date__gte=today)
            | Q(travel_group__flight_date__gte=today)
        )
        .select_related("booking__case", "travel_group")
        .order_by("id")[:500]
    )
    rows.sort(
        key=lambda e: (
            e.booking.departure_date if e.booking_id else e.travel_group.flight_date,
            e.pk,
        )
    )
    return rows


def case_list_window_notes(cases) -> dict[int, str]:
    """The travel window of the cases on a case list page that are ready to travel or booked
    (one query, none when there are no such cases), for cases.panels.register_row_note."""
    ids = [c.pk for c in cases if c.status in (S.READY_TO_TRAVEL, S.BOOKED)]
    windows = travel_windows(ids)
    return {case_id: window.summary for case_id, window in windows.items()}


# ---------------------------------------------------------------------------------------------
# The day of the flight


def departure_time_default(booking: Booking, segments=None) -> datetime.datetime:
    """What the departure form offers: the first flight's take-off once it has passed, now while
    its check-in window is open, else the take-off (never midnight of the flight day). Kigali
    time, to the minute."""
    segments = list(booking.segments.all()) if segments is None else segments
    now = timezone.now()
    moment = now
    if segments:
        first = segments[0]
        moment = (
            min(first.departs_at, now)
            if now >= first.departs_at - _check_in()
            else first.departs_at
        )
    return timezone.localtime(moment).replace(second=0, microsecond=0)


def _check_in() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.MOVEMENTS_CHECK_IN_HOURS)


@dataclass
class DayOfAlerts:
    """What needs an officer on the day: `overdue` bookings (flight day passed, neither a
    departure nor a no-show recorded) and `unacknowledged` notices of flights close ahead."""

    overdue: list
    unacknowledged: list

    def __bool__(self) -> bool:
        return bool(self.overdue or self.unacknowledged)


def day_of_alerts(*, user=None, limit: int = 20, today: datetime.date | None = None) -> DayOfAlerts:
    """Overdue bookings: open (requested, booked or ticketed) with a flight date before today,
    without a departure (a no-show closes the booking). Unacknowledged notices: the latest notice
    of an open booking, sent but not acknowledged, with the flight today or within
    `MOVEMENTS_NOTICE_ACK_ALERT_DAYS`. Two queries; bookings limited to what `user` sees
    when given."""
    from movements.choices import NoticeStatus
    from movements.models import BookingNotice

    today = today or timezone.localdate()
    bookings = Booking.objects.all() if user is None else bookings_visible_to(user)
    overdue = list(
        bookings.filter(
            status__in=OPEN_BOOKING_STATUSES, departure_date__lt=today, departure__isnull=True
        )
        .select_related("case")
        .order_by("departure_date", "id")[:limit]
    )
    horizon = today + datetime.timedelta(days=settings.MOVEMENTS_NOTICE_ACK_ALERT_DAYS)
    latest = (
        BookingNotice.objects.filter(booking_id=OuterRef("booking_id"))
        .order_by("-sequence")
        .values("pk")[:1]
    )
    unacknowledged = list(
        BookingNotice.objects.filter(
            pk=Subquery(latest),
            status=NoticeStatus.SENT,
            booking__in=bookings.filter(
                status__in=OPEN_BOOKING_STATUSES, departure_date__range=(today, horizon)
            ),
        )
        .select_related("booking__case")
        .order_by("booking__departure_date", "id")[:limit]
    )
    return DayOfAlerts(overdue=overdue, unacknowledged=unacknowledged)
