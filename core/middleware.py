"""Answers that carry personal data are never stored by a browser or a proxy.

Every page seen signed in and every answer of the data API (/api/v1/, whoever the caller: a
token is only checked inside the view) is sent with `Cache-Control: no-store` (and Django's
other never-cache headers), so a shared office computer's cache or a proxy keeps no household
data. Public pages (the login page, the API's schema and docs, static files) are left as they
are.
"""

from __future__ import annotations

from django.db import IntegrityError
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

from core.dates import column_out_of_range, out_of_range_message

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


class DateOutOfRangeMiddleware:
    """A page whose form let a date outside 1900-2199 through meets the database's CHECK: the
    person gets a 400 page saying which dates are accepted (nothing was stored), not a server
    error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, IntegrityError) and column_out_of_range(exception):
            return render(
                request, "date_out_of_range.html", {"message": out_of_range_message()}, status=400
            )
        return None
