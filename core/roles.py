"""The roles people and partner systems hold. Each role is a Django group of the same name.

The permission matrix (README) is derived from the rules written here and in each app's
permissions module; `has_role` is the one check the rest of the code calls.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CASEWORKER = "caseworker", _("Caseworker")
    CLINICIAN = "clinician", _("Clinician")
    ORIENTATION_FACILITATOR = "orientation_facilitator", _("Orientation facilitator")
    MOVEMENT_OFFICER = "movement_officer", _("Movement officer")
    MANAGER = "manager", _("Manager")
    PARTNER_SYSTEM = "partner_system", _("Partner system")
    ADMINISTRATOR = "administrator", _("Administrator")


# Staff of the mission who open cases in the browser.
STAFF_ROLES = frozenset(
    {
        Role.CASEWORKER,
        Role.CLINICIAN,
        Role.ORIENTATION_FACILITATOR,
        Role.MOVEMENT_OFFICER,
        Role.MANAGER,
        Role.ADMINISTRATOR,
    }
)

# Who keeps household data current (case fields, members, documents) in the browser and the API.
HOUSEHOLD_EDITORS = frozenset({Role.CASEWORKER, Role.ADMINISTRATOR})

# The only roles that may see or write medical detail (diagnoses, results, history).
CLINICAL_ROLES = frozenset({Role.CLINICIAN})


def roles_of(user) -> frozenset[str]:
    """The role names a user holds, cached on the user object for the request."""
    if user is None or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_resettle_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._resettle_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    """True when the user holds at least one of the roles."""
    return bool(roles_of(user) & set(roles))


def is_staff_member(user) -> bool:
    return has_role(user, *STAFF_ROLES)


def is_clinical(user) -> bool:
    return has_role(user, *CLINICAL_ROLES)


def can_edit_household(user) -> bool:
    """Caseworkers and administrators keep household data current; other staff read it."""
    return bool(getattr(user, "is_superuser", False)) or has_role(user, *HOUSEHOLD_EDITORS)
