"""The token endpoint (/o/token/) with a lock on clients that keep giving a wrong secret.

After `OAUTH_CLIENT_FAILURE_LIMIT` failed client authentications (401 invalid_client) within
`OAUTH_CLIENT_LOCK_SECONDS`, the client is locked for `OAUTH_CLIENT_LOCK_SECONDS`: every token
request for it is answered 429 with `Retry-After`, the right secret included, as a login is
locked after wrong passwords (django-axes). A success clears the count. Counts live in Redis
(the default cache), shared by every process. The lock is on the client id, wherever the
requests come from: partners call from few, fixed addresses, and guessing a secret from many
addresses must not help.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import urllib.parse

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.utils.translation import gettext as _
from oauth2_provider.views import TokenView


def _limit() -> int:
    return getattr(settings, "OAUTH_CLIENT_FAILURE_LIMIT", 10)


def _lock_seconds() -> int:
    return getattr(settings, "OAUTH_CLIENT_LOCK_SECONDS", 15 * 60)


def _key(kind: str, client_id: str) -> str:
    return f"oauth-client-{kind}:{hashlib.sha256(client_id.encode()).hexdigest()}"


def client_id_of(request) -> str:
    """The client id a token request names (HTTP Basic, else the form's client_id)."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:].strip()).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return ""
        return urllib.parse.unquote_plus(decoded.split(":", 1)[0])
    return (request.POST.get("client_id") or "")[:200]


def lock_remaining(client_id: str) -> int:
    """Seconds until the client may ask for a token again (0: not locked)."""
    until = cache.get(_key("locked", client_id))
    if until is None:
        return 0
    import time

    return max(1, int(until - time.time()))


def record_failure(client_id: str) -> bool:
    """Count a wrong secret; True when the client is now locked."""
    import time

    key = _key("failures", client_id)
    cache.add(key, 0, timeout=_lock_seconds())
    try:
        failures = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=_lock_seconds())
        failures = 1
    if failures >= _limit():
        cache.set(_key("locked", client_id), time.time() + _lock_seconds(), timeout=_lock_seconds())
        cache.delete(key)
        return True
    return False


def clear_failures(client_id: str) -> None:
    cache.delete_many([_key("failures", client_id), _key("locked", client_id)])


class LockingTokenView(TokenView):
    def post(self, request, *args, **kwargs):
        client_id = client_id_of(request)
        if client_id:
            remaining = lock_remaining(client_id)
            if remaining:
                return _locked(remaining)
        response = super().post(request, *args, **kwargs)
        if client_id:
            if response.status_code == 401:
                if record_failure(client_id):
                    return _locked(_lock_seconds())
            elif response.status_code == 200:
                clear_failures(client_id)
        return response


def _locked(seconds: int) -> JsonResponse:
    response = JsonResponse(
        {
            "error": "client_locked",
            "error_description": _(
                "Too many wrong client secrets: this client is locked for %(minutes)d minutes."
            )
            % {"minutes": max(1, round(seconds / 60))},
        },
        status=429,
    )
    response["Retry-After"] = str(seconds)
    response["Cache-Control"] = "no-store"
    return response
