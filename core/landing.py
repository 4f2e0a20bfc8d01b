"""Where each role starts: the one table of landing pages, read after login and on "/".

A user holding several roles starts on the first row whose role they hold, so a caseworker who
also manages starts on the desk. A user with none of these roles (an account nobody gave a role
yet) starts on the desk, which answers 403 and says why.
"""

from __future__ import annotations

from django.urls import reverse

from core.roles import Role, roles_of

DESK = "cases:dashboard"

# (role, URL name of its first page), first match wins. URL names only: core imports no app.
LANDING_PAGES: tuple[tuple[str, str], ...] = (
    (Role.CASEWORKER, DESK),
    (Role.ADMINISTRATOR, DESK),
    (Role.MOVEMENT_OFFICER, "movements:board"),
    (Role.CLINICIAN, "medical:today"),
    (Role.ORIENTATION_FACILITATOR, "orientation:session_list"),
    (Role.MANAGER, "reports:dashboard"),
    (Role.PARTNER_SYSTEM, "cases:partner_scope"),
)


def landing_page_name(user) -> str:
    """The URL name of the page `user` starts on (the desk for a superuser or no role)."""
    if getattr(user, "is_superuser", False):
        return DESK
    held = roles_of(user)
    for role, name in LANDING_PAGES:
        if role in held:
            return name
    return DESK


def landing_page_url(user) -> str:
    return reverse(landing_page_name(user))
