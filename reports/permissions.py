"""Who may use the yearly figures: managers and administrators ask for, approve and export
reports, import past departures, and see the names and case numbers behind a figure (never
medical detail: a drill-down lists who was counted, not what the clinic recorded)."""

from core.roles import Role, has_role

REPORT_ROLES = frozenset({Role.MANAGER, Role.ADMINISTRATOR})


def can_use_reports(user) -> bool:
    return bool(getattr(user, "is_superuser", False)) or has_role(user, *REPORT_ROLES)
