"""Interview pages: the schedule list, and the forms to schedule, reschedule and record.

Thin: check the role, load through a selector (404 for what the user may not see), call a
service, show its refusal beside the field it names.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from cases.errors import ApplicationError, show_on_form
from cases.models import Case, Interview

from .filters import WHEN_CHOICES, InterviewFilter
from .forms import (
    InterviewOutcomeForm,
    InterviewRescheduleForm,
    InterviewScheduleForm,
)
from .permissions import can_schedule_interview, can_view_interview_pages
from .selectors import case_for_scheduling, interview_detail, interview_list
from .services import interview_record_outcome, interview_reschedule, interview_schedule

PAGE_SIZE = 25


def _case_interviews_url(case_id: int) -> str:
    """Where a form returns: the schedule list showing every interview of the case."""
    return f"{reverse('interviews:list')}?{urlencode({'case': case_id, 'when': 'all'})}"


def _visible_interview(user, pk: int) -> Interview:
    try:
        return interview_detail(user=user, pk=pk)
    except Interview.DoesNotExist as error:
        raise Http404 from error


@login_required
def interview_list_page(request):
    if not can_view_interview_pages(request.user):
        raise PermissionDenied
    data = request.GET.copy()
    data.setdefault("when", "upcoming")
    filterset = InterviewFilter(data, queryset=interview_list(user=request.user))
    page_obj = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "interviews/list.html",
        {
            "filter": filterset,
            "page_obj": page_obj,
            "when_choices": WHEN_CHOICES,
            "may_record": can_schedule_interview(request.user),
        },
    )


@login_required
def interview_schedule_page(request, case_pk: int):
    if not can_schedule_interview(request.user):
        raise PermissionDenied
    try:
        case = case_for_scheduling(user=request.user, pk=case_pk)
    except Case.DoesNotExist as error:
        raise Http404 from error
    form = InterviewScheduleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            interview_schedule(actor=request.user, case=case, **form.cleaned_data)
        except ApplicationError as error:
            show_on_form(form, error)
        else:
            messages.success(request, _("The interview is scheduled."))
            return redirect(_case_interviews_url(case.pk))
    return render(request, "interviews/schedule_form.html", {"form": form, "case": case})


@login_required
def interview_reschedule_page(request, pk: int):
    if not can_schedule_interview(request.user):
        raise PermissionDenied
    interview = _visible_interview(request.user, pk)
    initial = {"venue": interview.venue, "interviewer": interview.interviewer}
    form = InterviewRescheduleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            interview_reschedule(actor=request.user, interview=interview, **form.cleaned_data)
        except ApplicationError as error:
            show_on_form(form, error)
        else:
            messages.success(request, _("The interview is rescheduled."))
            return redirect(_case_interviews_url(interview.case_id))
    return render(
        request, "interviews/reschedule_form.html", {"form": form, "interview": interview}
    )


@login_required
def interview_outcome_page(request, pk: int):
    # Partner systems send decisions through the API; in the browser, caseworkers record.
    if not can_schedule_interview(request.user):
        raise PermissionDenied
    interview = _visible_interview(request.user, pk)
    form = InterviewOutcomeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            interview_record_outcome(actor=request.user, interview=interview, **form.cleaned_data)
        except ApplicationError as error:
            show_on_form(form, error)
        else:
            messages.success(request, _("The interview's outcome is recorded."))
            return redirect(_case_interviews_url(interview.case_id))
    return render(request, "interviews/outcome_form.html", {"form": form, "interview": interview})
