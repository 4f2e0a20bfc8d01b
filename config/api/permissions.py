"""Who may call an API endpoint: a scope for partner systems' tokens, a role for everyone.

Two kinds of callers reach the API:

- people in the browser, signed in with a session (CSRF enforced by DRF's SessionAuthentication);
  their roles (groups, `cases.roles`) decide;
- partner systems with an OAuth2 access token (client credentials, django-oauth-toolkit); the
  token must carry the endpoint's scope AND its owner (the partner's user) must hold an allowed
  role. A token's scope never widens what the role allows.

A partner system writes only through a token carrying the write scope: a partner account that
somehow signed in with a session may read, never write.

How another app's API uses it (medical, interviews, movements)::

    from cases.roles import CLINICAL_ROLES, Role
    from config.api.permissions import ScopedRoleAccess

    class ClearanceListApi(APIView):
        permission_classes = [ScopedRoleAccess]
        read_scope = "medical:read"             # token callers need it for GET/HEAD/OPTIONS
        write_scope = None                      # None: no partner may write here
        read_roles = CLINICAL_ROLES | {Role.PARTNER_SYSTEM}
        write_roles = CLINICAL_ROLES

The defaults (class attributes below) are the cases API's: `cases:read` and staff roles or
partners for reads; `cases:write` and caseworkers, administrators or partners for writes.
A view whose writes are decided further down (a workflow step checks the role of each step)
widens `write_roles` and lets the workflow refuse with its own reason.

Scoping to *which* records a caller sees stays in the selectors (`case_visible_to`): an object
outside it answers 404, not 403, so its existence is not disclosed.

The OpenAPI schema (config/api/schema.py) reads the same attributes to document each
operation's OAuth2 scope.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import get_access_token_model
from rest_framework.permissions import SAFE_METHODS, BasePermission

from cases.roles import HOUSEHOLD_EDITORS, STAFF_ROLES, Role, has_role

# Reads: every member of the mission's staff, and partner systems.
READ_ROLES = STAFF_ROLES | {Role.PARTNER_SYSTEM}
# Writes to household data: caseworkers, administrators, and partners holding the write scope.
WRITE_ROLES = HOUSEHOLD_EDITORS | {Role.PARTNER_SYSTEM}


def token_of(request):
    """The OAuth2 access token the request was authenticated with, or None (session callers)."""
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, get_access_token_model()) else None


def is_write(request) -> bool:
    return request.method not in SAFE_METHODS


def required_scope(request, view) -> str | None:
    """The scope a token must carry for this request (None: tokens are not accepted)."""
    if is_write(request):
        return getattr(view, "write_scope", ScopedRoleAccess.write_scope)
    return getattr(view, "read_scope", ScopedRoleAccess.read_scope)


class ScopedRoleAccess(BasePermission):
    """Token callers need the scope and an allowed role; session callers need an allowed role.

    Unauthenticated callers get 401 (DRF asks the first authenticator for its challenge);
    authenticated callers without the scope or the role get 403 with a message naming what
    is missing.
    """

    read_scope: str | None = "cases:read"
    write_scope: str | None = "cases:write"
    read_roles: frozenset[str] = READ_ROLES
    write_roles: frozenset[str] = WRITE_ROLES
    message = _("Your role does not allow this.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if user is None or not user.is_authenticated:
            return False
        write = is_write(request)
        roles = set(
            getattr(view, "write_roles" if write else "read_roles", None)
            or (self.write_roles if write else self.read_roles)
        )
        token = token_of(request)
        if token is not None:
            scope = required_scope(request, view)
            if scope is None:
                self.message = _("Partner systems may not use this endpoint.")
                return False
            if not token.allow_scopes([scope]):
                self.message = _("This access token lacks the scope “%(scope)s”.") % {
                    "scope": scope
                }
                return False
        elif write:
            # Partners write only with a token carrying the write scope.
            roles.discard(Role.PARTNER_SYSTEM)
        if user.is_superuser or has_role(user, *roles):
            return True
        self.message = _("Your role does not allow this.")
        return False
