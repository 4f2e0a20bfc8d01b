"""Answers that carry personal data are never stored by a browser or a proxy.

Every page seen signed in and every answer of the data API (/api/v1/, whoever the caller: a
token is only checked inside the view) is sent with `Cache-Control: no-store` (and Django's
other never-cache headers), so a shared office computer's cache or a proxy keeps no household
data. Public pages (the login page, the API's schema and docs, static files) are left as they
are.
"""

from __future__ import annotations

from django.utils.cache import add_never_cache_headers

PERSONAL_PREFIXES = ("/api/v1/", "/o/")


class NoStoreMiddleware:
    """Goes after AuthenticationMiddleware (it reads request.user)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in or request.path.startswith(PERSONAL_PREFIXES):
            add_never_cache_headers(response)
        return response
