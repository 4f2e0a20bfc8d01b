"""The start pages: "/" sends each role to its work (core.landing); the caseworker's desk (my
cases by status, and the cases that have waited longest in each open stage); and a partner
system's page saying what its organisation may see."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from cases.choices import OPEN_STATES, CaseStatus
from cases.selectors import (
    case_longest_waiting,
    case_status_counts_for,
    case_visible_to,
    partner_scope_summary,
)
from core.landing import DESK, landing_page_name
from core.roles import Role, has_role

from .access import mission_staff_required

# Statuses in which a case waits on someone at the mission (the dashboard's "waiting longest").
WAITING_STATES = [s for s in CaseStatus if s in OPEN_STATES or s == CaseStatus.ON_HOLD]
WAITING_PER_STATUS = 5


@login_required
@require_GET
def dashboard(request):
    """Each role's start page (core.landing) by redirect; the desk itself for caseworkers and
    administrators: my cases by status, and the cases that have waited longest in each stage."""
    landing = landing_page_name(request.user)
    if landing != DESK:
        return redirect(landing)
    return _desk(request)


@mission_staff_required
def _desk(request):
    user = request.user
    list_url = reverse("cases:list")
    mine = case_status_counts_for(
        user=user,
        filters={"caseworker": user},
        matching=case_visible_to(user).filter(caseworker=user),
    )
    my_statuses = [
        {
            "status": status,
            "count": mine[status.value],
            "url": f"{list_url}?{urlencode({'caseworker': user.pk, 'status': status.value})}",
        }
        for status in CaseStatus
        if mine.get(status.value)
    ]
    waiting = case_longest_waiting(
        user=user, statuses=WAITING_STATES, per_status=WAITING_PER_STATUS
    )
    stages = []
    for status in WAITING_STATES:
        cases = [c for c in waiting if c.status == status]
        if cases:
            query = urlencode({"status": status.value, "sort": "status_changed_at"})
            stages.append({"status": status, "cases": cases, "url": f"{list_url}?{query}"})
    return render(
        request,
        "cases/dashboard.html",
        {
            "my_statuses": my_statuses,
            "my_total": sum(mine.values()),
            "my_cases_url": f"{list_url}?{urlencode({'caseworker': user.pk})}",
            "stages": stages,
            "now": timezone.now(),
        },
    )


@login_required
@require_GET
def partner_scope(request):
    """A partner system's account, signed in to the site: what its organisation may see through
    the API (the same scope the API applies), instead of a refusal."""
    if not has_role(request.user, Role.PARTNER_SYSTEM):
        raise PermissionDenied
    return render(
        request, "cases/partner_scope.html", {"summary": partner_scope_summary(request.user)}
    )
