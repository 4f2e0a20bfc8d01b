"""The OAuth2 endpoints that check a client's secret (/o/token/, /o/revoke_token/,
/o/introspect/), with a lock on clients that keep giving a wrong secret, and no token for a
deactivated partner organisation.

The count is kept inside the OAuth library's own client authentication
(`LockingOAuth2Validator`): on the client id exactly as django-oauth-toolkit parsed it (HTTP
Basic, else the body), for every secret it checks, whatever decoy headers sit beside it. Each
check takes a slot first (one atomic Redis INCR) and a check past `OAUTH_CLIENT_FAILURE_LIMIT`
is not made at all: the client is locked for `OAUTH_CLIENT_LOCK_SECONDS`, and every request
naming it is answered 429 with `Retry-After`, the right secret included (as django-axes locks a
login). So concurrent wrong secrets get at most the limit's number of checks. A right secret
clears the count. The lock is on the client id, wherever the requests come from: partners call
from few, fixed addresses, and guessing a secret from many addresses must not help.

Without Redis the lock cannot be kept: these endpoints answer 503 with `Retry-After` rather
than check secrets unguarded.
"""

from __future__ import annotations

import contextvars
import hashlib
import logging
import math
import time

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.http import JsonResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.views import IntrospectTokenView, RevokeTokenView, TokenView

from cases.selectors import partner_is_active
from core.api.oauth import PartnerOAuth2Validator

log = logging.getLogger(__name__)

# Set by the validator while it authenticates a client, read by the views after the library
# answered: seconds the client is locked for, or -1 when the lock store (Redis) is down.
_LOCKED: contextvars.ContextVar[int] = contextvars.ContextVar("oauth_client_locked", default=0)
STORE_DOWN = -1
RETRY_WHEN_STORE_DOWN = 30


def _limit() -> int:
    return getattr(settings, "OAUTH_CLIENT_FAILURE_LIMIT", 10)


def _lock_seconds() -> int:
    return getattr(settings, "OAUTH_CLIENT_LOCK_SECONDS", 15 * 60)


def _key(kind: str, client_id: str) -> str:
    return f"oauth-client-{kind}:{hashlib.sha256(client_id.encode()).hexdigest()}"


def lock_remaining(client_id: str) -> int:
    """Seconds until the client may have its secret checked again (0: not locked)."""
    until = cache.get(_key("locked", client_id))
    if until is None:
        return 0
    return max(1, math.ceil(until - time.time()))


def take_check(client_id: str) -> int:
    """Take one secret check for the client, atomically; returns 0 when the check may be made,
    else the seconds the client is (now) locked for."""
    remaining = lock_remaining(client_id)
    if remaining:
        return remaining
    key = _key("checks", client_id)
    cache.add(key, 0, timeout=_lock_seconds())
    try:
        checks = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 0, timeout=_lock_seconds())
        checks = cache.incr(key)
    if checks > _limit():
        cache.add(_key("locked", client_id), time.time() + _lock_seconds(), timeout=_lock_seconds())
        return lock_remaining(client_id) or _lock_seconds()
    return 0


def check_failed(client_id: str) -> int:
    """The check taken was a wrong secret: it stays counted; the last one allowed locks the
    client. Returns the seconds it is locked for (0: not locked)."""
    if cache.get(_key("checks", client_id), 0) >= _limit():
        cache.add(_key("locked", client_id), time.time() + _lock_seconds(), timeout=_lock_seconds())
        return lock_remaining(client_id) or _lock_seconds()
    return 0


def clear_failures(client_id: str) -> None:
    cache.delete_many([_key("checks", client_id), _key("locked", client_id)])


def _client_active(client) -> bool:
    user = getattr(client, "user", None)
    return user is None or partner_is_active(user)


class LockingOAuth2Validator(PartnerOAuth2Validator):
    """The project's validator (core.api.oauth) with the client lock and the organisation's
    activity checked where the library itself authenticates clients and tokens."""

    def _load_application(self, client_id, request):
        application = super()._load_application(client_id, request)
        if application is None or not getattr(request, "_resettle_authenticating", False):
            return application
        try:
            locked = take_check(application.client_id)
        except Exception:  # the lock store is down: check no secret unguarded
            log.warning("OAuth client lock store unavailable", exc_info=True)
            _LOCKED.set(STORE_DOWN)
            request.client = None
            return None
        if locked:
            _LOCKED.set(locked)
            request.client = None
            return None
        request._resettle_checked.append(application.client_id)
        return application

    def _authenticate_counted(self, request, authenticate) -> bool:
        request._resettle_authenticating = True
        request._resettle_checked = []
        try:
            ok = authenticate(request)
        finally:
            request._resettle_authenticating = False
        checked, request._resettle_checked = request._resettle_checked, []
        client = request.client
        for client_id in checked:
            try:
                if ok and client is not None and client.client_id == client_id:
                    clear_failures(client_id)
                else:
                    locked = check_failed(client_id)
                    if locked:
                        _LOCKED.set(locked)
            except Exception:
                log.warning("OAuth client lock store unavailable", exc_info=True)
        return ok

    def _authenticate_basic_auth(self, request):
        return self._authenticate_counted(request, super()._authenticate_basic_auth)

    def _authenticate_request_body(self, request):
        return self._authenticate_counted(request, super()._authenticate_request_body)

    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs):
        # A deactivated organisation's clients get no token (unauthorized_client).
        if not _client_active(client):
            return False
        return super().validate_grant_type(client_id, grant_type, client, request, *args, **kwargs)

    def validate_bearer_token(self, token, scopes, request):
        if not super().validate_bearer_token(token, scopes, request):
            return False
        access_token = getattr(request, "access_token", None)
        user = getattr(access_token, "user", None)
        if user is not None and not partner_is_active(user):
            # A token issued before the organisation was deactivated answers nothing.
            request.access_token = None
            request.user = None
            return False
        return True


class _Locking:
    """Mixin for the library's views that authenticate a client: a locked client is answered
    429 with Retry-After; with the lock store down, 503 with Retry-After."""

    @method_decorator(csrf_exempt)
    @method_decorator(login_not_required)
    def dispatch(self, request, *args, **kwargs):
        token = _LOCKED.set(0)
        try:
            response = super().dispatch(request, *args, **kwargs)
            locked = _LOCKED.get()
        finally:
            _LOCKED.reset(token)
        if locked == STORE_DOWN:
            return store_down()
        if locked and response.status_code in (400, 401, 403):
            return _locked(locked)
        return response


class LockingTokenView(_Locking, TokenView):
    pass


class LockingRevokeTokenView(_Locking, RevokeTokenView):
    pass


class LockingIntrospectTokenView(_Locking, IntrospectTokenView):
    pass


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


def store_down() -> JsonResponse:
    response = JsonResponse(
        {
            "error": "temporarily_unavailable",
            "error_description": _("The service is briefly unavailable: try again shortly."),
        },
        status=503,
    )
    response["Retry-After"] = str(RETRY_WHEN_STORE_DOWN)
    response["Cache-Control"] = "no-store"
    return response
