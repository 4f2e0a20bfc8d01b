"""Every page of /reports/ as every role, with bad input, in every language (the checks are
shared with movements and partners: tests/page_world.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Individual
from reports import services
from tests.page_world import (
    ACCESS,
    ROLES,
    fuzz,
    in_every_language,
    posts_without_csrf_token,
    url_names,
    walk_as,
    world,
)


@pytest.fixture(autouse=True)
def _files_in_a_temporary_folder(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


NAMESPACE = "reports"


def test_every_url_name_is_in_the_access_table():
    assert url_names(NAMESPACE) == {n.split(":")[1] for n in ACCESS[NAMESPACE]}


@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_each_role_opens_only_its_pages_and_a_refused_request_changes_nothing(
    client, request, role, movement_officer, manager, caseworker
):
    urls = world(movement_officer, manager, caseworker)
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    failures = walk_as(client, role, NAMESPACE, urls)
    assert not failures, "\n".join(failures)


def test_bad_input_on_every_page_is_never_a_server_error(
    client, administrator, movement_officer, manager, caseworker
):
    urls = world(movement_officer, manager, caseworker)
    client.raise_request_exception = False
    client.force_login(administrator)
    members = list(Individual.objects.values_list("pk", flat=True))
    failures = fuzz(client, NAMESPACE, urls, members)
    assert not failures, "\n".join(failures)


def test_every_page_answers_in_every_language(
    client, administrator, movement_officer, manager, caseworker
):
    urls = world(movement_officer, manager, caseworker)
    client.force_login(administrator)
    failures = in_every_language(client, NAMESPACE, urls)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(("edition", "fmt"), [("a\x00b", "csv"), ("draft", "a\x00b"), ("x", "y")])
def test_a_file_of_no_known_edition_or_format_is_not_found(client, manager, edition, fmt):
    run, _created = services.run_request(user=manager, kind="yearly", year=2020)
    client.force_login(manager)
    url = reverse("reports:run_file", kwargs={"pk": run.pk, "edition": edition, "fmt": fmt})
    assert client.get(url).status_code == 404


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_dashboard_and_a_runs_versions_take_the_same_queries_for_more_rows(
    client, manager, settings, tmp_path
):
    """The dashboard's active runs and a run page's versions and files: one row or several."""
    settings.MEDIA_ROOT = tmp_path / "media"

    def version():
        run, _created = services.run_request(user=manager, kind="yearly", year=2020)
        services.run_compute(run_id=run.pk)
        return run

    client.force_login(manager)
    first = version()
    services.run_request(user=manager, kind="yearly", year=2015)  # one active run
    urls = [reverse("reports:dashboard"), reverse("reports:run", kwargs={"pk": first.pk})]
    for url in urls:
        client.get(url)
    few = [_queries(client, url) for url in urls]
    for _n in range(3):
        version()
    for year in (2016, 2017, 2018):
        services.run_request(user=manager, kind="yearly", year=year)
    many = [_queries(client, url) for url in urls]
    assert many == few
    assert client.get(urls[1]).content.decode().count("/reports/runs/") >= 4


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(
    administrator, movement_officer, manager, caseworker
):
    urls = world(movement_officer, manager, caseworker)
    failures = posts_without_csrf_token(NAMESPACE, administrator, urls)
    assert not failures, "\n".join(failures)
