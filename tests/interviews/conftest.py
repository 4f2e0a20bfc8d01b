import datetime

import pytest
from django.utils import timezone

from cases.choices import CaseStatus
from cases.models import Case, CaseEvent, Country, Interview, PartnerProfile
from tests.api_clients import bearer_client, session_client  # noqa: F401 (re-exported)
from tests.factories import CaseFactory, InterviewFactory


def case_in(status, **kwargs) -> Case:
    """A case put directly into `status` (set-up only; the app moves cases by the workflow)."""
    case = CaseFactory(**kwargs)
    resume = (
        CaseStatus.PRE_SCREENING if status in (CaseStatus.ON_HOLD, CaseStatus.WITHDRAWN) else ""
    )
    Case.objects.filter(pk=case.pk).update(status=status, resume_status=resume)
    case.refresh_from_db()
    return case


def held_interview(case=None, **kwargs) -> Interview:
    """An interview whose time has passed (yesterday), still marked scheduled."""
    kwargs.setdefault("scheduled_for", timezone.now() - datetime.timedelta(days=1))
    return InterviewFactory(case=case or CaseFactory(), **kwargs)


def snapshot(case: Case) -> dict:
    """What a refused action must leave untouched: the case, its interviews, its timeline."""
    case.refresh_from_db()
    return {
        "status": case.status,
        "resume_status": case.resume_status,
        "interviews": list(
            Interview.objects.filter(case=case)
            .order_by("id")
            .values_list("id", "outcome", "decision", "decided_on", "notes", "recorded_by")
        ),
        "events": CaseEvent.objects.filter(case=case).count(),
    }


@pytest.fixture
def canada_partner(partner):
    """A receiving country's mission: sees only cases going to Canada."""
    PartnerProfile.objects.create(
        user=partner, organisation="Canadian mission", country=Country.objects.get(iso_code="CAN")
    )
    return partner
