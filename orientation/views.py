"""Orientation pages: the list of sessions, a session with its attendance sheet, planning,
enrolling a case and recording a day. Facilitators and administrators change; caseworkers
and managers look."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.selectors import case_visible_to
from core.errors import ApplicationError, show_on_form

from . import selectors, services
from .choices import SessionStatus
from .forms import CancelForm, EnrollForm, SessionPlanForm
from .models import OrientationSession
from .permissions import can_manage_orientation, can_view_orientation

PAGE_SIZE = 50


def _require_view(user):
    if not can_view_orientation(user):
        raise PermissionDenied


def _require_manage(user):
    if not can_manage_orientation(user):
        raise PermissionDenied


def _session_or_404(user, pk):
    try:
        return selectors.session_detail(user=user, pk=pk)
    except OrientationSession.DoesNotExist as error:
        raise Http404 from error


@login_required
def session_list(request):
    _require_view(request.user)
    when = "past" if request.GET.get("when") == "past" else "upcoming"
    page = Paginator(selectors.session_list(user=request.user, when=when), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "orientation/session_list.html",
        {"page": page, "when": when, "can_manage": can_manage_orientation(request.user)},
    )


@login_required
def session_plan(request):
    _require_manage(request.user)
    form = SessionPlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        days = data["number_of_days"] or data["curriculum"].number_of_days
        try:
            session = services.session_plan(
                actor=request.user,
                curriculum=data["curriculum"],
                start_date=data["start_date"],
                day_dates=[data["start_date"] + datetime.timedelta(days=n) for n in range(days)],
                venue=data["venue"],
                group=data["group"],
                language=data["language"],
                facilitator=data["facilitator"],
                capacity=data["capacity"],
            )
        except ApplicationError as error:
            show_on_form(form, error, fields={"day_dates": "number_of_days"})
        else:
            messages.success(request, _("The session is planned."))
            return redirect(session)
    return render(request, "orientation/session_plan.html", {"form": form})


@login_required
def session_detail(request, pk):
    _require_view(request.user)
    session = _session_or_404(request.user, pk)
    return _render_detail(request, session)


@login_required
@require_POST
def session_enroll(request, pk):
    _require_manage(request.user)
    session = _session_or_404(request.user, pk)
    form = EnrollForm(request.POST)
    if form.is_valid():
        case = selectors.case_by_number(
            user=request.user, case_number=form.cleaned_data["case_number"]
        )
        if case is None:
            form.add_error("case_number", _("No case has this internal case number."))
        else:
            try:
                enrolled = services.enrollment_add(actor=request.user, session=session, case=case)
            except ApplicationError as error:
                show_on_form(form, error, fields=ENROLL_FIELDS)
            else:
                messages.success(
                    request,
                    _("Case %(case)s enrolled: %(count)d people.")
                    % {"case": case.case_number, "count": len(enrolled)},
                )
                return redirect(session)
    return _render_detail(request, session, enroll_form=form, status=400)


@login_required
@require_POST
def enrollment_remove(request, pk, case_pk):
    _require_manage(request.user)
    session = _session_or_404(request.user, pk)
    case = case_visible_to(request.user).filter(pk=case_pk).first()
    if case is None:
        raise Http404
    try:
        removed = services.enrollment_remove(actor=request.user, session=session, case=case)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Case %(case)s taken out of the session: %(count)d people.")
            % {"case": case.case_number, "count": removed},
        )
    return redirect(session)


@login_required
@require_POST
def attendance_record(request, pk, number):
    _require_manage(request.user)
    session = _session_or_404(request.user, pk)
    try:
        present = [int(value) for value in request.POST.getlist("present")]
    except ValueError:
        return _render_detail(
            request, session, day_errors={number: _("Tick people from the list.")}, status=400
        )
    try:
        services.attendance_record(
            actor=request.user, session=session, day_number=number, present=present
        )
    except ApplicationError as error:
        return _render_detail(request, session, day_errors={number: error.message}, status=400)
    messages.success(request, _("Attendance for day %(number)d saved.") % {"number": number})
    return redirect(session)


@login_required
def attendance_day(request, pk, number):
    """One day's attendance on one screen: every enrolled person with a checkbox, one submit
    (the same service as the API's POST …/attendance/)."""
    _require_manage(request.user)
    session = _session_or_404(request.user, pk)
    day = next((d for d in session.days.all() if d.number == number), None)
    if day is None:
        raise Http404
    error, status, ticked = None, 200, None
    if request.method == "POST":
        try:
            ticked = {int(value) for value in request.POST.getlist("present")}
        except ValueError:
            error = _("Tick people from the list.")
        else:
            try:
                services.attendance_record(
                    actor=request.user, session=session, day_number=number, present=ticked
                )
            except ApplicationError as refusal:
                error = refusal.message
            else:
                messages.success(
                    request, _("Attendance for day %(number)d saved.") % {"number": number}
                )
                return redirect(session)
        status = 400
    rows = selectors.session_attendance_sheet(user=request.user, session=session)
    index = number - 1
    people = [
        (row.person, row.person.pk in ticked if ticked is not None else row.marks[index])
        for row in rows
    ]
    return render(
        request,
        "orientation/attendance_day.html",
        {
            "session": session,
            "day": day,
            "people": people,
            "error": error,
            "recordable": day.date <= timezone.localdate()
            and session.status != SessionStatus.CANCELLED,
        },
        status=status,
    )


@login_required
@require_POST
def session_cancel(request, pk):
    _require_manage(request.user)
    session = _session_or_404(request.user, pk)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.session_cancel(
                actor=request.user, session=session, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as error:
            show_on_form(form, error)
        else:
            messages.success(request, _("The session is cancelled."))
            return redirect(session)
    return _render_detail(request, session, cancel_form=form, status=400)


# The enrolment form asks for a case number only: what the service says about the case or
# the session is shown beside it.
ENROLL_FIELDS = {"case": "case_number", "session": "case_number", "non_field": "case_number"}


def _render_detail(
    request, session, *, enroll_form=None, cancel_form=None, day_errors=None, status=200
):
    rows = selectors.session_attendance_sheet(user=request.user, session=session)
    days = list(session.days.all())
    today = timezone.localdate()
    day_errors = day_errors or {}
    sheets = [
        {
            "day": day,
            "recordable": day.date <= today,
            "error": day_errors.get(day.number),
            "people": [(row.person, row.marks[i]) for row in rows],
        }
        for i, day in enumerate(days)
    ]
    return render(
        request,
        "orientation/session_detail.html",
        {
            "session": session,
            "days": days,
            "rows": rows,
            "sheets": sheets,
            "can_manage": can_manage_orientation(request.user),
            "enroll_form": enroll_form or EnrollForm(),
            "cancel_form": cancel_form or CancelForm(),
        },
        status=status,
    )
