"""Who may see interviews, schedule them, and record their outcome and decision.

Caseworkers and administrators schedule, reschedule and record. The resettlement support
centre's system (a partner system of a `support_centre` organisation) schedules interviews and
sends decisions over the API with the `interviews:write` scope, for the cases in its data scope;
other partner organisations (UNHCR, missions) may not. A partner account tied to no
organisation may send decisions, not schedule (as before organisations existed). The API's
`ScopedRoleAccess` checks the scope, these rules check the role. Every other member of the
mission's staff reads.
"""

from cases.choices import PartnerKind
from core.roles import STAFF_ROLES, Role, has_role

# Schedule and reschedule interviews; record outcomes in the browser.
SCHEDULING_ROLES = frozenset({Role.CASEWORKER, Role.ADMINISTRATOR})
# Record an outcome or a decision (partners only through the API, with the write scope).
RECORDING_ROLES = SCHEDULING_ROLES | {Role.PARTNER_SYSTEM}
# Read interviews: the pages are for staff; the API also answers partner systems.
PAGE_ROLES = STAFF_ROLES
API_READ_ROLES = STAFF_ROLES | {Role.PARTNER_SYSTEM}


def can_view_interview_pages(user) -> bool:
    return has_role(user, *PAGE_ROLES)


def partner_kind(user) -> str | None:
    """The kind of partner organisation a partner system's account belongs to (None: none)."""
    if not has_role(user, Role.PARTNER_SYSTEM):
        return None
    profile = getattr(user, "partner_profile", None)
    if profile is None or profile.partner_organisation_id is None:
        return None
    return profile.partner_organisation.kind


def can_schedule_interview(user) -> bool:
    return has_role(user, *SCHEDULING_ROLES) or partner_kind(user) == PartnerKind.SUPPORT_CENTRE


def can_record_interview_outcome(user) -> bool:
    if has_role(user, *SCHEDULING_ROLES):
        return True
    if not has_role(user, Role.PARTNER_SYSTEM):
        return False
    return partner_kind(user) in (None, PartnerKind.SUPPORT_CENTRE)
