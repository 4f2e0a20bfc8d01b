"""The reference data a Rwanda mission starts with (domain.md). Loading is idempotent: rows are
matched on their code or name and updated, never duplicated. Administrators edit them afterwards
in the admin."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from core.roles import Role

from .choices import LocationKind
from .models import Country, Location, MovementType, Programme, SubmissionCategory

# (ISO code, name, receives resettled refugees)
COUNTRIES = [
    ("USA", "United States", True),
    ("CAN", "Canada", True),
    ("AUS", "Australia", True),
    ("NZL", "New Zealand", True),
    ("FIN", "Finland", True),
    ("NOR", "Norway", True),
    ("SWE", "Sweden", True),
    ("GBR", "United Kingdom", True),
    ("NLD", "Netherlands", True),
    ("DNK", "Denmark", True),
    ("BEL", "Belgium", True),
    ("IRL", "Ireland", True),
    ("CHE", "Switzerland", True),
    ("FRA", "France", True),
    ("DEU", "Germany", True),
    # Countries of origin and of asylum.
    ("COD", "Democratic Republic of the Congo", False),
    ("BDI", "Burundi", False),
    ("RWA", "Rwanda", False),
    ("SSD", "South Sudan", False),
    ("SOM", "Somalia", False),
    ("ERI", "Eritrea", False),
    ("ETH", "Ethiopia", False),
    ("SDN", "Sudan", False),
    ("UGA", "Uganda", False),
]

# (code, destination ISO code, name)
PROGRAMMES = [
    ("USRAP", "USA", "United States Refugee Admissions Program"),
    ("CA-GAR", "CAN", "Canada Government-Assisted Refugees"),
    ("CA-PSR", "CAN", "Canada Privately Sponsored Refugees"),
    ("AU-HUM", "AUS", "Australia Humanitarian Program (subclass 200)"),
    ("NZ-RQP", "NZL", "New Zealand Refugee Quota Programme"),
    ("FI-QUOTA", "FIN", "Finland refugee quota"),
    ("NO-QUOTA", "NOR", "Norway resettlement quota"),
    ("SE-QUOTA", "SWE", "Sweden resettlement programme"),
    ("UK-UKRS", "GBR", "UK Resettlement Scheme"),
    ("NL-RESET", "NLD", "Netherlands resettlement quota"),
    ("DK-QUOTA", "DNK", "Denmark quota refugees"),
    ("BE-RESET", "BEL", "Belgium resettlement programme"),
    ("IE-IRPP", "IRL", "Irish Refugee Protection Programme"),
    ("CH-RESET", "CHE", "Switzerland resettlement programme"),
    ("FR-RESET", "FRA", "France resettlement programme"),
    ("DE-RESET", "DEU", "Germany resettlement programme"),
]

# (name, kind, district, open, residents moved to)
LOCATIONS = [
    ("Kiziba", LocationKind.CAMP, "Karongi", True, None),
    ("Nyabiheke", LocationKind.CAMP, "Gatsibo", True, None),
    ("Kigeme", LocationKind.CAMP, "Nyamagabe", True, None),
    ("Mugombwa", LocationKind.CAMP, "Gisagara", True, None),
    ("Mahama", LocationKind.CAMP, "Kirehe", True, None),
    ("Gihembe", LocationKind.CAMP, "Gicumbi", False, "Mahama"),
    ("Nkamira", LocationKind.TRANSIT, "Rubavu", True, None),
    ("Gashora", LocationKind.TRANSIT, "Bugesera", True, None),
    ("Kigali urban", LocationKind.URBAN, "Kigali", True, None),
    ("Huye urban", LocationKind.URBAN, "Huye", True, None),
]

MOVEMENT_TYPES = [
    ("refugee_resettlement", "Refugee resettlement"),
    ("family_reunification", "Family reunification"),
    ("self_paying_migrant", "Self-paying migrant"),
]

SUBMISSION_CATEGORIES = [
    ("LPN", "Legal and/or physical protection needs"),
    ("SVT", "Survivors of violence and/or torture"),
    ("MED", "Medical needs"),
    ("WGR", "Women and girls at risk"),
    ("FRE", "Family reunification"),
    ("CAR", "Children and adolescents at risk"),
    ("LAS", "Lack of foreseeable alternative durable solutions"),
]


# What the administrator role edits in the admin site: people and their roles, partner systems,
# and reference data (named by app label and model, so `cases` imports no app above it).
ADMINISTERED_MODELS = {
    "auth": ["user", "group"],
    "cases": [
        "country",
        "programme",
        "location",
        "movementtype",
        "submissioncategory",
        "partnerprofile",
        "partnerorganisation",
    ],
    "medical": ["medicalprotocol", "protocolrequirement"],
    "orientation": ["curriculum"],
    "movements": ["missioncontact"],
    # Webhook endpoints, the outbox (replay) and its delivery log, referral files.
    "partners": [
        "webhookendpoint",
        "webhookmessage",
        "webhookdelivery",
        "intakebatch",
        "intakerowerror",
    ],
    # The partner access log (API infrastructure, core.api).
    "core": ["accesslogentry"],
}
# What the administrator role reads in the admin site and never writes: the audit trail, and the
# log of who opened which medical record (it names records, never their content).
OVERSEEN_MODELS = {
    "medical": ["medicalrecordaccess"],
    "pghistory": ["events"],
}


def _grant_administrator_permissions() -> None:
    group = Group.objects.get(name=Role.ADMINISTRATOR.value)
    for app_label, models in ADMINISTERED_MODELS.items():
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label=app_label, content_type__model__in=models
            )
        )
    for app_label, models in OVERSEEN_MODELS.items():
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label=app_label,
                content_type__model__in=models,
                codename__startswith="view_",
            )
        )


@transaction.atomic
def load_reference_data() -> dict[str, int]:
    """Create or update the mission's reference data and the role groups; return counts."""
    countries = {}
    for iso, name, destination in COUNTRIES:
        countries[iso], _ = Country.objects.update_or_create(
            iso_code=iso, defaults={"name": name, "is_destination": destination}
        )
    for code, iso, name in PROGRAMMES:
        Programme.objects.update_or_create(
            code=code, defaults={"country": countries[iso], "name": name}
        )
    locations = {}
    for name, kind, district, is_open, _moved in LOCATIONS:
        locations[name], _ = Location.objects.update_or_create(
            name=name, defaults={"kind": kind, "district": district, "is_open": is_open}
        )
    for name, _kind, _district, _open, moved in LOCATIONS:
        if moved:
            Location.objects.filter(name=name).update(merged_into=locations[moved])
    for code, name in MOVEMENT_TYPES:
        MovementType.objects.update_or_create(code=code, defaults={"name": name})
    for code, name in SUBMISSION_CATEGORIES:
        SubmissionCategory.objects.update_or_create(code=code, defaults={"name": name})
    for role in Role:
        Group.objects.get_or_create(name=role.value)
    _grant_administrator_permissions()
    return {
        "countries": Country.objects.count(),
        "programmes": Programme.objects.count(),
        "locations": Location.objects.count(),
        "movement_types": MovementType.objects.count(),
        "submission_categories": SubmissionCategory.objects.count(),
    }
