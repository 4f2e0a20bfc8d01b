"""Who may call an API endpoint: a scope for partner systems' tokens, a role for everyone.

Two kinds of callers reach the API:

- people in the browser, signed in with a session (CSRF enforced by DRF's SessionAuthentication);
  their roles (groups, `core.roles`) decide;
- partner systems with an OAuth2 access token (client credentials, django-oauth-toolkit); the
  token must carry the endpoint's scope AND its owner (the partner's user) must hold an allowed
  role. A token's scope never widens what the role allows.

The one way to declare who may call: four attributes on the API class (`core.api.views.BaseApi`
declares none, so an endpoint that forgets them refuses everyone)::

    from core.api.views import BaseApi
    from core.roles import CLINICAL_ROLES, STAFF_ROLES, Role

    class ClearanceListApi(BaseApi):
        read_scope = "medical:read"             # token callers need it for GET/HEAD/OPTIONS
        read_roles = STAFF_ROLES | {Role.PARTNER_SYSTEM}
        write_scope = None                      # None: no token may write here
        write_roles = CLINICAL_ROLES

A token is accepted only when the operation names a scope AND its roles include the partner
system; a partner account signed in with a session may read, never write. A view whose writes
are decided further down (the workflow checks the role of each step) widens `write_roles` and
lets the workflow refuse with its own reason.

`declared_access(view, method)` is what both this permission and the OpenAPI schema
(core/api/schema.py) read, so the schema says exactly who may call each operation.

Scoping to *which* records a caller sees stays in the selectors (`case_visible_to`): an object
outside it answers 404, not 403, so its existence is not disclosed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import get_access_token_model
from rest_framework.permissions import SAFE_METHODS, BasePermission

from core.roles import HOUSEHOLD_EDITORS, STAFF_ROLES, Role, has_role

# Reads of case data: every member of the mission's staff, and partner systems.
READ_ROLES = STAFF_ROLES | {Role.PARTNER_SYSTEM}
# Writes to household data: caseworkers, administrators, and partners holding the write scope.
WRITE_ROLES = HOUSEHOLD_EDITORS | {Role.PARTNER_SYSTEM}


@dataclass(frozen=True)
class Access:
    """Who may call one operation: `roles` (any one of them), and the scope a partner's token
    must carry (`scope` None: no token is accepted)."""

    scope: str | None
    roles: frozenset[str]

    @property
    def partners_allowed(self) -> bool:
        return self.scope is not None


def is_write(method: str) -> bool:
    return method.upper() not in SAFE_METHODS


def declared_access(view, method: str) -> Access:
    """The access an API class declares for `method` (read: GET/HEAD/OPTIONS, else write)."""
    write = is_write(method)
    roles = frozenset(getattr(view, "write_roles" if write else "read_roles", None) or ())
    scope = getattr(view, "write_scope" if write else "read_scope", None)
    if Role.PARTNER_SYSTEM not in roles:
        scope = None
    return Access(scope=scope, roles=roles)


def token_of(request):
    """The OAuth2 access token the request was authenticated with, or None (session callers)."""
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, get_access_token_model()) else None


class ScopedRoleAccess(BasePermission):
    """Token callers need the scope and an allowed role; session callers need an allowed role.

    Unauthenticated callers get 401 (DRF asks the first authenticator for its challenge);
    authenticated callers without the scope or the role get 403 with a message naming what
    is missing.
    """

    message = _("Your role does not allow this.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if user is None or not user.is_authenticated:
            return False
        access = declared_access(view, request.method)
        roles = set(access.roles)
        token = token_of(request)
        if token is not None:
            if access.scope is None:
                self.message = _("Partner systems may not use this endpoint.")
                return False
            if not token.allow_scopes([access.scope]):
                self.message = _("This access token lacks the scope “%(scope)s”.") % {
                    "scope": access.scope
                }
                return False
        elif is_write(request.method):
            # Partners write only with a token carrying the write scope.
            roles.discard(Role.PARTNER_SYSTEM)
        if user.is_superuser or has_role(user, *roles):
            return True
        self.message = _("Your role does not allow this.")
        return False
