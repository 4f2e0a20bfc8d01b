"""The reference data a Rwanda mission starts with (domain.md). Loading is idempotent: rows are
matched on their code or name and updated, never duplicated. Administrators edit them afterwards
in the admin."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from core.roles import Role

from .choices import LocationKind
from .models import Country, Location, MovementType, Programme, SubmissionCategory
from .reference_names import translated_languages

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
    # Returns to a country of origin or a third country (the 2019 report lists them apart).
    ("assisted_voluntary_return", "Assisted voluntary return"),
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


# Names in the site's other languages (cases.reference_names). Country names in French and
# Swahili come from CLDR (Babel); CLDR has no Kinyarwanda names but Rwanda's, so these are given
# here (awaiting a native speaker's review, like the Kinyarwanda catalog).
COUNTRY_NAMES = {
    "USA": {"rw": "Leta Zunze Ubumwe z'Amerika"},
    "CAN": {"rw": "Kanada"},
    "AUS": {"rw": "Ositaraliya"},
    "NZL": {"rw": "Nouvelle-Zélande"},
    "FIN": {"rw": "Finilande"},
    "NOR": {"rw": "Noruveje"},
    "SWE": {"rw": "Suwede"},
    "GBR": {"rw": "Ubwongereza"},
    "NLD": {"rw": "Ubuholandi"},
    "DNK": {"rw": "Danimarike"},
    "BEL": {"rw": "Ububiligi"},
    "IRL": {"rw": "Irilande"},
    "CHE": {"rw": "Ubusuwisi"},
    "FRA": {"rw": "Ubufaransa"},
    "DEU": {"rw": "Ubudage"},
    "COD": {"rw": "Repubulika Iharanira Demokarasi ya Kongo"},
    "BDI": {"rw": "U Burundi"},
    "RWA": {"rw": "U Rwanda"},
    "SSD": {"rw": "Sudani y'Epfo"},
    "SOM": {"rw": "Somaliya"},
    "ERI": {"rw": "Eritereya"},
    "ETH": {"rw": "Etiyopiya"},
    "SDN": {"rw": "Sudani"},
    "UGA": {"rw": "Uganda"},
}

PROGRAMME_NAMES = {
    "USRAP": {
        "fr": "Programme d'admission des réfugiés des États-Unis",
        "sw": "Mpango wa Marekani wa Kupokea Wakimbizi",
        "rw": "Porogaramu ya Leta Zunze Ubumwe z'Amerika yo kwakira impunzi",
    },
    "CA-GAR": {
        "fr": "Réfugiés pris en charge par le gouvernement du Canada",
        "sw": "Wakimbizi Wanaosaidiwa na Serikali ya Kanada",
        "rw": "Impunzi zifashwa na Leta ya Kanada",
    },
    "CA-PSR": {
        "fr": "Réfugiés parrainés par le secteur privé au Canada",
        "sw": "Wakimbizi Wanaofadhiliwa na Watu Binafsi nchini Kanada",
        "rw": "Impunzi zifashwa n'abikorera muri Kanada",
    },
    "AU-HUM": {
        "fr": "Programme humanitaire de l'Australie (sous-classe 200)",
        "sw": "Mpango wa Kibinadamu wa Australia (daraja 200)",
        "rw": "Porogaramu y'ubutabazi ya Ositaraliya (icyiciro 200)",
    },
    "NZ-RQP": {
        "fr": "Programme de quota de réfugiés de la Nouvelle-Zélande",
        "sw": "Mpango wa Kiwango cha Wakimbizi wa Nyuzilandi",
        "rw": "Porogaramu y'umubare w'impunzi ya Nouvelle-Zélande",
    },
    "FI-QUOTA": {
        "fr": "Quota de réfugiés de la Finlande",
        "sw": "Kiwango cha wakimbizi cha Ufini",
        "rw": "Umubare w'impunzi wa Finilande",
    },
    "NO-QUOTA": {
        "fr": "Quota de réinstallation de la Norvège",
        "sw": "Kiwango cha makazi mapya cha Norwe",
        "rw": "Umubare w'impunzi zitujwe wa Noruveje",
    },
    "SE-QUOTA": {
        "fr": "Programme de réinstallation de la Suède",
        "sw": "Mpango wa makazi mapya wa Uswidi",
        "rw": "Porogaramu yo gutuza impunzi ya Suwede",
    },
    "UK-UKRS": {
        "fr": "Programme de réinstallation du Royaume-Uni (UKRS)",
        "sw": "Mpango wa Makazi Mapya wa Uingereza (UKRS)",
        "rw": "Porogaramu yo gutuza impunzi y'Ubwongereza (UKRS)",
    },
    "NL-RESET": {
        "fr": "Quota de réinstallation des Pays-Bas",
        "sw": "Kiwango cha makazi mapya cha Uholanzi",
        "rw": "Umubare w'impunzi zitujwe w'Ubuholandi",
    },
    "DK-QUOTA": {
        "fr": "Réfugiés du quota du Danemark",
        "sw": "Wakimbizi wa kiwango cha Denmaki",
        "rw": "Impunzi zo mu mubare wa Danimarike",
    },
    "BE-RESET": {
        "fr": "Programme de réinstallation de la Belgique",
        "sw": "Mpango wa makazi mapya wa Ubelgiji",
        "rw": "Porogaramu yo gutuza impunzi y'Ububiligi",
    },
    "IE-IRPP": {
        "fr": "Programme irlandais de protection des réfugiés",
        "sw": "Mpango wa Ayalandi wa Kulinda Wakimbizi",
        "rw": "Porogaramu ya Irilande yo kurinda impunzi",
    },
    "CH-RESET": {
        "fr": "Programme de réinstallation de la Suisse",
        "sw": "Mpango wa makazi mapya wa Uswisi",
        "rw": "Porogaramu yo gutuza impunzi y'Ubusuwisi",
    },
    "FR-RESET": {
        "fr": "Programme de réinstallation de la France",
        "sw": "Mpango wa makazi mapya wa Ufaransa",
        "rw": "Porogaramu yo gutuza impunzi y'Ubufaransa",
    },
    "DE-RESET": {
        "fr": "Programme de réinstallation de l'Allemagne",
        "sw": "Mpango wa makazi mapya wa Ujerumani",
        "rw": "Porogaramu yo gutuza impunzi y'Ubudage",
    },
}

# Camps and transit centres keep their own names in every language.
LOCATION_NAMES = {
    "Kigali urban": {
        "fr": "Kigali (zone urbaine)",
        "sw": "Kigali mjini",
        "rw": "Kigali (mu mujyi)",
    },
    "Huye urban": {"fr": "Huye (zone urbaine)", "sw": "Huye mjini", "rw": "Huye (mu mujyi)"},
}

MOVEMENT_TYPE_NAMES = {
    "refugee_resettlement": {
        "fr": "Réinstallation de réfugiés",
        "sw": "Makazi mapya ya wakimbizi",
        "rw": "Gutuza impunzi mu kindi gihugu",
    },
    "family_reunification": {
        "fr": "Regroupement familial",
        "sw": "Kuunganisha familia",
        "rw": "Guhuza imiryango",
    },
    "self_paying_migrant": {
        "fr": "Migrant à ses propres frais",
        "sw": "Mhamiaji anayejilipia",
        "rw": "Umwimukira wiyishyurira",
    },
    "assisted_voluntary_return": {
        "fr": "Retour volontaire assisté",
        "sw": "Urejeaji wa hiari unaosaidiwa",
        "rw": "Gutahuka ku bushake bafashijwe",
    },
}

SUBMISSION_CATEGORY_NAMES = {
    "LPN": {
        "fr": "Besoins de protection juridique et/ou physique",
        "sw": "Mahitaji ya ulinzi wa kisheria na/au wa kimwili",
        "rw": "Ibikenewe mu kurindwa mu buryo bw'amategeko cyangwa bw'umubiri",
    },
    "SVT": {
        "fr": "Survivants de violences et/ou de torture",
        "sw": "Manusura wa ukatili na/au mateso",
        "rw": "Abarokotse ihohoterwa cyangwa iyicarubozo",
    },
    "MED": {"fr": "Besoins médicaux", "sw": "Mahitaji ya matibabu", "rw": "Ibikenewe mu buvuzi"},
    "WGR": {
        "fr": "Femmes et filles à risque",
        "sw": "Wanawake na wasichana walio hatarini",
        "rw": "Abagore n'abakobwa bari mu kaga",
    },
    "FRE": {"fr": "Regroupement familial", "sw": "Kuunganisha familia", "rw": "Guhuza imiryango"},
    "CAR": {
        "fr": "Enfants et adolescents à risque",
        "sw": "Watoto na vijana walio hatarini",
        "rw": "Abana n'ingimbi bari mu kaga",
    },
    "LAS": {
        "fr": "Absence de solutions durables alternatives prévisibles",
        "sw": "Ukosefu wa suluhisho mbadala za kudumu zinazotarajiwa",
        "rw": "Kubura ibindi bisubizo birambye biteganyijwe",
    },
}


def fill_missing_names(row, names: dict[str, str]) -> None:
    """Give `row` the names of `names` (language code: name) in the languages it has none in;
    a name an administrator gave is kept."""
    current = dict(row.name_translations or {})
    merged = {**names, **{code: name for code, name in current.items() if name.strip()}}
    if merged != current:
        row.name_translations = merged
        row.save(update_fields=["name_translations"])


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
    "medical": ["medicalprotocol", "protocolrequirement", "protocolfindingrule"],
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
        fill_missing_names(countries[iso], COUNTRY_NAMES.get(iso, {}))
    for code, iso, name in PROGRAMMES:
        programme, _ = Programme.objects.update_or_create(
            code=code, defaults={"country": countries[iso], "name": name}
        )
        fill_missing_names(programme, PROGRAMME_NAMES[code])
    locations = {}
    for name, kind, district, is_open, _moved in LOCATIONS:
        locations[name], _ = Location.objects.update_or_create(
            name=name, defaults={"kind": kind, "district": district, "is_open": is_open}
        )
        same_everywhere = dict.fromkeys(translated_languages(), name)
        fill_missing_names(locations[name], LOCATION_NAMES.get(name, same_everywhere))
    for name, _kind, _district, _open, moved in LOCATIONS:
        if moved:
            Location.objects.filter(name=name).update(merged_into=locations[moved])
    for code, name in MOVEMENT_TYPES:
        movement_type, _ = MovementType.objects.update_or_create(code=code, defaults={"name": name})
        fill_missing_names(movement_type, MOVEMENT_TYPE_NAMES[code])
    for code, name in SUBMISSION_CATEGORIES:
        category, _ = SubmissionCategory.objects.update_or_create(
            code=code, defaults={"name": name}
        )
        fill_missing_names(category, SUBMISSION_CATEGORY_NAMES[code])
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
