"""The dashboard: my cases by status, and the cases that have waited longest in each open stage."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from cases.choices import OPEN_STATES, CaseStatus
from cases.selectors import case_longest_waiting, case_status_counts_for, case_visible_to
from core.roles import Role, can_edit_household, has_role

from .access import mission_staff_required

# Statuses in which a case waits on someone at the mission (the dashboard's "waiting longest").
WAITING_STATES = [s for s in CaseStatus if s in OPEN_STATES or s == CaseStatus.ON_HOLD]
WAITING_PER_STATUS = 5


@mission_staff_required
@require_GET
def dashboard(request):
    """My cases by status, and the cases that have waited longest in each open stage."""
    user = request.user
    # A manager's landing page is the figures (the reports app, reached by its URL name only).
    if has_role(user, Role.MANAGER) and not can_edit_household(user):
        return redirect("reports:dashboard")
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
