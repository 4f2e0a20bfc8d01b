"""Who may see and who may change movement records."""

from core.roles import Role, has_role

# Book flights, record transit, escorts, departures and arrivals, enter history.
MANAGING_ROLES = frozenset({Role.MOVEMENT_OFFICER, Role.ADMINISTRATOR})
# Open the movements pages (the board, bookings) and read them in the API.
VIEWING_ROLES = MANAGING_ROLES | {Role.MANAGER, Role.CASEWORKER}


def can_manage_movements(user) -> bool:
    return bool(user is not None and (user.is_superuser or has_role(user, *MANAGING_ROLES)))


def can_view_movements(user) -> bool:
    return bool(user is not None and (user.is_superuser or has_role(user, *VIEWING_ROLES)))
