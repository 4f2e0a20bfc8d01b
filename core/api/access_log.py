"""The partner access log: every API call made with a partner system's token, who, what, when.

DRF sets `request.auth` on the underlying request when it authenticates, so this middleware
sees, after the response, whether the call carried an OAuth2 token and whose; an answer the
idempotency middleware gave without the view (a replay, a reused key) leaves the token it
checked in `request.partner_token`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from oauth2_provider.models import get_access_token_model

from core.models import AccessLogEntry

_organisation_resolvers: list[Callable] = []


def register_organisation_resolver(resolver: Callable) -> None:
    """The app that knows partner organisations (cases: `partner_scope`) tells the log how to
    name a user's organisation; core imports no app."""
    if resolver not in _organisation_resolvers:
        _organisation_resolvers.append(resolver)


def organisation_of(user) -> int | None:
    for resolver in _organisation_resolvers:
        found = resolver(user)
        if found is not None:
            return found
    return None


class PartnerAccessLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        token = getattr(request, "auth", None)
        if not isinstance(token, get_access_token_model()):
            # An answer given before DRF authenticated (an Idempotency-Key replay or refusal).
            token = getattr(request, "partner_token", None)
        if isinstance(token, get_access_token_model()):
            self._log(request, response, token, started)
        return response

    def _log(self, request, response, token, started):
        user = token.user
        application = token.application
        AccessLogEntry.objects.create(
            user=user,
            client_id=application.client_id if application is not None else "",
            organisation_id=organisation_of(user) if user is not None else None,
            method=request.method[:10],
            path=request.path[:500],
            query=request.META.get("QUERY_STRING", "")[:500],
            status_code=response.status_code,
            duration_ms=int((time.perf_counter() - started) * 1000),
        )
