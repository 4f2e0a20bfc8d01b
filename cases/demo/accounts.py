"""Demo accounts, one per role, and the demo cases handed over to the demo caseworkers."""

from __future__ import annotations

from dataclasses import dataclass

import pghistory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext as _

from cases.choices import PartnerKind
from cases.models import Case, Country, PartnerOrganisation, PartnerProfile
from cases.services import case_update
from core.errors import ApplicationError
from core.roles import Role

DEMO_PASSWORD = "resettle-demo-2026"  # noqa: S105 - documented, for demo machines only


DEMO_USERS = (
    # (role, username, first name, last name)
    (Role.CASEWORKER, "caseworker", "Claudine", "Uwase"),
    (Role.CLINICIAN, "clinician", "Jean-Pierre", "Habimana"),
    (Role.ORIENTATION_FACILITATOR, "facilitator", "Aline", "Mukamana"),
    (Role.MOVEMENT_OFFICER, "movements", "Patrick", "Nshimiyimana"),
    (Role.MANAGER, "manager", "Grace", "Ingabire"),
    (Role.PARTNER_SYSTEM, "partner", "UNHCR", "Rwanda"),
    (Role.ADMINISTRATOR, "admin", "Eric", "Mugabo"),
)


PARTNER_ORGANISATION = "UNHCR Rwanda"
# The partner organisations the partner guide names (README), one of each kind:
# (name, kind, destination countries).
DEMO_ORGANISATIONS = (
    (PARTNER_ORGANISATION, PartnerKind.UNHCR, ()),
    ("RSC Africa", PartnerKind.SUPPORT_CENTRE, ()),
    ("US Embassy Kigali", PartnerKind.MISSION, ("USA",)),
)


@dataclass(frozen=True)
class DemoAccount:
    role: str
    username: str
    password: str
    created: bool


def demo_organisations_ensure() -> dict[str, PartnerOrganisation]:
    """The partner organisations the partner guide names (DEMO_ORGANISATIONS), active, with
    their kind and countries (safe to repeat); by name."""
    found = {}
    for name, kind, countries in DEMO_ORGANISATIONS:
        organisation, _created = PartnerOrganisation.objects.update_or_create(
            name=name, defaults={"kind": kind, "is_active": True}
        )
        organisation.countries.set(Country.objects.filter(iso_code__in=countries))
        found[name] = organisation
    return found


@transaction.atomic
def demo_users_ensure(*, password: str = DEMO_PASSWORD) -> list[DemoAccount]:
    """One active account per role, in the role's group, with `password` (reset on each run).

    `admin` may also use the admin site (staff, with the administrator role's permissions
    only: no superuser, who would see what the role may not); `partner` stands for UNHCR
    Rwanda, one of the partner organisations the partner guide names (recorded here too).
    Demo cases with no caseworker are then handed to the demo caseworker, so that
    "My desk" shows cases from the first login (demo_cases_hand_over).
    """
    if not password:
        raise ApplicationError(_("A demo password cannot be empty."), field="password")
    User = get_user_model()
    organisations = demo_organisations_ensure()
    accounts = []
    for role, username, first_name, last_name in DEMO_USERS:
        group, _created = Group.objects.get_or_create(name=role.value)
        user, created = User.objects.get_or_create(username=username)
        user.first_name, user.last_name = first_name, last_name
        user.email = f"{username}@example.org"
        user.is_active = True
        user.is_staff = role == Role.ADMINISTRATOR
        user.is_superuser = False
        user.set_password(password)
        user.save()
        user.groups.add(group)
        if role == Role.PARTNER_SYSTEM:
            PartnerProfile.objects.update_or_create(
                user=user,
                defaults={
                    "organisation": PARTNER_ORGANISATION,
                    "country": None,
                    "partner_organisation": organisations[PARTNER_ORGANISATION],
                },
            )
        accounts.append(DemoAccount(role.value, username, password, created))
    demo_cases_hand_over(
        caseworkers=list(
            User.objects.filter(
                username__in=[u for r, u, *_names in DEMO_USERS if r == Role.CASEWORKER]
            ).order_by("pk")
        )
    )
    return accounts


def demo_cases_hand_over(*, caseworkers: list) -> int:
    """Give each case that has no caseworker to one of `caseworkers` in turn, through
    case_update (on the case's timeline and in the audit trail, under the "demo data" context);
    return how many. Demo data loaded before the demo accounts existed has none."""
    if not caseworkers:
        return 0
    unassigned = Case.objects.filter(caseworker__isnull=True).order_by("pk")
    handed = 0
    with pghistory.context(reason="demo data: cases handed to the demo caseworkers"):
        for pk in list(unassigned.values_list("pk", flat=True)):
            case_update(
                actor=None, case=Case(pk=pk), caseworker=caseworkers[handed % len(caseworkers)]
            )
            handed += 1
    return handed
