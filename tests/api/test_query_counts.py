"""Every list endpoint answers in a fixed number of queries, whatever the page size or the
number of rows. A session caller costs 3 of them: session, user, roles (its session is saved
again at most once a minute: cases.middleware)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Location
from tests.factories import CaseFactory, TravelDocumentFactory

pytestmark = pytest.mark.django_db


def _queries(client, url, params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200, response.content
    return len(captured)


def _cases(n, caseworker=None):
    cases = [CaseFactory(members=2, caseworker=caseworker) for _ in range(n)]
    for case in cases:
        TravelDocumentFactory(individual=case.principal)
    return cases


LISTS = [
    # (url, extra params, queries: 3 for the session caller + count + page + prefetches)
    # cases: + members + 6 reference tables by id (cheaper than planning a 7-table join)
    ("/api/v1/cases/", {}, 12),
    ("/api/v1/cases/", {"status": "referred", "q": "rwa"}, 12),
    ("/api/v1/individuals/", {}, 5),
    ("/api/v1/individuals/", {"unhcr_individual_number": "rwa"}, 5),
    ("/api/v1/countries/", {}, 5),
    ("/api/v1/programmes/", {}, 5),
    ("/api/v1/locations/", {}, 5),
]


@pytest.mark.parametrize("url, params, expected", LISTS)
def test_list_endpoints_use_a_fixed_number_of_queries(
    api, caseworker, django_assert_num_queries, url, params, expected
):
    client = api.as_(caseworker)
    _cases(3, caseworker)
    for rows in (3, 30):
        for page_size in (5, 50):
            with django_assert_num_queries(expected):
                response = client.get(url, {**params, "page_size": page_size})
            assert response.status_code == 200
            assert len(response.json()["results"]) == min(page_size, response.json()["count"])
            assert response.json()["count"] > 0
        if rows == 3:
            _cases(27, caseworker)


def test_the_case_list_filter_adds_one_query_per_reference_filter(api, caseworker):
    _cases(3)
    client = api.as_(caseworker)
    client.get("/api/v1/cases/")
    plain = _queries(client, "/api/v1/cases/", {})
    # ModelChoiceFilter checks the location exists: one query, whatever the rows.
    kiziba = Location.objects.get(name="Mahama")
    assert _queries(client, "/api/v1/cases/", {"location": kiziba.pk}) == plain + 1


@pytest.mark.parametrize("rows", [3, 30])
def test_the_timeline_uses_a_fixed_number_of_queries(
    api, caseworker, rows, django_assert_num_queries
):
    case = CaseFactory()
    client = api.as_(caseworker)
    for i in range(rows):
        client.patch(f"/api/v1/cases/{case.pk}/", {"notes": f"note {i}"}, format="json")
    # 3 for the session caller, case, count, page (actors joined)
    with django_assert_num_queries(6):
        response = client.get(f"/api/v1/cases/{case.pk}/timeline/", {"page_size": 50})
    assert len(response.json()["results"]) == rows
