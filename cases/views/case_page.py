"""The case page (household, timeline, panels of other apps) and its workflow steps."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases.choices import CaseStatus
from cases.forms import StepForm
from cases.models import Case
from cases.panels import panels_for
from cases.selectors import case_timeline
from cases.workflow import case_transition, refusals, step_options
from core.errors import NotPermitted, TransitionRefused
from core.roles import can_edit_household

from .access import mission_staff_required, visible_case_or_404


@mission_staff_required
@require_GET
def case_detail_view(request, pk):
    return _render_case_page(request, visible_case_or_404(request.user, pk))


# Events on one page of a case's timeline; older ones are a link away.
TIMELINE_PER_PAGE = 25


def _render_case_page(request, case: Case, *, status: int = 200):
    members = list(case.members.all())
    timeline = Paginator(case_timeline(case), TIMELINE_PER_PAGE).get_page(
        request.GET.get("timeline_page")
    )
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "members": members,
            "member_names": {m.pk: m.full_name for m in members},
            "timeline": timeline,
            "panels": panels_for(case, request.user),
            "steps": _step_choices(case, request.user),
            "can_edit": can_edit_household(request.user),
            "today": timezone.localdate(),
        },
        status=status,
    )


def _step_choices(case: Case, user) -> list[dict]:
    """The next steps this user could take, each allowed or blocked with its reasons.

    A step that needs a fact typed in with it (a departure date) is judged as if that fact were
    given for today; the date actually typed is checked again when the step is taken.
    """
    choices = []
    for option in step_options(case, user):
        step = option.transition
        reasons = option.reasons
        if "departure_date" in step.needs:
            reasons = refusals(step, case, user, {"departure_date": timezone.localdate()})
        # Only steps that go "back to where the case was" need their target spelled out.
        target = case.resume_status if step.target is None else ""
        choices.append(
            {
                "name": step.name,
                "label": option.label,
                "allowed": not reasons,
                "reasons": reasons,
                "target": CaseStatus(target).label if target else "",
                "asks_reason": step.reason_required,
                "asks_departure_date": "departure_date" in step.needs,
            }
        )
    return choices


@mission_staff_required
@require_POST
def case_step_view(request, pk):
    """Take one workflow step. A refusal changes nothing and says why, on the case page."""
    case = visible_case_or_404(request.user, pk)
    form = StepForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for message in errors:
                messages.error(request, f"{label}: {message}" if label else message)
        return _render_case_page(request, case, status=400)
    step = form.cleaned_data["transition"]
    label = dict(form.fields["transition"].choices)[step]
    try:
        case_transition(
            case=case,
            transition=step,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            context=form.context(),
            expected_status=form.cleaned_data["expected_status"],
        )
    except NotPermitted as refusal:
        messages.error(request, str(refusal.message))
        return _render_case_page(request, case, status=403)
    except TransitionRefused as refusal:
        for reason in refusal.reasons:
            messages.error(
                request,
                _("“%(step)s” was not done: %(reason)s") % {"step": label, "reason": reason},
            )
        return _render_case_page(request, case, status=409)
    messages.success(
        request,
        _("“%(step)s” done: the case is now “%(status)s”.")
        % {"step": label, "status": case.get_status_display()},
    )
    return redirect(case)
