"""Reads of interviews, scoped to what the user may see (the cases they may see)."""

from __future__ import annotations

import datetime

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from cases.choices import InterviewOutcome, Relationship
from cases.models import Case, Individual, Interview
from cases.selectors import case_visible_to
from core.roles import Role, has_role, is_staff_member


def interview_visible_to(user) -> QuerySet[Interview]:
    """Every interview of a case `user` may see; none for users without a role that reads them."""
    if not (is_staff_member(user) or has_role(user, Role.PARTNER_SYSTEM)):
        return Interview.objects.none()
    cases = case_visible_to(user)
    if not cases.query.has_filters():
        # The user sees every case: no need to join them.
        return Interview.objects.all()
    return Interview.objects.filter(case__in=cases)


def interview_list(*, user) -> QuerySet[Interview]:
    """Interviews for a list, with what a row shows (the case, its principal applicant, who
    recorded the outcome) loaded in a fixed number of queries: the page, and the principals."""
    return (
        interview_visible_to(user)
        .select_related("case", "case__destination_country", "case__location", "recorded_by")
        .prefetch_related(
            Prefetch(
                "case__members",
                queryset=Individual.objects.filter(relationship=Relationship.PRINCIPAL_APPLICANT),
                to_attr="principals",
            )
        )
    )


def interview_detail(*, user, pk: int) -> Interview:
    """One interview the user may see; Interview.DoesNotExist otherwise."""
    return (
        interview_visible_to(user)
        .select_related("case", "case__destination_country", "recorded_by")
        .get(pk=pk)
    )


def case_for_scheduling(*, user, pk: int) -> Case:
    """A case the user may see, to schedule an interview for; Case.DoesNotExist otherwise."""
    return case_visible_to(user).get(pk=pk)


def case_interviews(case: Case) -> QuerySet[Interview]:
    """The interviews of one case, latest first (one query)."""
    return case.interviews.select_related("recorded_by").order_by("-scheduled_for", "-id")


def upcoming(qs: QuerySet[Interview], *, now: datetime.datetime | None = None):
    """Interviews still to take place, soonest first (a rescheduled one has its successor)."""
    return qs.filter(
        scheduled_for__gte=now or timezone.now(), outcome=InterviewOutcome.SCHEDULED
    ).order_by("scheduled_for", "id")


def past(qs: QuerySet[Interview], *, now: datetime.datetime | None = None):
    """Interviews whose time has passed, latest first."""
    return qs.filter(scheduled_for__lt=now or timezone.now()).order_by("-scheduled_for", "-id")


def start_of_day(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of `day` in the office's zone (Africa/Kigali)."""
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time.min), timezone.get_default_timezone()
    )
