"""A search of a common term walks the cases in the list's order and counts its matches only up
to a cap; a rare term's matches are collected and counted by status. Both find the same cases in
the same order (selectors.case_search)."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from cases import selectors
from cases.choices import CaseStatus
from cases.models import Case
from cases.selectors import case_search, case_search_q
from tests.factories import CaseFactory, IndividualFactory

LIST = reverse("cases:list")


@pytest.fixture
def households(db):
    """Cases whose members match "mu" by family name, given name, individual number, or not at
    all, in several statuses, plus cases matching by their own numbers."""
    made = []
    for n, status in enumerate([CaseStatus.REFERRED, CaseStatus.PRE_SCREENING] * 4):
        case = CaseFactory(status=status, principal__family_name=f"Mugisha{n}")
        made.append(case)
    made.append(CaseFactory(principal__family_name="Uwase", principal__given_name="Mukamana"))
    with_member = CaseFactory(principal__family_name="Habimana", principal__given_name="Eric")
    IndividualFactory(case=with_member, family_name="Musoni", given_name="Ange")
    made.append(with_member)
    made.append(CaseFactory(principal__unhcr_individual_number="MU-I-0001"))
    made.append(CaseFactory(unhcr_case_number="MU-24-000001"))
    CaseFactory.create_batch(
        3, principal__family_name="Ndayisenga", principal__given_name="Olivier"
    )
    return made


@pytest.mark.parametrize(
    "term", ["mu", "MU", "Mú", "mug", "mugisha3", "musoni", "mu-", "nday", "zz", "  mu  "]
)
def test_walked_and_collected_searches_find_the_same_cases_in_the_same_order(households, term):
    order = ("-referral_date", "-id")
    walked = Case.objects.filter(case_search_q(term, common=True)).order_by(*order)
    collected = Case.objects.filter(case_search_q(term, common=False)).order_by(*order)
    assert list(walked.values_list("pk", flat=True)) == list(collected.values_list("pk", flat=True))


def test_mu_matches_every_household_it_names(households):
    found = set(Case.objects.filter(case_search_q("mu")).values_list("pk", flat=True))
    assert found == {case.pk for case in households}


def test_the_way_is_chosen_by_how_many_index_entries_match(households, monkeypatch):
    monkeypatch.setattr(selectors, "SEARCH_COMMON_MATCHES", 5)
    assert case_search("mu").common is True  # 13 entries
    assert case_search("nday").common is False  # 3
    assert case_search("zz").common is False
    assert case_search("").common is False


@pytest.mark.parametrize(
    "sort", ["", "referral_date", "case_number", "-status_changed_at", "urgency"]
)
def test_the_list_shows_the_same_pages_whichever_way_it_searches(
    client, manager, households, monkeypatch, sort
):
    households += CaseFactory.create_batch(20, principal__family_name="Mutesi")
    client.force_login(manager)
    pages = {}
    for way, threshold in (("walked", 1), ("collected", 10**9)):
        monkeypatch.setattr(selectors, "SEARCH_COMMON_MATCHES", threshold)
        pages[way] = [
            [
                row.case_number
                for row in client.get(LIST, {"q": "mu", "sort": sort, "page": page}).context["rows"]
            ]
            for page in (1, 2)
        ]
    assert pages["walked"] == pages["collected"]
    assert sum(len(p) for p in pages["walked"]) == len(households)


def test_a_common_search_counts_up_to_the_cap_and_says_more(
    client, manager, households, monkeypatch
):
    monkeypatch.setattr(selectors, "SEARCH_COMMON_MATCHES", 1)
    monkeypatch.setattr(selectors, "SEARCH_COUNT_CAP", 4)
    client.force_login(manager)

    response = client.get(LIST, {"q": "mu", "per_page": 5})

    assert response.status_code == 200
    assert response.context["more_than"] == 4
    assert response.context["page"].paginator.count == 4
    assert len(response.context["rows"]) == 4
    assert response.context["status_counts"] == []  # not counted by status past the cap
    assert "More than 4 cases match" in response.content.decode()


def test_a_common_search_under_the_cap_says_the_exact_number(
    client, manager, households, monkeypatch
):
    monkeypatch.setattr(selectors, "SEARCH_COMMON_MATCHES", 1)
    client.force_login(manager)

    response = client.get(LIST, {"q": "mu", "status": CaseStatus.PRE_SCREENING})

    assert response.context["more_than"] is None
    assert response.context["page"].paginator.count == 4
    assert {row.status for row in response.context["rows"]} == {CaseStatus.PRE_SCREENING}
    assert "More than" not in response.content.decode()


def test_a_rare_search_is_counted_by_status(client, manager, households):
    client.force_login(manager)

    response = client.get(LIST, {"q": "mugisha"})

    counts = {row["status"]: row["count"] for row in response.context["status_counts"]}
    assert counts == {CaseStatus.REFERRED: 4, CaseStatus.PRE_SCREENING: 4}
    assert response.context["more_than"] is None


def test_a_common_search_keeps_the_query_count(
    client, manager, households, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(selectors, "SEARCH_COMMON_MATCHES", 1)
    client.force_login(manager)
    client.get(LIST)

    # As many as a rare term's page: the capped count in place of the GROUP BY by status.
    with django_assert_num_queries(12):
        response = client.get(LIST, {"q": "mu"})
    assert response.context["page"].paginator.count == len(households)


def test_the_api_counts_every_match_of_a_common_term(caseworker, households, monkeypatch):
    monkeypatch.setattr(selectors, "SEARCH_COMMON_MATCHES", 1)
    monkeypatch.setattr(selectors, "SEARCH_COUNT_CAP", 2)
    api = APIClient()
    api.force_login(caseworker)
    response = api.get("/api/v1/cases/", {"q": "mu"})
    assert response.status_code == 200
    assert response.json()["count"] == len(households)
