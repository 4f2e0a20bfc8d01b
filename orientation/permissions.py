"""Who may see and who may change cultural orientation records."""

from core.roles import Role, has_role

# Plan sessions, enroll cases, record attendance.
MANAGING_ROLES = frozenset({Role.ORIENTATION_FACILITATOR, Role.ADMINISTRATOR})
# Open the orientation pages and read sessions in the API.
VIEWING_ROLES = MANAGING_ROLES | {Role.CASEWORKER, Role.MANAGER}


def can_manage_orientation(user) -> bool:
    return bool(user is not None and (user.is_superuser or has_role(user, *MANAGING_ROLES)))


def can_view_orientation(user) -> bool:
    return bool(user is not None and (user.is_superuser or has_role(user, *VIEWING_ROLES)))
