"""Who may see what of the clinic's records.

- Medical detail (history, examination, results, X-ray, vaccinations, notes): clinicians only.
- The clearance summary (outcome, travel conditions, valid until, pre-embarkation result):
  every staff role, and partner systems whose token carries the `medical:read` scope.

The API uses core.api.permissions.ScopedRoleAccess with the view attributes below; the
selectors and services check again (a superuser passes ScopedRoleAccess but is no clinician).
"""

from core.roles import CLINICAL_ROLES, STAFF_ROLES, Role, has_role, is_clinical, is_staff_member

from .choices import SIGN_CLEARANCE_PERMISSION

MEDICAL_READ_SCOPE = "medical:read"


def can_see_medical_detail(user) -> bool:
    return is_clinical(user)


def can_sign_outcome(user) -> bool:
    """A physician: a clinician who holds medical.sign_clearance (through the "physician" group
    or given to them). Nurses and laboratory staff are clinicians without it: they record the
    parts, results and treatments, never the outcome."""
    return is_clinical(user) and user.has_perm(SIGN_CLEARANCE_PERMISSION)


def can_see_clearance_summary(user, token=None) -> bool:
    """Staff see summaries in the browser and API; a partner system needs the medical:read scope."""
    if is_staff_member(user):
        return True
    if has_role(user, Role.PARTNER_SYSTEM):
        return token_has_scope(token, MEDICAL_READ_SCOPE)
    return False


def token_has_scope(token, scope: str) -> bool:
    """True when an OAuth2 access token (django-oauth-toolkit) is valid and carries `scope`."""
    if token is None or not hasattr(token, "is_valid"):
        return False
    return token.is_valid([scope])


class ClinicianApi:
    """View attributes for core.api.permissions.ScopedRoleAccess: clinicians in the browser
    only; no partner token may read or write medical detail."""

    read_scope = None
    write_scope = None
    read_roles = CLINICAL_ROLES
    write_roles = CLINICAL_ROLES


class ClearanceSummaryApi:
    """Reads by every staff role and by partner tokens with medical:read; writes by clinicians.

    The selectors narrow further: a partner without the scope on its token sees nothing.
    """

    read_scope = MEDICAL_READ_SCOPE
    write_scope = None
    read_roles = STAFF_ROLES | {Role.PARTNER_SYSTEM}
    write_roles = CLINICAL_ROLES
