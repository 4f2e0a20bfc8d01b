"""Moved to `core.roles` (the bottom layer, so the shared API foundation can use it); this
re-export keeps older imports working until every caller imports `core.roles`."""

from core.roles import (  # noqa: F401
    CLINICAL_ROLES,
    HOUSEHOLD_EDITORS,
    STAFF_ROLES,
    Role,
    can_edit_household,
    has_role,
    is_clinical,
    is_staff_member,
    roles_of,
)
