"""The movement officers' pages (/movements/): the readiness board, bookings, the booking form,
departure and arrival, transit and escorts.

Views are thin: check the role, parse the form, call a service or a selector, render. Movement
officers and administrators write; managers and caseworkers read; other roles get 403.
"""

import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.models import Case
from cases.selectors import case_visible_to
from core.dates import FIRST_YEAR, LAST_YEAR
from core.errors import ApplicationError, NotPermitted, TransitionRefused
from movements.choices import BookingStatus
from movements.models import Escort, TransitStay
from movements.permissions import (
    can_manage_movements,
    officer_required,
    viewer_required,
)

from . import selectors, services
from .forms import (
    ArrivalForm,
    BoardFilterForm,
    BookingForm,
    CancelForm,
    CheckInForm,
    DepartureForm,
    EscortForm,
    NoShowForm,
    TicketsForm,
)

DEFAULT_CLOSING_DAYS = 14
BOARD_ROWS = 50
PAGE_SIZE = 50


def _refusal_to_form(form, error: ApplicationError) -> None:
    if isinstance(error, TransitionRefused):
        for reason in error.reasons:
            form.add_error(None, reason)
    else:
        form.add_application_error(error)


@require_GET
@viewer_required
def board(request):
    """Cases ready to book with their windows, windows closing soon, booked flights."""
    form = BoardFilterForm(request.GET or None)
    filters = selectors.BoardFilters(closing_within_days=DEFAULT_CLOSING_DAYS)
    if form.is_valid():
        data = form.cleaned_data
        filters.destination_id = data["destination"]
        filters.location_id = data["location"]
        if data["days"] is not None:
            filters.closing_within_days = data["days"]
    today = timezone.localdate()
    sections = selectors.board_sections(filters=filters, limit=BOARD_ROWS)
    urls = _UrlPatterns()
    context = {
        "form": form,
        "filters": filters,
        "today": today,
        "ready": [BoardRow.of(w, urls) for w in sections["ready"]],
        "closing": [BoardRow.of(w, urls) for w in sections["closing"]],
        "booked": [
            BookedRow.of(b, urls) for b in selectors.board_booked(filters=filters, limit=BOARD_ROWS)
        ],
        "can_manage": can_manage_movements(request.user),
    }
    return render(request, "movements/board.html", context)


class _UrlPatterns:
    """The board's links, reversed once per page rather than once per row (reversing was a
    third of the page's time at 150 rows, bench_readiness)."""

    MARK = "2147483647"

    def __init__(self):
        self.case = reverse("cases:detail", args=[self.MARK])
        self.book = reverse("movements:book", args=[self.MARK])
        self.booking = reverse("movements:booking", args=[self.MARK])

    def of(self, pattern: str, pk: int) -> str:
        return pattern.replace(self.MARK, str(pk))


@dataclass(frozen=True, slots=True)
class BoardRow:
    """What one window row of the board shows, worked out in Python."""

    case_url: str
    book_url: str
    case_number: str
    principal: str
    travellers: int
    destination: str
    location: str
    status_label: str
    opens: str
    closes: str
    reason: str
    needs_medical_escort: bool

    @classmethod
    def of(cls, window, urls: _UrlPatterns) -> "BoardRow":
        return cls(
            case_url=urls.of(urls.case, window.case_id),
            book_url=urls.of(urls.book, window.case_id),
            case_number=window.case_number,
            principal=window.principal,
            travellers=window.travellers,
            destination=window.destination,
            location=window.location,
            status_label=window.status_label,
            opens=window.opens.isoformat() if window.opens else "",
            closes=window.closes.isoformat() if window.closes else "",
            reason=window.closing_reason,
            needs_medical_escort=window.needs_medical_escort,
        )


@dataclass(frozen=True, slots=True)
class BookedRow:
    case_url: str
    booking_url: str
    case_number: str
    principal: str
    travellers: int
    flight_date: str
    reference: str
    status_label: str
    destination: str
    location: str

    @classmethod
    def of(cls, booking, urls: _UrlPatterns) -> "BookedRow":
        return cls(
            case_url=urls.of(urls.case, booking.case_id),
            booking_url=urls.of(urls.booking, booking.pk),
            case_number=booking.case.case_number,
            principal=booking.principal or "",
            travellers=booking.traveller_count or 0,
            flight_date=booking.departure_date.isoformat(),
            reference=booking.booking_reference,
            status_label=BookingStatus(booking.status).label,
            destination=booking.case.destination_country.name,
            location=booking.case.location.name,
        )


@require_GET
@viewer_required
def booking_list(request):
    """Every booking, newest flight first, cancelled ones too."""
    status = request.GET.get("status", "")
    bookings = selectors.booking_list(user=request.user)
    if status in BookingStatus.values:
        bookings = bookings.filter(status=status)
    else:
        status = ""  # an unknown status (or a NUL byte PostgreSQL refuses) filters nothing
    page = Paginator(bookings, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "movements/booking_list.html",
        {"page": page, "status": status, "statuses": BookingStatus.choices},
    )


def _visible_case_or_404(user, pk) -> Case:
    return get_object_or_404(
        case_visible_to(user).select_related("destination_country", "programme", "location"),
        pk=pk,
    )


# The days the readiness rules can reckon with (they count back and forth from the day; the
# first and last days of the calendar overflow): the API's range of dates.
EARLIEST_DAY = datetime.date(FIRST_YEAR, 1, 1)
LATEST_DAY = datetime.date(LAST_YEAR, 12, 31)


def _day_param(request, default: datetime.date) -> datetime.date:
    try:
        day = datetime.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return default
    return day if EARLIEST_DAY <= day <= LATEST_DAY else default


@require_http_methods(["GET", "POST"])
@officer_required
def book(request, pk):
    """The booking form of one case, with its readiness on the chosen date."""
    case = _visible_case_or_404(request.user, pk)
    members = list(case.members.all())
    window = selectors.travel_window(case)
    default_day = window.opens if window and window.is_open else timezone.localdate()
    day = _day_param(request, default_day)
    form = BookingForm(request.POST or None, members=members)
    status = 200
    if request.method == "POST" and "check_airports" in request.POST:
        pass  # Only the airports found from the codes, shown to confirm: nothing is booked.
    elif request.method == "POST":
        if form.is_valid():
            try:
                booking = services.booking_create(
                    actor=request.user, case=case, **form.service_input()
                )
            except ApplicationError as error:
                _refusal_to_form(form, error)
            else:
                messages.success(request, _("The case is booked."))
                return redirect(booking.get_absolute_url())
        status = 400
    readiness = selectors.case_readiness(case, day=day)
    context = {"case": case, "form": form, "readiness": readiness, "day": day, "window": window}
    return render(request, "movements/booking_form.html", context, status=status)


def _booking_or_404(request, pk):
    return get_object_or_404(selectors.booking_list(user=request.user), pk=pk)


def _booking_page(request, booking, status=200, **forms):
    travellers = list(booking.travellers.all())
    segments = list(booking.segments.all())
    context = {
        "booking": booking,
        "case": booking.case,
        "segments": segments,
        "travellers": travellers,
        "transit": booking.transit_stays.order_by("-checked_in_at"),
        "can_manage": can_manage_movements(request.user),
        "today": timezone.localdate(),
        "tickets_form": forms.get("tickets_form")
        or TicketsForm(
            travellers=travellers,
            initial={"booking_reference": booking.booking_reference, "status": booking.status},
        ),
        "cancel_form": forms.get("cancel_form") or CancelForm(),
        "departure_form": forms.get("departure_form")
        or DepartureForm(
            travellers=travellers,
            initial={"departed_at": selectors.departure_time_default(booking, segments)},
        ),
        "no_show_form": forms.get("no_show_form") or NoShowForm(),
        "arrival_form": forms.get("arrival_form")
        or ArrivalForm(
            initial={
                "arrived_on": timezone.localdate(),
                "airport": segments[-1].to_airport if segments else "",
            }
        ),
        "escort_form": forms.get("escort_form") or EscortForm(),
        "checkin_form": forms.get("checkin_form") or CheckInForm(),
    }
    return render(request, "movements/booking_detail.html", context, status=status)


@require_GET
@viewer_required
def booking_detail(request, pk):
    return _booking_page(request, _booking_or_404(request, pk))


def _act(request, pk, form_class, name, action, success, form_kwargs=None):
    """Run one write of the booking page: parse, call the service, redirect or show the error."""
    booking = _booking_or_404(request, pk)
    form = form_class(request.POST, **(form_kwargs(booking) if form_kwargs else {}))
    if form.is_valid():
        try:
            action(booking, form)
        except NotPermitted:
            raise PermissionDenied from None
        except ApplicationError as error:
            _refusal_to_form(form, error)
        else:
            messages.success(request, success)
            return redirect(booking.get_absolute_url())
    booking = _booking_or_404(request, pk)
    return _booking_page(request, booking, status=400, **{name: form})


@require_POST
@officer_required
def booking_tickets(request, pk):
    def action(booking, form):
        services.booking_update(
            actor=request.user,
            booking=booking,
            tickets=form.tickets(),
            booking_reference=form.cleaned_data["booking_reference"],
            status=form.cleaned_data["status"],
        )

    return _act(
        request,
        pk,
        TicketsForm,
        "tickets_form",
        action,
        _("The booking is saved."),
        form_kwargs=lambda b: {"travellers": list(b.travellers.all())},
    )


@require_POST
@officer_required
def booking_cancel(request, pk):
    def action(booking, form):
        services.booking_cancel(
            actor=request.user, booking=booking, reason=form.cleaned_data["reason"]
        )

    return _act(
        request,
        pk,
        CancelForm,
        "cancel_form",
        action,
        _("The booking is cancelled; the case is ready to travel again."),
        form_kwargs=None,
    )


@require_POST
@officer_required
def departure(request, pk):
    def action(booking, form):
        services.departure_record(actor=request.user, booking=booking, **form.service_input())

    return _act(
        request,
        pk,
        DepartureForm,
        "departure_form",
        action,
        _("The departure is recorded."),
        form_kwargs=lambda b: {"travellers": list(b.travellers.select_related("individual"))},
    )


@require_POST
@officer_required
def no_show(request, pk):
    def action(booking, form):
        services.no_show_record(
            actor=request.user, booking=booking, reason=form.cleaned_data["reason"]
        )

    return _act(
        request,
        pk,
        NoShowForm,
        "no_show_form",
        action,
        _("The no-show is recorded: the household is back to ready to travel."),
        form_kwargs=None,
    )


@require_POST
@officer_required
def arrival(request, pk):
    def action(booking, form):
        services.arrival_record(actor=request.user, booking=booking, **form.cleaned_data)

    return _act(
        request,
        pk,
        ArrivalForm,
        "arrival_form",
        action,
        _("The arrival and handover are recorded."),
        form_kwargs=None,
    )


@require_POST
@officer_required
def escort_add(request, pk):
    def action(booking, form):
        services.escort_assign(actor=request.user, booking=booking, **form.cleaned_data)

    return _act(
        request,
        pk,
        EscortForm,
        "escort_form",
        action,
        _("The escort is assigned."),
        form_kwargs=None,
    )


@require_POST
@officer_required
def escort_remove(request, pk):
    escort = get_object_or_404(
        Escort.objects.select_related("booking__case", "travel_group"), pk=pk
    )
    target = escort.booking.get_absolute_url() if escort.booking_id else "movements:escorts"
    try:
        services.escort_remove(actor=request.user, escort=escort)
    except ApplicationError as refusal:
        messages.error(request, str(refusal.message))
    else:
        messages.success(request, _("The escort is removed."))
    return redirect(target)


@require_POST
@officer_required
def transit_check_in(request, pk):
    def action(booking, form):
        services.transit_check_in(
            actor=request.user,
            case=booking.case,
            centre=form.cleaned_data["centre"],
            checked_in_at=form.cleaned_data["checked_in_at"],
            recorded_after_the_fact=form.cleaned_data["recorded_after_the_fact"],
        )

    return _act(
        request,
        pk,
        CheckInForm,
        "checkin_form",
        action,
        _("The household is checked in."),
        form_kwargs=None,
    )


@require_POST
@officer_required
def transit_check_out(request, pk):
    stay = get_object_or_404(TransitStay, pk=pk)
    try:
        services.transit_check_out(actor=request.user, stay=stay)
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The household is checked out."))
    return redirect("movements:transit")


@require_GET
@viewer_required
def transit(request):
    """Households at the transit centre now, and the latest stays."""
    current = list(selectors.transit_stays(current_only=True)[:200])
    recent = list(selectors.transit_stays().filter(checked_out_at__isnull=False)[:50])
    return render(
        request,
        "movements/transit.html",
        {"current": current, "recent": recent, "can_manage": can_manage_movements(request.user)},
    )


@require_GET
@viewer_required
def escorts(request):
    """Escorts of the bookings still to fly, the next flight first."""
    rows = selectors.upcoming_escorts()
    return render(
        request,
        "movements/escorts.html",
        {"escorts": rows, "can_manage": can_manage_movements(request.user)},
    )
