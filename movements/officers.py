"""Who may see and who may change travel groups, manifests and booking notices."""

from cases.roles import Role, has_role

# Build travel groups, assign group escorts, send and re-send notices.
MOVEMENT_ROLES = frozenset({Role.MOVEMENT_OFFICER, Role.ADMINISTRATOR})
# Open the travel groups, manifests and notices pages.
MOVEMENT_VIEWING_ROLES = MOVEMENT_ROLES | {Role.MANAGER}


def can_manage_movements(user) -> bool:
    return bool(user is not None and (user.is_superuser or has_role(user, *MOVEMENT_ROLES)))


def can_view_movements(user) -> bool:
    return bool(user is not None and (user.is_superuser or has_role(user, *MOVEMENT_VIEWING_ROLES)))
