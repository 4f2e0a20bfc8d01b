"""Every page of /partners/ as every role, with bad input, in every language (the checks are
shared with movements and reports: tests/page_world.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Individual
from partners.models import IntakeBatch, IntakeRowError
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


NAMESPACE = "partners"


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


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_file_list_and_a_files_refusals_take_the_same_queries_for_more_rows(client, caseworker):
    def sent(errors):
        batch = IntakeBatch.objects.create(
            created_by=caseworker,
            file_name="f.csv",
            format="csv",
            content=b"x",
            status="done",
            error_rows=errors,
        )
        IntakeRowError.objects.bulk_create(
            IntakeRowError(batch=batch, line=n + 2, field="sex", code="invalid", message="bad sex")
            for n in range(errors)
        )
        return batch

    client.force_login(caseworker)
    batch = sent(1)
    urls = [
        reverse("partners:referral_files"),
        reverse("partners:referral_file", kwargs={"pk": batch.pk}),
        reverse("partners:referral_file_errors", kwargs={"pk": batch.pk}),
    ]
    for url in urls:
        client.get(url)
    few = [_queries(client, url) for url in urls]
    IntakeRowError.objects.bulk_create(
        IntakeRowError(batch=batch, line=n + 10, field="sex", code="invalid", message="bad sex")
        for n in range(30)
    )
    IntakeBatch.objects.filter(pk=batch.pk).update(error_rows=31)
    for _n in range(4):
        sent(3)
    many = [_queries(client, url) for url in urls]
    assert many == few
    assert client.get(urls[1]).content.decode().count("bad sex") == 31


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(
    administrator, movement_officer, manager, caseworker
):
    urls = world(movement_officer, manager, caseworker)
    failures = posts_without_csrf_token(NAMESPACE, administrator, urls)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("namespace", ["partners", "movements", "reports"])
def test_every_page_as_a_deactivated_organisations_account(
    client, namespace, movement_officer, manager, caseworker
):
    """The page walk as a partner system's account whose organisation was deactivated: refused
    or empty wherever a partner account is, nothing changed, never a server error."""
    from cases.choices import PartnerKind
    from cases.models import PartnerOrganisation

    from .conftest import account, organisation

    urls = world(movement_officer, manager, caseworker)
    gone = organisation("Deactivated mission", PartnerKind.MISSION, "USA")
    user = account(gone, "deactivated-mission-system")
    PartnerOrganisation.objects.filter(pk=gone.pk).update(is_active=False)
    client.force_login(user)
    failures = walk_as(client, "partner", namespace, urls)
    assert not failures, "\n".join(failures)
