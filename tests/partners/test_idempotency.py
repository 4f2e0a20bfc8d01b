"""Idempotency-Key on every POST: the same key and body answer the first result; another body
with the key is 422; two concurrent requests with one key create one record."""

import threading

import pytest
from django.db import connection

from cases.models import Case
from core.models import IdempotencyKey
from tests.api.test_cases_api import referral
from tests.api_clients import bearer_client, session_client

URL = "/api/v1/cases/"


@pytest.mark.django_db
def test_the_same_key_and_body_answer_the_first_result_and_create_one_case(unhcr_client):
    first = unhcr_client.post(URL, referral(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201, first.content
    again = unhcr_client.post(URL, referral(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Case.objects.count() == 1
    # The replay is a partner call too: both are in the access log.
    from core.models import AccessLogEntry

    assert list(AccessLogEntry.objects.values_list("method", "status_code")) == [
        ("POST", 201),
        ("POST", 201),
    ]


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_refused_with_422(unhcr_client):
    unhcr_client.post(URL, referral(), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    other = referral(unhcr_case_number="RWA-24-900002")
    answer = unhcr_client.post(URL, other, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "idempotency_key_reused"
    assert answer.json()["error"]["field"] == "Idempotency-Key"
    assert list(Case.objects.values_list("unhcr_case_number", flat=True)) == ["RWA-24-900001"]


@pytest.mark.django_db
def test_a_refusal_is_kept_too_and_a_key_is_the_callers_own(unhcr_client, caseworker):
    bad = referral(referral_date="2999-01-01")
    first = unhcr_client.post(URL, bad, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert first.status_code == 400
    assert unhcr_client.post(URL, bad, format="json", HTTP_IDEMPOTENCY_KEY="k-3").json() == (
        first.json()
    )
    # Another caller's key of the same name is another key.
    mine = session_client(caseworker).post(
        URL, referral(), format="json", HTTP_IDEMPOTENCY_KEY="k-3"
    )
    assert mine.status_code == 201
    assert IdempotencyKey.objects.filter(key="k-3").count() == 2


@pytest.mark.django_db
def test_a_key_too_long_is_refused_and_posts_without_a_key_run_as_before(unhcr_client):
    long_key = "x" * 256
    answer = unhcr_client.post(URL, referral(), format="json", HTTP_IDEMPOTENCY_KEY=long_key)
    assert answer.status_code == 400
    assert not Case.objects.exists()
    assert unhcr_client.post(URL, referral(), format="json").status_code == 201
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db
def test_a_key_older_than_a_day_is_forgotten(unhcr_client):
    import datetime

    import time_machine
    from django.utils import timezone
    from oauth2_provider.models import AccessToken

    unhcr_client.post(URL, referral(), format="json", HTTP_IDEMPOTENCY_KEY="k-4")
    later = timezone.now() + datetime.timedelta(hours=25)
    AccessToken.objects.update(expires=later + datetime.timedelta(hours=1))
    with time_machine.travel(later):
        other = referral(unhcr_case_number="RWA-24-900003")
        for member in other["members"]:
            member["family_name"] = "Niyonsaba"
            member.pop("unhcr_individual_number", None)
        answer = unhcr_client.post(URL, other, format="json", HTTP_IDEMPOTENCY_KEY="k-4")
    assert answer.status_code == 201
    assert Case.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_requests_with_one_key_create_one_case(unhcr_account):
    from cases.reference_data import load_reference_data

    load_reference_data()
    client_a = bearer_client(unhcr_account, "cases:read cases:write")
    token = client_a._credentials["HTTP_AUTHORIZATION"]
    barrier = threading.Barrier(2)
    answers = []

    def send():
        from rest_framework.test import APIClient

        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=token)
        barrier.wait()
        try:
            answers.append(client.post(URL, referral(), format="json", HTTP_IDEMPOTENCY_KEY="race"))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # The second is answered at once: the first's answer if it has one, else 409 (in flight).
    codes = sorted(a.status_code for a in answers)
    assert codes in ([201, 201], [201, 409]), codes
    assert Case.objects.count() == 1
    assert IdempotencyKey.objects.filter(key="race").count() == 1


@pytest.mark.django_db
def test_a_file_sent_again_with_its_key_is_one_file_whatever_the_multipart_boundary(
    unhcr_client,
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from partners.models import IntakeBatch

    def send(content, boundary, key="file-1"):
        from django.test.client import encode_multipart

        file = SimpleUploadedFile("referrals.json", content, content_type="application/json")
        return unhcr_client.generic(
            "POST",
            "/api/v1/referral-files/",
            encode_multipart(boundary, {"file": file}),
            content_type=f"multipart/form-data; boundary={boundary}",
            HTTP_IDEMPOTENCY_KEY=key,
        )

    body = b'[{"unhcr_case_number": "RWA-26-1"}]'
    first = send(body, "boundary-one")
    assert first.status_code == 202, first.content
    again = send(body, "another-boundary")  # as a client retrying would: a new boundary
    assert again.status_code == 202
    assert again.json()["id"] == first.json()["id"]
    assert send(b'[{"unhcr_case_number": "RWA-26-2"}]', "boundary-3").status_code == 422
    assert IntakeBatch.objects.count() == 1
