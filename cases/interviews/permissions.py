"""Who may see interviews, schedule them, and record their outcome and decision.

Caseworkers and administrators schedule, reschedule and record. The resettlement support
centre's system (a partner system) sends decisions over the API with the `interviews:write`
scope; the API's `ScopedRoleAccess` checks the scope, these rules check the role. Every other
member of the mission's staff reads.
"""

from cases.roles import STAFF_ROLES, Role, has_role

# Schedule and reschedule interviews; record outcomes in the browser.
SCHEDULING_ROLES = frozenset({Role.CASEWORKER, Role.ADMINISTRATOR})
# Record an outcome or a decision (partners only through the API, with the write scope).
RECORDING_ROLES = SCHEDULING_ROLES | {Role.PARTNER_SYSTEM}
# Read interviews: the pages are for staff; the API also answers partner systems.
PAGE_ROLES = STAFF_ROLES
API_READ_ROLES = STAFF_ROLES | {Role.PARTNER_SYSTEM}


def can_view_interview_pages(user) -> bool:
    return has_role(user, *PAGE_ROLES)


def can_schedule_interview(user) -> bool:
    return has_role(user, *SCHEDULING_ROLES)


def can_record_interview_outcome(user) -> bool:
    return has_role(user, *RECORDING_ROLES)
