"""Reads of movements: readiness to book, travel windows, the readiness board, bookings.

Readiness has one home. For one case and one date, `case_readiness` asks the very guard
functions the workflow's "Book the flight" step runs (`READINESS_GUARDS`, all named in that
step's row of the table), so the board, the booking form, the API and the workflow give one
answer. The travel window (the range of dates on which every traveller's clearance and travel
document hold) is computed in SQL for many cases at once by `travel_windows`: one query, however
many cases, from the same facts the guards check (clearance for the case's programme and its
`valid_until`, travel documents of the travel types and their expiry).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.choices import TRAVEL_DOCUMENT_TYPES, CaseStatus, Relationship
from cases.models import Case, Individual
from cases.roles import Role, has_role
from cases.selectors import case_visible_to, partner_country_id
from cases.workflow import TRANSITIONS_BY_NAME, registered_guards
from medical.choices import CLEARING_OUTCOMES, CheckResult, TravelCondition
from medical.models import HealthAssessment, MedicalProtocol, PreEmbarkationCheck

from .choices import OPEN_BOOKING_STATUSES, EscortRole
from .models import Booking, Escort, FlightSegment, TransitStay, Traveller

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


def event_day(context: dict) -> datetime.date:
    """The date a step is judged on: the event's own date (`departure_date`), today if none."""
    day = (context or {}).get("departure_date")
    if isinstance(day, datetime.datetime):
        return timezone.localdate(day)
    if isinstance(day, str) and day:
        return datetime.date.fromisoformat(day)
    return day or timezone.localdate()


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


# One CTE for the candidate cases ({where}); per person: the clearance for the case's programme
# (valid from its outcome date to valid_until) and the union of their travel documents (from the
# earliest issue date to the latest expiry; no expiry = no end). Per case: the window opens on the
# latest "valid from" (never before `today`) and closes on the earliest end; the first person to
# run out, and what runs out, say why it closes. LEAST/GREATEST skip NULLs, so the counts of
# people without a clearance or document decide whether there is a window at all.
WINDOW_SQL = """
WITH candidate AS (
    SELECT c.id, c.programme_id FROM cases_case c WHERE {where}
),
documented AS (
    SELECT t.individual_id,
           min(coalesce(t.issued_on, '-infinity'::date)) AS issued_from,
           max(coalesce(t.expires_on, 'infinity'::date)) AS valid_until
      FROM cases_traveldocument t
      JOIN cases_individual ti ON ti.id = t.individual_id
      JOIN candidate tc ON tc.id = ti.case_id
     WHERE t.document_type = ANY(%(document_types)s)
     GROUP BY t.individual_id
),
person AS (
    SELECT i.case_id, i.id AS person_id, i.given_name || ' ' || i.family_name AS name,
           CASE WHEN ha.outcome = ANY(%(clearing)s) THEN ha.outcome_on END AS cleared_from,
           CASE WHEN ha.outcome = ANY(%(clearing)s) THEN ha.valid_until END AS cleared_until,
           coalesce(ha.outcome = ANY(%(clearing)s)
                    AND %(escort)s = ANY(ha.conditions), false) AS needs_escort,
           d.issued_from, d.valid_until AS documented_until
      FROM candidate
      JOIN cases_individual i ON i.case_id = candidate.id
      LEFT JOIN medical_healthassessment ha
             ON ha.individual_id = i.id AND ha.programme_id = candidate.programme_id
      LEFT JOIN documented d ON d.individual_id = i.id
),
window_ AS (
    SELECT case_id,
           count(*) AS travellers,
           count(*) FILTER (WHERE cleared_until IS NULL) AS uncleared,
           count(*) FILTER (WHERE documented_until IS NULL) AS undocumented,
           greatest(max(greatest(cleared_from, issued_from)), %(today)s::date) AS opens,
           min(least(cleared_until, documented_until)) AS closes,
           (array_agg(name ORDER BY least(cleared_until, documented_until), person_id))[1]
               AS closing_person,
           (array_agg(CASE WHEN cleared_until <= documented_until THEN 'clearance'
                           ELSE 'document' END
                      ORDER BY least(cleared_until, documented_until), person_id))[1]
               AS closing_kind,
           bool_or(needs_escort) AS needs_escort
      FROM person GROUP BY case_id
)
SELECT w.case_id, w.travellers, w.uncleared, w.undocumented,
       CASE WHEN w.uncleared = 0 AND w.undocumented = 0 THEN w.opens END AS opens,
       CASE WHEN w.uncleared = 0 AND w.undocumented = 0 THEN w.closes END AS closes,
       coalesce(w.closing_person, ''), coalesce(w.closing_kind, ''), w.needs_escort
       {columns}
  FROM window_ w
  {joins}
 {having}
 {order}
"""

BOARD_COLUMNS = """, c.case_number,
       coalesce((SELECT p.given_name || ' ' || p.family_name FROM cases_individual p
                  WHERE p.case_id = c.id AND p.relationship = %(principal)s LIMIT 1), ''),
       dc.name, loc.name, c.status"""
BOARD_JOINS = """JOIN cases_case c ON c.id = w.case_id
  JOIN cases_country dc ON dc.id = c.destination_country_id
  JOIN cases_location loc ON loc.id = c.location_id"""


def _window_params(today: datetime.date) -> dict:
    return {
        "document_types": sorted(TRAVEL_DOCUMENT_TYPES),
        "clearing": sorted(CLEARING_OUTCOMES),
        "escort": TravelCondition.MEDICAL_ESCORT.value,
        "today": today,
        "principal": Relationship.PRINCIPAL_APPLICANT.value,
    }


def _run_windows(sql: str, params: dict, board: bool) -> list[TravelWindow]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    windows = []
    for row in rows:
        extra = {}
        if board:
            extra = {
                "case_number": row[9],
                "principal": row[10],
                "destination": row[11],
                "location": row[12],
                "status": row[13],
            }
        windows.append(TravelWindow(*row[:9], **extra))
    return windows


def travel_windows(
    case_ids: list[int], *, today: datetime.date | None = None
) -> dict[int, TravelWindow]:
    """The travel window of each case in `case_ids`, by case id, in one query."""
    if not case_ids:
        return {}
    params = {**_window_params(today or timezone.localdate()), "case_ids": list(case_ids)}
    sql = WINDOW_SQL.format(
        where="c.id = ANY(%(case_ids)s)", columns="", joins="", having="", order=""
    )
    return {w.case_id: w for w in _run_windows(sql, params, board=False)}


def travel_window(case: Case, *, today: datetime.date | None = None) -> TravelWindow | None:
    return travel_windows([case.pk], today=today).get(case.pk)


@dataclass
class BoardFilters:
    destination_id: int | None = None
    location_id: int | None = None
    closing_within_days: int = 14


def _board_where(filters: BoardFilters, statuses: list[str]) -> tuple[str, dict]:
    where = ["c.status = ANY(%(statuses)s)"]
    params: dict = {"statuses": statuses}
    if filters.destination_id:
        where.append("c.destination_country_id = %(destination_id)s")
        params["destination_id"] = filters.destination_id
    if filters.location_id:
        where.append("c.location_id = %(location_id)s")
        params["location_id"] = filters.location_id
    return " AND ".join(where), params


def board_windows(
    *,
    filters: BoardFilters,
    section: str,
    limit: int = 50,
    today: datetime.date | None = None,
) -> list[TravelWindow]:
    """One section of the readiness board, in one query whatever its length.

    - "ready": cases ready to travel whose window is open, the soonest to close first;
    - "closing": cases ready to travel or booked whose window closes within
      `filters.closing_within_days` days (or has no window left), soonest first.
    """
    today = today or timezone.localdate()
    if section == "ready":
        statuses = [S.READY_TO_TRAVEL]
        having = "WHERE w.uncleared = 0 AND w.undocumented = 0 AND w.closes >= w.opens"
    elif section == "closing":
        statuses = [S.READY_TO_TRAVEL, S.BOOKED]
        having = "WHERE w.uncleared = 0 AND w.undocumented = 0 AND w.closes <= %(closing_by)s::date"
    else:
        raise ValueError(section)
    where, params = _board_where(filters, statuses)
    params.update(_window_params(today))
    params["closing_by"] = today + datetime.timedelta(days=filters.closing_within_days)
    params["limit"] = limit
    sql = WINDOW_SQL.format(
        where=where,
        columns=BOARD_COLUMNS,
        joins=BOARD_JOINS,
        having=having,
        order="ORDER BY w.closes, w.case_id LIMIT %(limit)s",
    )
    return _run_windows(sql, params, board=True)


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
    if filters.destination_id:
        qs = qs.filter(case__destination_country_id=filters.destination_id)
    if filters.location_id:
        qs = qs.filter(case__location_id=filters.location_id)
    return (
        qs.select_related("case__destination_country", "case__location", "travel_group")
        .annotate(principal=_principal_name(), traveller_count=Count("travellers"))
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
    context = {
        "departure_date": day,
        "recorded_after_the_fact": recorded_after_the_fact,
        "booking_id": booking_id,
    }
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
