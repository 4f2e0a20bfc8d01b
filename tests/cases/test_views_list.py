"""The case list in the browser: filters in the URL, search, sort, pages, htmx refresh, queries."""

import datetime
import html
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from cases import selectors
from cases.choices import CaseStatus, Urgency
from cases.models import Case, Country, Location
from core.roles import Role
from tests.factories import CaseFactory, IndividualFactory, user_with_role

LIST = reverse("cases:list")


@pytest.fixture(params=["collected", "walked"])
def search_way(request, monkeypatch):
    """A search test runs both ways a term's matches are found (selectors.case_search): collected
    from the indexes (a rare term) and walked case by case in the list's order (a common one)."""
    walked = request.param == "walked"
    monkeypatch.setattr(selectors, "SEARCH_COMMON_MATCHES", 1 if walked else 10**9)
    return request.param


def _numbers(response):
    return {c.unhcr_case_number for c in response.context["cases"]}


def test_the_list_shows_what_a_row_needs(client, caseworker):
    case = CaseFactory(
        principal__given_name="Amani",
        principal__family_name="Habimana",
        members=2,
        caseworker=caseworker,
        urgency=Urgency.URGENT,
    )
    client.force_login(caseworker)

    response = client.get(LIST)

    assert response.status_code == 200
    page = response.content.decode()
    case.refresh_from_db()
    for shown in (
        case.case_number,
        case.unhcr_case_number,
        "Amani Habimana",
        "Mahama",
        "United States",
        "Referred",
        "Urgent",
        "caseworker",
    ):
        assert shown in page
    assert '<td class="num">3</td>' in page


def test_the_root_address_is_the_dashboard_and_cases_the_list(client, caseworker):
    client.force_login(caseworker)
    assert client.get("/").resolver_match.view_name == "cases:dashboard"
    assert client.get("/cases/").resolver_match.view_name == "cases:list"


@pytest.mark.parametrize(
    "term",
    ["emilienne", "EMILIENNE", "Émilienne", "Emil", "nyira", "NYIRANÉZA"],
)
def test_search_finds_a_member_by_name_prefix_ignoring_accents_and_case(
    client, manager, term, search_way
):
    wanted = CaseFactory(principal__given_name="Jean", principal__family_name="Bizimana")
    IndividualFactory(case=wanted, given_name="Émilienne", family_name="Nyiranéza")
    CaseFactory(principal__given_name="Olivier", principal__family_name="Ndayisenga")
    client.force_login(manager)

    response = client.get(LIST, {"q": term})

    assert _numbers(response) == {wanted.unhcr_case_number}


def test_search_finds_unhcr_case_and_individual_numbers_and_internal_number(
    client, manager, search_way
):
    by_case = CaseFactory(unhcr_case_number="RWA-24-777001")
    by_person = CaseFactory(principal__unhcr_individual_number="RWA-I-9990001")
    by_internal = CaseFactory()
    by_internal.refresh_from_db()
    CaseFactory()
    client.force_login(manager)

    assert _numbers(client.get(LIST, {"q": "rwa-24-777"})) == {by_case.unhcr_case_number}
    assert _numbers(client.get(LIST, {"q": "RWA-I-999"})) == {by_person.unhcr_case_number}
    assert _numbers(client.get(LIST, {"q": by_internal.case_number})) == {
        by_internal.unhcr_case_number
    }


def test_filters_narrow_the_list_and_stay_in_the_url(client, manager, caseworker):
    kiziba = Location.objects.get(name="Kiziba")
    canada = Country.objects.get(iso_code="CAN")
    wanted = CaseFactory(
        location=kiziba,
        destination_country=canada,
        caseworker=caseworker,
        urgency=Urgency.EMERGENCY,
        status=CaseStatus.PRE_SCREENING,
    )
    CaseFactory(location=kiziba, destination_country=canada, urgency=Urgency.NORMAL)
    CaseFactory(urgency=Urgency.EMERGENCY, caseworker=caseworker)
    client.force_login(manager)
    query = {
        "location": kiziba.pk,
        "destination_country": canada.pk,
        "programme": wanted.programme_id,
        "caseworker": caseworker.pk,
        "urgency": Urgency.EMERGENCY,
        "status": CaseStatus.PRE_SCREENING,
    }

    response = client.get(LIST, query)

    assert _numbers(response) == {wanted.unhcr_case_number}
    page = response.content.decode()
    # The form shows the filters back (a GET form: the address can be bookmarked).
    assert 'method="get"' in page
    assert f'<option value="{kiziba.pk}" selected>' in page
    assert f'value="{CaseStatus.PRE_SCREENING}"' in page


def test_several_statuses_can_be_chosen_at_once(client, manager):
    held = CaseFactory(status=CaseStatus.ON_HOLD, resume_status=CaseStatus.REFERRED)
    denied = CaseFactory(status=CaseStatus.DENIED)
    CaseFactory()
    client.force_login(manager)

    response = client.get(f"{LIST}?status=on_hold&status=denied")

    assert _numbers(response) == {held.unhcr_case_number, denied.unhcr_case_number}


def test_counts_per_status_follow_the_other_filters_but_not_the_status_filter(client, manager):
    kiziba = Location.objects.get(name="Kiziba")
    CaseFactory.create_batch(2, location=kiziba)
    CaseFactory(location=kiziba, status=CaseStatus.DENIED)
    CaseFactory(status=CaseStatus.DENIED)
    client.force_login(manager)

    response = client.get(LIST, {"location": kiziba.pk, "status": CaseStatus.DENIED})

    counts = {row["status"]: row["count"] for row in response.context["status_counts"]}
    assert counts == {CaseStatus.REFERRED: 2, CaseStatus.DENIED: 1}
    assert response.context["page"].paginator.count == 1


def test_sort_orders_the_rows(client, manager):
    today = timezone.localdate()
    old = CaseFactory(referral_date=today - datetime.timedelta(days=300))
    new = CaseFactory(referral_date=today - datetime.timedelta(days=3))
    client.force_login(manager)

    default = [c.pk for c in client.get(LIST).context["cases"]]
    oldest_first = [c.pk for c in client.get(LIST, {"sort": "referral_date"}).context["cases"]]

    assert default == [new.pk, old.pk]
    assert oldest_first == [old.pk, new.pk]


def test_pages_are_bounded_and_keep_the_filters(client, manager):
    CaseFactory.create_batch(27, urgency=Urgency.URGENT)
    client.force_login(manager)

    first = client.get(LIST, {"urgency": "urgent"})
    second = client.get(LIST, {"urgency": "urgent", "page": 2})
    huge = client.get(LIST, {"urgency": "urgent", "per_page": 100000})

    assert len(first.context["cases"]) == 25
    assert len(second.context["cases"]) == 2
    assert len(huge.context["cases"]) == 25  # an unknown page size falls back to the default
    assert "urgency=urgent&amp;page=2" in first.content.decode()


def test_an_htmx_request_gets_only_the_results(client, manager):
    CaseFactory(principal__family_name="Uwimana")
    client.force_login(manager)

    full = client.get(LIST, {"q": "uwi"})
    fragment = client.get(LIST, {"q": "uwi"}, headers={"HX-Request": "true"})

    assert "<html" in full.content.decode()
    body = fragment.content.decode()
    assert "<html" not in body
    assert "Uwimana" in body
    assert 'hx-swap-oob="innerHTML"' in body  # the "n cases match" line follows along
    assert "HX-Request" in fragment["Vary"]


def test_the_filter_form_works_without_javascript(client, manager):
    client.force_login(manager)

    page = client.get(LIST).content.decode()

    assert f'<form method="get" action="{LIST}"' in page
    assert '<button type="submit" class="primary">' in page


@pytest.mark.parametrize("rows", [3, 30])
def test_the_list_takes_the_same_number_of_queries_whatever_the_rows(
    client, manager, caseworker, django_assert_num_queries, rows
):
    for _ in range(rows):
        CaseFactory(members=2, caseworker=caseworker)
    client.force_login(manager)
    client.get(LIST)  # warm: the session's first read

    # session, user, roles, status counts (from the tally, which also give the number of
    # matching cases), the page (with each row's principal applicant and size), its camps,
    # destinations and caseworkers, the four filter drop-downs (camps, destinations, programmes
    # with their countries, caseworkers).
    with django_assert_num_queries(12):
        response = client.get(LIST, {"per_page": 100})
    assert len(response.context["rows"]) == rows
    assert {row.persons for row in response.context["rows"]} == {3}


def test_the_htmx_fragment_takes_fewer_queries(
    client, manager, caseworker, django_assert_num_queries
):
    CaseFactory.create_batch(5, members=1, caseworker=caseworker)
    client.force_login(manager)

    # No filter drop-downs in the fragment.
    with django_assert_num_queries(8):
        response = client.get(LIST, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert len(response.context["rows"]) == 5
    assert 'name="location"' not in response.content.decode()


def test_a_search_counts_the_matching_cases_and_keeps_the_query_count(
    client, manager, caseworker, django_assert_num_queries
):
    CaseFactory.create_batch(4, principal__family_name="Uwase", caseworker=caseworker)
    CaseFactory.create_batch(3, principal__family_name="Habimana", caseworker=caseworker)
    client.force_login(manager)
    client.get(LIST)

    # As above, with the status counts from one GROUP BY over the matching cases (the tally
    # knows nothing of names), and one to tell a rare term from a common one.
    with django_assert_num_queries(13):
        response = client.get(LIST, {"q": "uwa"})
    assert response.context["page"].paginator.count == 4
    assert {row.principal.split()[-1] for row in response.context["rows"]} == {"Uwase"}


@pytest.mark.parametrize(
    "role",
    [
        Role.CASEWORKER,
        Role.CLINICIAN,
        Role.ORIENTATION_FACILITATOR,
        Role.MOVEMENT_OFFICER,
        Role.MANAGER,
        Role.ADMINISTRATOR,
    ],
)
def test_every_staff_role_may_see_the_list(client, db, role):
    client.force_login(user_with_role(role))
    assert client.get(LIST).status_code == 200


def test_a_partner_system_account_gets_403_on_the_list(client, partner):
    CaseFactory()
    client.force_login(partner)
    response = client.get(LIST)
    assert response.status_code == 403
    assert Case.objects.count() == 1


def test_the_number_of_matching_cases_follows_the_status_and_other_filters(client, manager):
    held = CaseFactory.create_batch(2)
    CaseFactory.create_batch(3)
    CaseFactory(location=Location.objects.get(name="Kiziba"))
    Case.objects.filter(pk__in=[c.pk for c in held]).update(
        status=CaseStatus.ON_HOLD, resume_status=CaseStatus.REFERRED
    )
    client.force_login(manager)

    def matching(**params):
        return client.get(LIST, params).context["page"].paginator.count

    assert matching() == 6
    assert matching(status=["on_hold"]) == 2
    assert matching(status=["on_hold", "referred"]) == 6
    assert matching(status=["referred"], location=Location.objects.get(name="Kiziba").pk) == 1
    assert matching(status=["closed"]) == 0


def test_the_status_count_and_sort_links_keep_the_other_filters(client, manager):
    """Each link is a query string of its own: the filters chosen stay, the status or sort
    changes, and the page starts again at 1."""
    from urllib.parse import parse_qs, urlsplit

    kiziba = Location.objects.get(name="Kiziba")
    CaseFactory.create_batch(2, location=kiziba)
    client.force_login(manager)

    page = client.get(LIST, {"location": kiziba.pk, "page": 1}).content.decode()

    hrefs = re.findall(r'href="(\?[^"]*)"', page)
    assert hrefs, "no filter links on the page"
    for href in hrefs:
        assert not href.startswith("??"), href
        query = parse_qs(urlsplit(html.unescape(href)).query)
        assert query["location"] == [str(kiziba.pk)], href
        assert "page" not in query, href
    assert any("status=referred" in href for href in hrefs)
    assert any("sort=" in href for href in hrefs)


@pytest.mark.parametrize(
    "language, waiting", [("en", "for 3 days"), ("fr", "depuis 3 jours"), ("sw", "kwa siku 3")]
)
def test_how_long_a_case_has_waited_reads_in_the_users_language(client, manager, language, waiting):
    CaseFactory(status_changed_at=timezone.now() - datetime.timedelta(days=3, hours=1))
    client.force_login(manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    # timesince keeps a number with its unit (a no-break space).
    page = client.get(LIST).content.decode().replace("\xa0", " ")

    assert f'<span class="since">{waiting}</span>' in page


def test_filters_that_cannot_be_used_are_named_and_the_rest_still_apply(client, manager):
    kiziba = Location.objects.get(name="Kiziba")
    CaseFactory.create_batch(2, location=kiziba)
    CaseFactory()
    client.force_login(manager)

    response = client.get(
        LIST,
        {
            "location": "not-a-camp",
            "destination_country": "999999",
            "status": ["referred", "no_such_status"],
            "sort": "bogus",
            "page": "x",
            "per_page": "100000",
            "q": "\x00",
        },
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"location", "destination_country", "status", "sort"} <= errors.keys()
    assert "Some filters could not be used" in response.content.decode()
    # The filters that could be used still narrow nothing here: every case, counted once.
    assert response.context["page"].paginator.count == 3
    counts = {row["status"]: row["count"] for row in response.context["status_counts"]}
    assert counts == {CaseStatus.REFERRED: 3}


def test_a_camp_filter_that_cannot_be_used_leaves_the_others_in_the_counts(client, manager):
    kiziba = Location.objects.get(name="Kiziba")
    CaseFactory.create_batch(2, location=kiziba, urgency=Urgency.URGENT)
    CaseFactory(urgency=Urgency.URGENT)
    CaseFactory()
    client.force_login(manager)

    response = client.get(LIST, {"location": "nowhere", "urgency": Urgency.URGENT})

    assert response.context["page"].paginator.count == 3
    assert len(response.context["rows"]) == 3
