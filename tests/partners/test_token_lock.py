"""The client lock of /o/token/, /o/revoke_token/ and /o/introspect/ counts the client id the
OAuth library itself authenticates: a decoy or undecodable Authorization header beside the
secret in the body does not sidestep it, and concurrent wrong secrets get no more checks than
the limit."""

import base64
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from oauth2_provider.oauth2_validators import OAuth2Validator
from rest_framework.test import APIClient

from tests.api.conftest import create_partner, fetch_token


@pytest.fixture(autouse=True)
def _fresh_counts():
    cache.clear()
    yield
    cache.clear()


def _basic(text: str) -> str:
    return "Basic " + base64.b64encode(text.encode()).decode()


def _post(path, client_id, secret, authorization=None, **extra):
    data = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    data.update(extra)
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    return APIClient().post(path, data, format="multipart", **headers)


DECOYS = [
    _basic("no-such-client:whatever"),  # a client that does not exist
    "Basic !!!not-base64!!!",  # undecodable
    "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode(),  # not UTF-8
    _basic("no-colon-here"),
    "Bearer something",
]


@pytest.mark.django_db
@pytest.mark.parametrize("decoy", DECOYS)
@override_settings(OAUTH_CLIENT_FAILURE_LIMIT=3, OAUTH_CLIENT_LOCK_SECONDS=600)
def test_a_decoy_header_does_not_sidestep_the_lock(decoy):
    client_id, secret = create_partner(f"UNHCR {uuid.uuid4().hex[:6]}", "cases:read")
    answers = [_post("/o/token/", client_id, "wrong", decoy).status_code for _ in range(5)]
    assert answers == [401, 401, 429, 429, 429]
    # Locked: the right secret, with or without the decoy, gets no token.
    assert _post("/o/token/", client_id, secret, decoy).status_code == 429
    assert _post("/o/token/", client_id, secret).status_code == 429
    assert fetch_token(client_id, secret).status_code == 429


@pytest.mark.django_db
@override_settings(OAUTH_CLIENT_FAILURE_LIMIT=3, OAUTH_CLIENT_LOCK_SECONDS=600)
def test_a_decoy_header_beside_the_right_secret_of_a_locked_client_gets_no_token():
    client_id, secret = create_partner(f"UNHCR {uuid.uuid4().hex[:6]}", "cases:read")
    for _ in range(3):
        fetch_token(client_id, "wrong")
    for decoy in DECOYS:
        answer = _post("/o/token/", client_id, secret, decoy)
        assert answer.status_code == 429, decoy
        assert "access_token" not in answer.json()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/o/revoke_token/", "/o/introspect/"])
@override_settings(OAUTH_CLIENT_FAILURE_LIMIT=3, OAUTH_CLIENT_LOCK_SECONDS=600)
def test_revocation_and_introspection_count_wrong_secrets_too(path):
    client_id, secret = create_partner(f"UNHCR {uuid.uuid4().hex[:6]}", "cases:read")
    answers = [_post(path, client_id, "wrong", token="x").status_code for _ in range(4)]
    assert answers[-1] == 429
    assert all(code in (401, 403, 429) for code in answers), answers
    # The token endpoint shares the lock.
    assert fetch_token(client_id, secret).status_code == 429


@pytest.mark.django_db(transaction=True)
@override_settings(OAUTH_CLIENT_FAILURE_LIMIT=5, OAUTH_CLIENT_LOCK_SECONDS=600)
def test_parallel_wrong_secrets_get_no_more_checks_than_the_limit(monkeypatch):
    client_id, _secret = create_partner(f"UNHCR {uuid.uuid4().hex[:6]}", "cases:read")
    checks = []
    lock = threading.Lock()
    original = OAuth2Validator._check_secret

    def counted(self, provided, stored):
        with lock:
            checks.append(provided)
        return original(self, provided, stored)

    monkeypatch.setattr(OAuth2Validator, "_check_secret", counted)

    def attempt(n):
        try:
            return _post("/o/token/", client_id, f"wrong-{n}").status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(attempt, range(20)))
    assert len(checks) == 5
    # Each check answered 401, or 429 when it was the last one the limit allowed.
    assert answers.count(401) + answers.count(429) == 20
    assert 1 <= answers.count(401) <= 4
