"""The caseworker's dashboard: my cases by status and the cases waiting longest per stage."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.choices import CaseStatus
from tests.factories import CaseFactory, user_with_role

DASHBOARD = reverse("cases:dashboard")


def test_my_cases_are_counted_by_status_with_links_to_the_list(client, caseworker):
    other = user_with_role("caseworker", username="other")
    CaseFactory.create_batch(2, caseworker=caseworker)
    CaseFactory(caseworker=caseworker, status=CaseStatus.ON_HOLD, resume_status="referred")
    CaseFactory.create_batch(3, caseworker=other)
    client.force_login(caseworker)

    response = client.get(DASHBOARD)

    counts = {row["status"]: row["count"] for row in response.context["my_statuses"]}
    assert counts == {CaseStatus.REFERRED: 2, CaseStatus.ON_HOLD: 1}
    assert response.context["my_total"] == 3
    page = response.content.decode()
    assert f"/cases/?caseworker={caseworker.pk}&amp;status=referred" in page
    list_page = client.get(f"/cases/?caseworker={caseworker.pk}&status=referred")
    assert list_page.context["page"].paginator.count == 2


def test_the_cases_waiting_longest_are_shown_per_stage(client, caseworker):
    now = timezone.now()
    referred = [
        CaseFactory(status_changed_at=now - datetime.timedelta(days=days))
        for days in (1, 40, 10, 90, 5, 60, 20)
    ]
    screening = CaseFactory(
        status=CaseStatus.PRE_SCREENING, status_changed_at=now - datetime.timedelta(days=3)
    )
    CaseFactory(status=CaseStatus.CLOSED, status_changed_at=now - datetime.timedelta(days=900))
    client.force_login(caseworker)

    response = client.get(DASHBOARD)

    stages = {s["status"]: [c.pk for c in s["cases"]] for s in response.context["stages"]}
    by_wait = sorted(referred, key=lambda c: c.status_changed_at)
    assert stages[CaseStatus.REFERRED] == [c.pk for c in by_wait[:5]]
    assert stages[CaseStatus.PRE_SCREENING] == [screening.pk]
    assert CaseStatus.CLOSED not in stages
    assert "/cases/?status=referred&amp;sort=status_changed_at" in response.content.decode()


@pytest.mark.parametrize("cases", [2, 25])
def test_the_dashboard_query_count_does_not_grow_with_cases(
    client, caseworker, django_assert_num_queries, cases
):
    for index in range(cases):
        status = [CaseStatus.REFERRED, CaseStatus.PRE_SCREENING, CaseStatus.APPROVED][index % 3]
        CaseFactory(caseworker=caseworker, status=status, members=1)
    client.force_login(caseworker)
    client.get(DASHBOARD)

    # session, user, roles, my counts (from the tally), the ids of the cases waiting longest
    # (one UNION of a short scan per status), those cases (with their principal applicants),
    # their camps, destinations and caseworkers.
    with django_assert_num_queries(9):
        response = client.get(DASHBOARD)
    assert response.status_code == 200
    assert response.context["my_total"] == cases


def test_a_partner_system_account_is_sent_to_its_scope_page_not_refused(client, partner):
    client.force_login(partner)
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:partner_scope")
