"""Keeping a logged-in user's session alive without a database write on every request."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

# The session key holding when the session's expiry was last moved forward (epoch seconds).
REFRESHED_AT = "_refreshed_at"


class SessionKeepAliveMiddleware:
    """Keep an active user's session alive: its end moves forward to SESSION_COOKIE_AGE from now
    at most once every SESSION_REFRESH_SECONDS, rather than with a database write on every
    request (SESSION_SAVE_EVERY_REQUEST: three statements on each page and API call).

    An idle session still ends SESSION_COOKIE_AGE after the last activity, give or take
    SESSION_REFRESH_SECONDS. Goes right after SessionMiddleware, so that its response phase runs
    first and SessionMiddleware saves what it marked.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.every = settings.SESSION_REFRESH_SECONDS

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # An anonymous visitor's empty session is not created for this; a logged-out one is gone.
        if session is not None and not session.is_empty():
            now = int(time.time())
            if now - session.get(REFRESHED_AT, 0) >= self.every:
                session[REFRESHED_AT] = now  # marks it modified: SessionMiddleware saves it
        return response


@receiver(user_logged_in)
def _session_starts_fresh(sender, request, user, **kwargs):
    """Logging in saves the session anyway: start its clock there, so that the first pages
    after logging in write nothing."""
    if hasattr(request, "session"):
        request.session[REFRESHED_AT] = int(time.time())
