"""Demo data: households of refugees in Rwanda's camps moving through the workflow, and one demo
account per role.

Every household is drawn from its own random generator, seeded with (seed, index), so case number
`index` of a seed is always the same household and its UNHCR case number is a function of both.
That makes loading idempotent: a rerun looks up which of the N numbers exist and writes only the
missing households. The timeline of each case walks `cases.workflow.TRANSITIONS` (names, sources
and targets come from the table), so every status is reached the way a caseworker would reach it.

Rows go in with PostgreSQL COPY, a few thousand households per transaction, so memory stays
bounded and each transaction is all-or-nothing. The database still does its part on every row:
the audit triggers (demo rows are audited, under a context that says "demo data"), the generated
name keys, and the deferred check that each case has exactly one principal applicant.
"""

from __future__ import annotations

import bisect
import datetime
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pghistory
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from core.roles import Role

from .choices import (
    CaseStatus,
    DocumentType,
    EventKind,
    InterviewDecision,
    InterviewKind,
    InterviewOutcome,
    Relationship,
    Sex,
    SpecialNeed,
    Urgency,
)
from .models import (
    Case,
    Country,
    Location,
    MovementType,
    PartnerProfile,
    Programme,
    SubmissionCategory,
)
from .services import case_update
from .workflow import TRANSITIONS_BY_NAME

S = CaseStatus

# A seed's households are numbered 0..MAX_CASES-1; the UNHCR case number's six digits are a
# permutation of that index, so one seed never repeats a number.
MAX_CASES = 1_000_000
_NUMBER_MULTIPLIER = 387_433  # coprime with 10**6: i -> (a*i + b) mod 10**6 is a bijection

FIRST_REFERRAL = datetime.date(2019, 1, 1)
# Departures stopped while borders were closed in 2020.
TRAVEL_PAUSE = (datetime.date(2020, 3, 20), datetime.date(2020, 9, 1))

# Referrals per year, relative (2020 was slow).
REFERRAL_YEAR_WEIGHTS = {
    2019: 1.0,
    2020: 0.5,
    2021: 0.8,
    2022: 1.0,
    2023: 1.1,
    2024: 1.1,
    2025: 0.9,
    2026: 0.9,
}

# ---------------------------------------------------------------------------------------------
# Who the households are


def _weighted(pairs):
    """(values, cumulative weights) for `_pick`."""
    values = [v for v, _w in pairs]
    cum, total = [], 0.0
    for _v, w in pairs:
        total += w
        cum.append(total)
    return values, cum


def _pick(rng: random.Random, table):
    values, cum = table
    return values[bisect.bisect_right(cum, rng.random() * cum[-1])]


NATIONALITIES = _weighted([("COD", 74), ("BDI", 24), ("ETM", 2)])
# Evacuees of the Emergency Transit Mechanism at Gashora come from the Horn of Africa and Sudan.
ETM_NATIONALITIES = _weighted([("ERI", 50), ("SDN", 20), ("SOM", 15), ("ETH", 10), ("SSD", 5)])

# Camp or location by nationality; (name, weight, referred from, referred until).
LOCATIONS_BY_NATIONALITY = {
    "COD": [
        ("Kiziba", 18, None, None),
        ("Nyabiheke", 15, None, None),
        ("Kigeme", 17, None, None),
        ("Mugombwa", 10, None, None),
        ("Mahama", 10, None, None),
        # Closed in October 2021; its residents moved to Mahama.
        ("Gihembe", 14, None, datetime.date(2021, 10, 15)),
        ("Nkamira", 4, datetime.date(2022, 6, 1), None),
        ("Kigali urban", 9, None, None),
        ("Huye urban", 3, None, None),
    ],
    "BDI": [
        ("Mahama", 75, None, None),
        ("Kigali urban", 18, None, None),
        ("Huye urban", 7, None, None),
    ],
    "ETM": [("Gashora", 100, datetime.date(2019, 9, 26), None)],
}

DESTINATIONS = _weighted(
    [
        ("USA", 52),
        ("CAN", 13),
        ("AUS", 6),
        ("NOR", 4),
        ("SWE", 4),
        ("NLD", 4),
        ("GBR", 4),
        ("FIN", 3),
        ("DNK", 2),
        ("BEL", 2),
        ("FRA", 2),
        ("NZL", 1.5),
        ("IRL", 1),
        ("CHE", 1),
        ("DEU", 0.5),
    ]
)
ETM_DESTINATIONS = _weighted(
    [("CAN", 25), ("NOR", 15), ("SWE", 15), ("FIN", 10), ("FRA", 10), ("NLD", 10), ("USA", 15)]
)
# Programmes of a country when it has more than one (others use their only programme).
PROGRAMME_WEIGHTS = {"CAN": _weighted([("CA-GAR", 80), ("CA-PSR", 20)])}

MOVEMENT_TYPES = _weighted(
    [("refugee_resettlement", 88), ("family_reunification", 10), ("self_paying_migrant", 2)]
)
SUBMISSION_CATEGORIES = _weighted(
    [("LPN", 30), ("LAS", 25), ("SVT", 15), ("WGR", 12), ("MED", 8), ("CAR", 5), ("FRE", 5)]
)
URGENCIES = _weighted([(Urgency.NORMAL, 90), (Urgency.URGENT, 8), (Urgency.EMERGENCY, 2)])
ETM_URGENCIES = _weighted([(Urgency.NORMAL, 40), (Urgency.URGENT, 45), (Urgency.EMERGENCY, 15)])
# Emergency cases move in weeks, urgent ones in months.
URGENCY_PACE = {Urgency.NORMAL: 1.0, Urgency.URGENT: 0.4, Urgency.EMERGENCY: 0.12}

# Household sizes of refugee cases (mean about four).
HOUSEHOLD_SIZES = _weighted(
    [(1, 16), (2, 13), (3, 15), (4, 15), (5, 13), (6, 11), (7, 8), (8, 5), (9, 4)]
)

# (language, chance a household speaks it); the first that comes up is their main language.
LANGUAGES = {
    "COD": [("Swahili", 0.85), ("Kinyarwanda", 0.6), ("French", 0.3), ("Lingala", 0.15)],
    "BDI": [("Kirundi", 0.98), ("French", 0.35), ("Swahili", 0.3), ("Kinyarwanda", 0.2)],
    "ERI": [("Tigrinya", 1.0), ("Arabic", 0.3), ("English", 0.2)],
    "SDN": [("Arabic", 1.0), ("English", 0.2)],
    "SOM": [("Somali", 1.0), ("Arabic", 0.3)],
    "ETH": [("Amharic", 0.8), ("Oromo", 0.3), ("English", 0.2)],
    "SSD": [("Arabic", 0.7), ("English", 0.5), ("Nuer", 0.3)],
}

GIVEN_NAMES = {
    "COD": {
        Sex.MALE: [
            "Émile",
            "Jean-Baptiste",
            "Espoir",
            "Amani",
            "Bahati",
            "Faustin",
            "Désiré",
            "Héritier",
            "Dieudonné",
            "Josué",
            "Bienvenu",
            "Pascal",
            "Patrick",
            "Innocent",
            "Baraka",
            "Kambale",
            "Kasereka",
            "Paluku",
            "Muhindo",
            "Mumbere",
            "Jean-Marie",
            "Théophile",
            "Célestin",
            "Augustin",
            "Fiston",
            "Christian",
            "Olivier",
            "Samuel",
            "Moïse",
            "Éric",
        ],
        Sex.FEMALE: [
            "Furaha",
            "Neema",
            "Mwamini",
            "Grâce",
            "Aimée",
            "Clarisse",
            "Solange",
            "Esther",
            "Rachel",
            "Jeanne",
            "Marie",
            "Sifa",
            "Riziki",
            "Zawadi",
            "Mapendo",
            "Kahindo",
            "Kavira",
            "Masika",
            "Chance",
            "Bénédicte",
            "Anuarite",
            "Françoise",
            "Joséphine",
            "Nadège",
            "Dorcas",
            "Déborah",
            "Ruth",
            "Espérance",
            "Consolée",
            "Liliane",
        ],
    },
    "BDI": {
        Sex.MALE: [
            "Jean-Claude",
            "Pierre-Claver",
            "Déo",
            "Évariste",
            "Léonce",
            "Élysée",
            "Fabrice",
            "Arsène",
            "Éric",
            "Fidèle",
            "Gilbert",
            "Gervais",
            "Ferdinand",
            "Égide",
            "Audace",
            "Thierry",
            "Prosper",
            "Onésime",
            "Révérien",
            "Anicet",
        ],
        Sex.FEMALE: [
            "Aline",
            "Divine",
            "Gloriose",
            "Ange",
            "Béatrice",
            "Claudine",
            "Diane",
            "Pélagie",
            "Sylvie",
            "Nadine",
            "Jeanine",
            "Médiatrice",
            "Goreth",
            "Spès",
            "Immaculée",
            "Joséline",
            "Euphrasie",
            "Fébronie",
            "Annonciate",
            "Bella",
        ],
    },
    "ERI": {
        Sex.MALE: ["Yonas", "Semere", "Filmon", "Mehari", "Tesfalem", "Abraham", "Dawit"],
        Sex.FEMALE: ["Helen", "Selam", "Winta", "Senait", "Freweini", "Luwam", "Saba"],
    },
    "SDN": {
        Sex.MALE: ["Mohamed", "Omer", "Hamid", "Yousif", "Adam", "Ibrahim"],
        Sex.FEMALE: ["Amna", "Fatima", "Mariam", "Hawa", "Zeinab", "Sara"],
    },
    "SOM": {
        Sex.MALE: ["Abdi", "Ahmed", "Mohamed", "Hassan", "Abdullahi", "Yusuf"],
        Sex.FEMALE: ["Hodan", "Fadumo", "Ayaan", "Hibo", "Sahra", "Ifrah"],
    },
    "ETH": {
        Sex.MALE: ["Tesfaye", "Abebe", "Getachew", "Dereje", "Biniam"],
        Sex.FEMALE: ["Tigist", "Meron", "Hirut", "Bethlehem", "Almaz"],
    },
    "SSD": {
        Sex.MALE: ["Deng", "Garang", "Chol", "Lual", "Gatluak"],
        Sex.FEMALE: ["Nyandeng", "Achol", "Nyakuma", "Awut", "Nyabol"],
    },
}

FAMILY_NAMES = {
    # Congolese of the Kivus: many Kinyarwanda-speaking, some Nande, Shi and Luba.
    "COD": [
        "Hakizimana",
        "Habimana",
        "Niyonzima",
        "Mugisha",
        "Munyaneza",
        "Bizimana",
        "Nsengiyumva",
        "Uwimana",
        "Ndayambaje",
        "Twagirayezu",
        "Sebagenzi",
        "Rukundo",
        "Mbuyi",
        "Tshibangu",
        "Kabongo",
        "Ilunga",
        "Mutombo",
        "Kasongo",
        "Mulumba",
        "Kambale",
        "Kasereka",
        "Muhindo",
        "Paluku",
        "Sikuli",
        "Bahati",
        "Cirhuza",
        "Bisimwa",
        "Mushagalusa",
        "Ntawukuriryayo",
        "Sebahire",
    ],
    "BDI": [
        "Nduwimana",
        "Ndayishimiye",
        "Niyonkuru",
        "Nshimirimana",
        "Hakizimana",
        "Bigirimana",
        "Ndikumana",
        "Nkurunziza",
        "Irakoze",
        "Iradukunda",
        "Ntahomvukiye",
        "Manirakiza",
        "Nizigiyimana",
        "Havyarimana",
        "Niyongabo",
        "Bukuru",
        "Ciza",
        "Kwizera",
        "Nahimana",
        "Ndabaneze",
    ],
    "ERI": ["Tesfay", "Gebremedhin", "Haile", "Kidane", "Tekle", "Ghebreab", "Berhane", "Woldu"],
    "SDN": ["Abdalla", "Osman", "Elamin", "Babiker", "Ishag", "Yahya"],
    "SOM": ["Hassan", "Warsame", "Farah", "Ali", "Osman", "Jama"],
    "ETH": ["Bekele", "Tadesse", "Alemu", "Girma", "Mengistu"],
    "SSD": ["Deng", "Majok", "Kuol", "Gatdet", "Lam"],
}

HOLD_REASONS = [
    "Security check pending with the destination.",
    "Family composition to be verified.",
    "Awaiting DNA test results.",
    "Destination asked for additional documents.",
    "Principal applicant temporarily out of the camp.",
]
RESUME_REASONS = [
    "Issue resolved.",
    "Results received.",
    "Documents received.",
    "Household located again.",
]
DENY_REASONS = [
    "Destination decision: not admissible.",
    "Destination decision: credibility concerns.",
    "Destination decision: security grounds.",
]
WITHDRAW_REASONS = [
    "The household no longer wishes to resettle.",
    "Voluntary repatriation.",
    "Household could not be located.",
    "Another durable solution was found.",
]
# Medical detail stays in the health assessment; the timeline says only that it happened.
DEFER_REASONS = ["Deferred by the panel physician: see the health assessment."]
RESUME_HEALTH_REASONS = ["Treatment completed: reassessment requested by the panel physician."]
CANCEL_BOOKING_REASONS = [
    "Flight cancelled by the carrier.",
    "Receiving community not ready.",
    "Travel group reorganised.",
]
REASONS = {
    "hold": HOLD_REASONS,
    "resume": RESUME_REASONS,
    "deny": DENY_REASONS,
    "withdraw": WITHDRAW_REASONS,
    "defer_medically": DEFER_REASONS,
    "resume_health_assessment": RESUME_HEALTH_REASONS,
    "cancel_booking": CANCEL_BOOKING_REASONS,
}

PRE_SCREENING_INTERVIEWERS = ["RSC Africa caseworker", "RSC Africa interviewer", "RSC Africa"]

# ---------------------------------------------------------------------------------------------
# The path through the workflow

MAIN_STEPS = (
    "start_pre_screening",
    "approve",
    "start_health_assessment",
    "clear_medically",
    "start_orientation",
    "mark_ready_to_travel",
    "book",
    "depart",
    "arrive",
    "close",
)
# Status after i main steps.
MAIN_STATUS_AFTER = [
    S.REFERRED,
    *(TRANSITIONS_BY_NAME[name].target for name in MAIN_STEPS),
]

# Days a step usually takes after the one before, for a normal case (low, high).
STEP_DAYS = {
    "start_pre_screening": (10, 120),
    "approve": (45, 300),
    "deny": (45, 300),
    "start_health_assessment": (10, 75),
    "clear_medically": (14, 60),
    "defer_medically": (7, 45),
    "resume_health_assessment": (30, 150),
    "start_orientation": (5, 45),
    "mark_ready_to_travel": (5, 40),
    "book": (10, 120),
    "cancel_booking": (3, 20),
    "depart": (7, 35),
    "arrive": (1, 2),
    "close": (20, 150),
    "hold": (10, 90),
    "resume": (20, 400),
    "withdraw": (10, 200),
}

# How every status is reached on purpose (the first households of a seed, so every status is
# present even in a small load): main steps taken, then the detour.
_FORCED_PLANS = {
    S.REFERRED: (0, ()),
    S.PRE_SCREENING: (1, ()),
    S.APPROVED: (2, ()),
    S.HEALTH_ASSESSMENT: (3, ()),
    S.MEDICALLY_CLEARED: (4, ()),
    S.ORIENTATION: (5, ()),
    S.READY_TO_TRAVEL: (6, ()),
    S.BOOKED: (7, ()),
    S.DEPARTED: (8, ()),
    S.ARRIVED: (9, ()),
    S.CLOSED: (10, ()),
    S.ON_HOLD: (3, ("hold",)),
    S.DENIED: (1, ("deny",)),
    S.MEDICALLY_DEFERRED: (3, ("defer_medically",)),
    S.WITHDRAWN: (2, ("withdraw",)),
}
FORCED_STATUSES = list(_FORCED_PLANS)


def _plan_steps(rng: random.Random) -> list[str]:
    """The steps a household would take if nothing stopped it, detours included."""
    roll = rng.random()
    if roll < 0.13:
        # Denied by the destination after the pre-screening interview.
        return ["start_pre_screening", "deny"]
    steps = list(MAIN_STEPS)
    if rng.random() < 0.06:
        at = steps.index("clear_medically")
        steps[at:at] = (
            ["defer_medically", "resume_health_assessment"]
            if rng.random() < 0.5
            else ["defer_medically"]  # cleared straight from deferral
        )
    if rng.random() < 0.05:
        at = steps.index("depart")
        steps[at:at] = ["cancel_booking", "book"]
    if rng.random() < 0.08:
        at = _open_position(rng, steps)
        steps[at:at] = ["hold", "resume"]
    if rng.random() < 0.03:
        at = _open_position(rng, steps)
        steps[at:] = ["withdraw"]
    return steps


def _open_position(rng: random.Random, steps: list[str]) -> int:
    """An index in `steps` before which the case is in an open state (holdable, withdrawable)."""
    depart = steps.index("depart") if "depart" in steps else len(steps)
    candidates = [0, *(i + 1 for i, name in enumerate(steps[:depart]) if name != "hold")]
    return rng.choice([i for i in candidates if i <= depart])


def _office_time(rng: random.Random, day: datetime.date, tz) -> datetime.datetime:
    # Office days: move weekends to Monday.
    weekday = day.weekday()
    if weekday >= 5:
        day += datetime.timedelta(days=7 - weekday)
    return datetime.datetime(
        day.year, day.month, day.day, rng.randint(8, 16), rng.randint(0, 59), tzinfo=tz
    )


def _schedule(rng, steps, created_at, pace, tz):
    """The time of each step: increasing, office hours, flights in the evening, no flights
    while borders were closed in 2020."""
    times = []
    at = created_at
    for name in steps:
        low, high = STEP_DAYS[name]
        days = max(1, round((low + (high - low) * rng.random() ** 1.5) * pace))
        if name == "arrive":
            days = rng.randint(1, 2)
        day = at.date() + datetime.timedelta(days=days)
        if name in ("book", "depart") and TRAVEL_PAUSE[0] <= day < TRAVEL_PAUSE[1]:
            day = TRAVEL_PAUSE[1] + datetime.timedelta(days=rng.randint(0, 60))
        if name == "depart":
            at = datetime.datetime(
                day.year,
                day.month,
                day.day,
                rng.randint(19, 23),
                rng.choice((0, 15, 30, 45)),
                tzinfo=tz,
            )
        elif name == "arrive":
            at = datetime.datetime(
                day.year, day.month, day.day, rng.randint(6, 22), rng.randint(0, 59), tzinfo=tz
            )
        else:
            at = _office_time(rng, day, tz)
        times.append(at)
    return times


# ---------------------------------------------------------------------------------------------
# One household


@dataclass(frozen=True)
class References:
    """Primary keys of the reference rows, looked up once per load."""

    countries: dict[str, int]
    programmes: dict[str, int]
    programmes_by_country: dict[str, list[str]]
    locations: dict[str, int]
    movement_types: dict[str, int]
    submission_categories: dict[str, int]
    caseworkers: tuple[int, ...]

    @classmethod
    def load(cls) -> References:
        programmes_by_country: dict[str, list[str]] = {}
        for code, iso in Programme.objects.filter(is_active=True).values_list(
            "code", "country__iso_code"
        ):
            programmes_by_country.setdefault(iso, []).append(code)
        caseworkers = tuple(
            get_user_model()
            .objects.filter(groups__name=Role.CASEWORKER, is_active=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        refs = cls(
            countries=dict(Country.objects.values_list("iso_code", "pk")),
            programmes=dict(Programme.objects.values_list("code", "pk")),
            programmes_by_country=programmes_by_country,
            locations=dict(Location.objects.values_list("name", "pk")),
            movement_types=dict(MovementType.objects.values_list("code", "pk")),
            submission_categories=dict(SubmissionCategory.objects.values_list("code", "pk")),
            caseworkers=caseworkers,
        )
        refs.check()
        return refs

    def check(self) -> None:
        needed = {
            "countries": {"RWA"} | set(DESTINATIONS[0]) | {"COD", "BDI", *ETM_NATIONALITIES[0]},
            "locations": {name for rows in LOCATIONS_BY_NATIONALITY.values() for name, *_ in rows},
            "movement_types": set(MOVEMENT_TYPES[0]),
            "submission_categories": set(SUBMISSION_CATEGORIES[0]),
            "programmes_by_country": set(DESTINATIONS[0]),
        }
        missing = sorted(
            f"{table}: {code}"
            for table, codes in needed.items()
            for code in codes - set(getattr(self, table))
        )
        if missing:
            raise ApplicationError(
                _("Reference data is missing (load it first): %(missing)s")
                % {"missing": ", ".join(missing)},
                code="reference_data_missing",
            )


def demo_case_number(*, seed: int, index: int, registered: int) -> str:
    """UNHCR case number of household `index` of `seed`: unique within a seed."""
    serial = (_NUMBER_MULTIPLIER * index + _seed_offset(seed)) % MAX_CASES
    return f"RWA-{registered % 100:02d}-{serial:06d}"


_offsets: dict[int, int] = {}


def _seed_offset(seed: int) -> int:
    if seed not in _offsets:
        _offsets[seed] = random.Random(f"demo-offset-{seed}").randrange(MAX_CASES)
    return _offsets[seed]


# Years households registered with UNHCR Rwanda: Congolese since 1996 (Kiziba) and 2012-2013
# (Kigeme, Mugombwa); Burundians since 2015 (Mahama); evacuees at Gashora since 2019.
REGISTRATION_YEARS = {
    "COD": _weighted(
        [(1996, 10), (1997, 6), *((y, 1.5) for y in range(1998, 2012)), (2012, 12), (2013, 8)]
        + [(y, 2) for y in range(2014, 2019)]
    ),
    "BDI": _weighted([(2015, 60), (2016, 25), (2017, 10), (2018, 5)]),
    "ETM": _weighted([(y, 1) for y in range(2019, 2026)]),
}


@dataclass
class HouseholdStart:
    """What identifies household `index` of `seed`, drawn before anything that depends on the
    day of the run, so that its UNHCR case number never changes."""

    seed: int
    index: int
    rng: random.Random
    group: str
    registered: int
    unhcr_case_number: str


def household_start(*, seed: int, index: int) -> HouseholdStart:
    rng = random.Random(f"{seed}/{index}")
    group = _pick(rng, NATIONALITIES)
    if group == "ETM" and index < len(FORCED_STATUSES):
        group = "COD"  # the households that show every status are the common kind
    registered = _pick(rng, REGISTRATION_YEARS[group])
    number = demo_case_number(seed=seed, index=index, registered=registered)
    return HouseholdStart(seed, index, rng, group, registered, number)


@dataclass
class Household:
    """One case as rows ready for COPY (ids filled in at write time)."""

    unhcr_case_number: str
    case: list  # CASE_COLUMNS after id
    members: list[list]  # INDIVIDUAL_COLUMNS after id, case_id
    documents: list[tuple[int, list]]  # (member position, DOCUMENT_COLUMNS after individual_id)
    interviews: list[list]  # INTERVIEW_COLUMNS after case_id
    events: list[list]  # EVENT_COLUMNS after case_id


def _languages(rng: random.Random, nationality: str) -> list[str]:
    spoken = [name for name, chance in LANGUAGES[nationality] if rng.random() < chance]
    return spoken or [LANGUAGES[nationality][0][0]]


def _birth_date(rng, on_day: datetime.date, age: int, estimated: bool) -> datetime.date:
    born = on_day - datetime.timedelta(days=int(age * 365.25) + rng.randint(0, 364))
    if estimated:
        return datetime.date(born.year, 1, 1)
    return born


def _members(rng: random.Random, size: int):
    """Who lives in the household: (relationship, sex, age at referral) in a plausible shape.

    Children are at least 17 years younger than the youngest of their parents; an age of -1
    marks an unaccompanied child who is their own case.
    """
    if size == 1:
        if rng.random() < 0.04:
            return [(Relationship.PRINCIPAL_APPLICANT, rng.choice(_SEXES), -1)]
        sex = Sex.MALE if rng.random() < 0.55 else Sex.FEMALE
        return [(Relationship.PRINCIPAL_APPLICANT, sex, rng.randint(18, 70))]
    with_spouse = rng.random() < 0.68
    if with_spouse:
        pa_sex = Sex.MALE if rng.random() < 0.82 else Sex.FEMALE
    else:  # most single-parent households are headed by a woman
        pa_sex = Sex.FEMALE if rng.random() < 0.72 else Sex.MALE
    pa_age = rng.randint(22, 62)
    people = [(Relationship.PRINCIPAL_APPLICANT, pa_sex, pa_age)]
    youngest_parent = pa_age
    if with_spouse:
        spouse_sex = Sex.FEMALE if pa_sex == Sex.MALE else Sex.MALE
        gap = rng.randint(0, 8)
        spouse_age = max(19, pa_age - gap if spouse_sex == Sex.FEMALE else pa_age + gap)
        people.append((Relationship.SPOUSE, spouse_sex, spouse_age))
        youngest_parent = min(pa_age, spouse_age)
    slots = size - len(people)
    if slots and rng.random() < 0.08:
        parent_age = min(95, pa_age + 18 + rng.randint(0, 17))
        people.append((Relationship.PARENT, rng.choice(_SEXES), parent_age))
        slots -= 1
    if slots and pa_age >= 44 and rng.random() < 0.15:
        people.append((Relationship.GRANDCHILD, rng.choice(_SEXES), rng.randint(0, pa_age - 38)))
        slots -= 1
    oldest_child = min(youngest_parent - 17, 25)
    for _slot in range(slots):
        if oldest_child >= 0 and rng.random() < 0.9:
            people.append((Relationship.CHILD, rng.choice(_SEXES), rng.randint(0, oldest_child)))
        else:
            age = max(0, pa_age + rng.randint(-12, 12))
            people.append((Relationship.SIBLING, rng.choice(_SEXES), age))
    return people


_SEXES = (Sex.FEMALE, Sex.MALE)


def _referral_date(rng: random.Random, registered: int, today: datetime.date):
    """A referral date from 2019 to today, never before the household registered."""
    earliest = max(FIRST_REFERRAL, datetime.date(registered, 1, 1) + datetime.timedelta(days=90))
    years = [y for y in REFERRAL_YEAR_WEIGHTS if y <= today.year] or [today.year]
    year = _pick(rng, _weighted([(y, REFERRAL_YEAR_WEIGHTS.get(y, 1.0)) for y in years]))
    start = datetime.date(year, 1, 1)
    end = min(datetime.date(year, 12, 31), today)
    day = start + datetime.timedelta(days=rng.randint(0, max(0, (end - start).days)))
    if day < earliest:
        day = earliest + datetime.timedelta(days=rng.randint(0, 365))
    return min(day, today)


def _location(rng: random.Random, group: str, referral: datetime.date) -> str:
    rows = [
        (name, weight)
        for name, weight, since, until in LOCATIONS_BY_NATIONALITY[group]
        if (since is None or referral >= since) and (until is None or referral < until)
    ]
    if not rows:  # that camp was not open yet: the household lived in the first one listed
        return LOCATIONS_BY_NATIONALITY[group][0][0]
    return _pick(rng, _weighted(rows))


def _fit_before(rng, forced, created_at, times, now):
    """Shift a forced path so its last step is in the past (a departed case left hours ago)."""
    last = times[-1] if times else created_at
    if forced == S.DEPARTED:
        target = now - datetime.timedelta(hours=rng.randint(2, 20))
    elif forced == S.REFERRED:
        target = now - datetime.timedelta(days=rng.randint(1, 30))
    else:
        target = now - datetime.timedelta(days=rng.randint(1, 60))
    shift = last - target
    # Whole days keep office hours and evening flights at their time of day.
    days = datetime.timedelta(days=shift.days + (1 if shift.seconds else 0))
    return created_at - days, [at - days for at in times]


def demo_household(
    start: HouseholdStart, *, refs: References, now: datetime.datetime, tz
) -> Household:
    """The household: its case, members, documents, interview and timeline, up to `now`."""
    rng, group, number = start.rng, start.group, start.unhcr_case_number
    today = now.astimezone(tz).date()
    nationality = _pick(rng, ETM_NATIONALITIES) if group == "ETM" else group
    forced = FORCED_STATUSES[start.index] if start.index < len(FORCED_STATUSES) else None

    referral = _referral_date(rng, start.registered, today)
    destination = _pick(rng, ETM_DESTINATIONS if group == "ETM" else DESTINATIONS)
    if destination in PROGRAMME_WEIGHTS:
        programme = _pick(rng, PROGRAMME_WEIGHTS[destination])
    else:
        programme = refs.programmes_by_country[destination][0]
    movement = _pick(rng, MOVEMENT_TYPES)
    if movement == "family_reunification" and rng.random() < 0.6:
        category = "FRE"
    else:
        category = _pick(rng, SUBMISSION_CATEGORIES)
    urgency = _pick(rng, ETM_URGENCIES if group == "ETM" else URGENCIES)
    caseworker = rng.choice(refs.caseworkers) if refs.caseworkers else None

    # The path, and when each step happened.
    if forced is None:
        steps = _plan_steps(rng)
    else:
        main_count, detour = _FORCED_PLANS[forced]
        steps = [*MAIN_STEPS[:main_count], *detour]
    created_at = _office_time(rng, referral, tz)
    times = _schedule(rng, steps, created_at, URGENCY_PACE[urgency], tz)
    if forced is not None:
        created_at, times = _fit_before(rng, forced, created_at, times, now)
    # Steps after now have not happened yet (nor a referral later today or next Monday).
    created_at = min(created_at, now)
    referral = created_at.astimezone(tz).date()
    location = _location(rng, group, referral)
    departures = _planned_departures(rng, steps, times)
    taken = sum(1 for at in times if at <= now)
    steps, times = steps[:taken], times[:taken]

    events = [[EventKind.CREATED.value, None, created_at, "", S.REFERRED.value, "", "", "{}"]]
    status, resume = S.REFERRED.value, ""
    for name, at in zip(steps, times, strict=True):
        transition = TRANSITIONS_BY_NAME[name]
        source = status
        status = str(transition.target) if transition.target is not None else resume
        resume = source if transition.remembers_source else ""
        reasons = REASONS.get(name)
        data = "{}"
        if name == "book":
            data = json.dumps({"departure_date": departures[at].isoformat()})
        reason = rng.choice(reasons) if reasons else ""
        events.append([_STATUS_CHANGED, None, at, source, status, name, reason, data])
    changed_at = times[-1] if times else created_at

    members = _member_rows(rng, nationality, number, referral, created_at, refs)
    interviews = _interview_rows(rng, steps, times, location, now, tz)
    documents = []
    if "mark_ready_to_travel" in steps:
        documents = _document_rows(
            rng,
            number,
            len(members),
            times[steps.index("mark_ready_to_travel")],
            changed_at,
            destination,
            refs,
            tz,
        )
    case = [
        number,
        urgency.value,
        referral,
        status,
        resume,
        changed_at,
        "",
        created_at,
        changed_at,
        caseworker,
        refs.countries[destination],
        refs.locations[location],
        refs.movement_types[movement],
        refs.programmes[programme],
        refs.submission_categories[category],
    ]
    return Household(number, case, members, documents, interviews, events)


_STATUS_CHANGED = EventKind.STATUS_CHANGED.value


def _planned_departures(rng, steps, times) -> dict[datetime.datetime, datetime.date]:
    """The departure date each booking was made for: the flight taken, or one that was
    cancelled or never happened."""
    planned = {}
    for position, name in enumerate(steps):
        if name != "book":
            continue
        after = steps[position + 1] if position + 1 < len(steps) else None
        if after == "depart":
            planned[times[position]] = times[position + 1].date()
        else:
            planned[times[position]] = (
                times[position] + datetime.timedelta(days=rng.randint(7, 35))
            ).date()
    return planned


def _member_rows(rng, nationality, number, referral, created_at, refs):
    given_names = GIVEN_NAMES[nationality]
    family_names = FAMILY_NAMES[nationality]
    languages = _languages(rng, nationality)
    nationality_id = refs.countries[nationality]
    household_family = rng.choice(family_names)
    # Children often carry their father's name, often a name of their own (Kinyarwanda, Kirundi).
    father_family = household_family
    rows = []
    for position, (relationship, sex, age) in enumerate(
        _members(rng, _pick(rng, HOUSEHOLD_SIZES)), start=1
    ):
        special = []
        if age < 0:
            age = rng.randint(14, 17)
            special.append(SpecialNeed.UNACCOMPANIED_MINOR.value)
        estimated = rng.random() < 0.25
        born = _birth_date(rng, referral, age, estimated)
        if relationship == Relationship.PRINCIPAL_APPLICANT:
            family = household_family
        elif relationship == Relationship.CHILD and rng.random() < 0.5:
            family = father_family
        else:
            family = rng.choice(family_names)
        if relationship == Relationship.SPOUSE and sex == Sex.MALE:
            father_family = family
        if age >= 60 and rng.random() < 0.08:
            special.append(SpecialNeed.WHEELCHAIR.value)
        elif rng.random() < 0.008:
            special.append(SpecialNeed.MEDICAL_ESCORT.value)
        if sex == Sex.FEMALE and 18 <= age <= 40 and rng.random() < 0.03:
            special.append(SpecialNeed.PREGNANCY.value)
        rows.append(
            [
                rng.choice(given_names[sex]),
                family,
                sex.value,
                born,
                estimated,
                nationality_id,
                relationship.value,
                f"{number}-{position:02d}",
                languages if age >= 3 else languages[:1],
                special,
                created_at,
                created_at,
            ]
        )
    return rows


def _interview_rows(rng, steps, times, location, now, tz):
    """The pre-screening interview, decided when the case was approved or denied."""
    decision_step = next((n for n in steps if n in ("approve", "deny")), None)
    if decision_step is not None:
        decided_at = times[steps.index(decision_step)]
        started = times[steps.index("start_pre_screening")]
        held = decided_at - datetime.timedelta(days=rng.randint(7, 40))
        held = min(max(held, started + datetime.timedelta(days=1)), decided_at)
        decision = (
            InterviewDecision.APPROVED if decision_step == "approve" else InterviewDecision.DENIED
        )
        return [
            _interview(
                rng,
                location,
                held,
                InterviewOutcome.COMPLETED,
                decision.value,
                decided_at.date(),
                started,
                decided_at,
            )
        ]
    if "start_pre_screening" in steps and rng.random() < 0.6:
        started = times[steps.index("start_pre_screening")]
        on = _office_time(rng, started.date() + datetime.timedelta(days=rng.randint(14, 90)), tz)
        if on > now:
            return [
                _interview(
                    rng, location, on, InterviewOutcome.SCHEDULED, "", None, started, started
                )
            ]
        return [_interview(rng, location, on, InterviewOutcome.COMPLETED, "", None, started, on)]
    return []


def _interview(rng, location, on, outcome, decision, decided_on, created, updated):
    venue = f"{location} field office" if rng.random() < 0.7 else "RSC Africa, Kigali"
    return [
        InterviewKind.PRE_SCREENING.value,
        on,
        venue,
        rng.choice(PRE_SCREENING_INTERVIEWERS),
        str(outcome),
        decision,
        decided_on,
        "",
        None,
        created,
        updated,
    ]


def _document_rows(rng, number, count, ready_at, changed_at, destination, refs, tz):
    """Travel documents, issued in the weeks before the case was ready to travel: a refugee
    travel document from Rwanda, or a laissez-passer from the destination."""
    laissez_passer = rng.random() < 0.5
    if laissez_passer:
        kind, issuer, prefix = DocumentType.LAISSEZ_PASSER, refs.countries[destination], "LP"
    else:
        kind, issuer, prefix = DocumentType.REFUGEE_TRAVEL_DOCUMENT, refs.countries["RWA"], "RTD"
    digits = number[4:6] + number[7:]
    rows = []
    for position in range(count):
        issued = ready_at.date() - datetime.timedelta(days=rng.randint(5, 60))
        expires = max(
            issued + datetime.timedelta(days=730), changed_at.date() + datetime.timedelta(days=30)
        )
        created = _office_time(rng, issued, tz)
        rows.append(
            (
                position,
                [
                    kind.value,
                    f"{prefix}{digits}{position + 1:02d}",
                    issuer,
                    issued,
                    expires,
                    created,
                ],
            )
        )
    return rows


# ---------------------------------------------------------------------------------------------
# Writing households

CASE_COLUMNS = (
    "id",
    "unhcr_case_number",
    "urgency",
    "referral_date",
    "status",
    "resume_status",
    "status_changed_at",
    "notes",
    "created_at",
    "updated_at",
    "caseworker_id",
    "destination_country_id",
    "location_id",
    "movement_type_id",
    "programme_id",
    "submission_category_id",
)
# The generated name keys are left to the database.
INDIVIDUAL_COLUMNS = (
    "id",
    "case_id",
    "given_name",
    "family_name",
    "sex",
    "date_of_birth",
    "date_of_birth_estimated",
    "nationality_id",
    "relationship",
    "unhcr_individual_number",
    "languages",
    "special_needs",
    "created_at",
    "updated_at",
)
DOCUMENT_COLUMNS = (
    "individual_id",
    "document_type",
    "number",
    "issuing_country_id",
    "issued_on",
    "expires_on",
    "created_at",
)
INTERVIEW_COLUMNS = (
    "case_id",
    "kind",
    "scheduled_for",
    "venue",
    "interviewer",
    "outcome",
    "decision",
    "decided_on",
    "notes",
    "recorded_by_id",
    "created_at",
    "updated_at",
)
EVENT_COLUMNS = (
    "case_id",
    "kind",
    "actor_id",
    "at",
    "from_status",
    "to_status",
    "transition",
    "reason",
    "data",
)
# Tables in the order they are written (parents first), with their columns.
DEMO_TABLES = (
    ("cases_case", CASE_COLUMNS),
    ("cases_individual", INDIVIDUAL_COLUMNS),
    ("cases_traveldocument", DOCUMENT_COLUMNS),
    ("cases_interview", INTERVIEW_COLUMNS),
    ("cases_caseevent", EVENT_COLUMNS),
)

DEFAULT_SEED = 2026
DEFAULT_CHUNK = 5_000


@dataclass
class DemoDataSummary:
    """What a load wrote."""

    cases: int = 0
    people: int = 0
    documents: int = 0
    interviews: int = 0
    events: int = 0
    skipped: int = 0
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return self.cases + self.people + self.documents + self.interviews + self.events

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def add(self, other: DemoDataSummary) -> None:
        for name in ("cases", "people", "documents", "interviews", "events", "skipped"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def demo_data_load(
    *,
    cases: int,
    seed: int = DEFAULT_SEED,
    chunk_size: int = DEFAULT_CHUNK,
    now: datetime.datetime | None = None,
    progress: Callable[[DemoDataSummary, int], None] | None = None,
) -> DemoDataSummary:
    """Make sure households 0..cases-1 of `seed` exist; write those that do not.

    Idempotent: households whose UNHCR case number exists are skipped, so a rerun writes
    nothing and a larger `cases` writes only the new ones. Each chunk of `chunk_size`
    households is one transaction (all or nothing). Audit rows carry a context with
    reason "demo data". `progress(summary, households_done)` is called after each chunk.
    """
    if not 0 <= cases <= MAX_CASES:
        raise ApplicationError(
            _("The number of cases must be between 0 and %(max)d.") % {"max": MAX_CASES},
            field="cases",
        )
    tz = ZoneInfo(settings.TIME_ZONE)
    now = now or timezone.now()
    refs = References.load()
    summary = DemoDataSummary()
    started = time.perf_counter()
    with pghistory.context(user=None, reason="demo data") as audit:
        audit_context = (str(audit.id), json.dumps(audit.metadata))
        for first in range(0, cases, chunk_size):
            indexes = range(first, min(cases, first + chunk_size))
            with transaction.atomic():
                summary.add(_load_chunk(seed, indexes, refs, now, tz, audit_context))
            if progress is not None:
                summary.seconds = time.perf_counter() - started
                progress(summary, indexes.stop)
    summary.seconds = time.perf_counter() - started
    return summary


def _load_chunk(seed, indexes, refs, now, tz, audit_context) -> DemoDataSummary:
    starts = [household_start(seed=seed, index=i) for i in indexes]
    with connection.cursor() as cursor:
        prepare_bulk_transaction(cursor, *audit_context)
        cursor.execute(
            "SELECT unhcr_case_number FROM cases_case WHERE unhcr_case_number = ANY(%s)",
            [[s.unhcr_case_number for s in starts]],
        )
        existing = {row[0] for row in cursor.fetchall()}
        households = [
            demo_household(s, refs=refs, now=now, tz=tz)
            for s in starts
            if s.unhcr_case_number not in existing
        ]
        summary = DemoDataSummary(skipped=len(starts) - len(households))
        if not households:
            return summary
        case_ids = _draw_ids(cursor, "cases_case", len(households))
        person_ids = _draw_ids(cursor, "cases_individual", sum(len(h.members) for h in households))
        _copy_households(cursor.cursor, households, case_ids, person_ids)
    summary.cases = len(households)
    summary.people = len(person_ids)
    summary.documents = sum(len(h.documents) for h in households)
    summary.interviews = sum(len(h.interviews) for h in households)
    summary.events = sum(len(h.events) for h in households)
    return summary


def prepare_bulk_transaction(cursor, context_id: str, context_metadata: str) -> None:
    """Settings for the current transaction before rows go in with COPY.

    The audit context: COPY goes around Django's cursor wrapper, so pghistory cannot add it.

    `pgtrigger.ignore` set to "ignore nothing": every pgtrigger trigger reads this setting and,
    when it is unset, catches the error in a PL/pgSQL exception block. Each caught error aborts
    a subtransaction, and on every subtransaction abort PostgreSQL rescans all deferred trigger
    events still pending in the transaction (Django's foreign keys and the one-principal check
    are deferred), which makes a bulk load quadratic in the rows of a transaction. With the
    setting present no error is raised; every trigger still runs.
    """
    cursor.execute(
        "SELECT set_config('pghistory.context_id', %s, true), "
        "set_config('pghistory.context_metadata', %s, true), "
        "set_config('pgtrigger.ignore', '{}', true)",
        [context_id, context_metadata],
    )


def _draw_ids(cursor, table: str, count: int) -> list[int]:
    """Primary keys from the table's own sequence, so rows can point at each other in COPY."""
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
        [table, count],
    )
    return [row[0] for row in cursor.fetchall()]


def _copy_sql(table: str, columns) -> str:
    return f"COPY {table} ({', '.join(columns)}) FROM STDIN"


def _copy_households(raw_cursor, households, case_ids, person_ids) -> None:
    """Write the households with COPY, parents first (foreign keys are checked per row)."""
    with raw_cursor.copy(_copy_sql("cases_case", CASE_COLUMNS)) as copy:
        for case_id, household in zip(case_ids, households, strict=True):
            copy.write_row((case_id, *household.case))
    member_ids = []  # per household, the ids of its members
    with raw_cursor.copy(_copy_sql("cases_individual", INDIVIDUAL_COLUMNS)) as copy:
        ids = iter(person_ids)
        for case_id, household in zip(case_ids, households, strict=True):
            mine = []
            for member in household.members:
                person_id = next(ids)
                mine.append(person_id)
                copy.write_row((person_id, case_id, *member))
            member_ids.append(mine)
    with raw_cursor.copy(_copy_sql("cases_traveldocument", DOCUMENT_COLUMNS)) as copy:
        for mine, household in zip(member_ids, households, strict=True):
            for position, document in household.documents:
                copy.write_row((mine[position], *document))
    with raw_cursor.copy(_copy_sql("cases_interview", INTERVIEW_COLUMNS)) as copy:
        for case_id, household in zip(case_ids, households, strict=True):
            for interview in household.interviews:
                copy.write_row((case_id, *interview))
    with raw_cursor.copy(_copy_sql("cases_caseevent", EVENT_COLUMNS)) as copy:
        for case_id, household in zip(case_ids, households, strict=True):
            for event in household.events:
                copy.write_row((case_id, *event))


# ---------------------------------------------------------------------------------------------
# Demo accounts

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


@dataclass(frozen=True)
class DemoAccount:
    role: str
    username: str
    password: str
    created: bool


@transaction.atomic
def demo_users_ensure(*, password: str = DEMO_PASSWORD) -> list[DemoAccount]:
    """One active account per role, in the role's group, with `password` (reset on each run).

    `admin` may also use the admin site (staff, with the administrator role's permissions
    only: no superuser, who would see what the role may not); `partner` stands for UNHCR
    Rwanda. Demo cases with no caseworker are then handed to the demo caseworker, so that
    "My desk" shows cases from the first login (demo_cases_hand_over).
    """
    if not password:
        raise ApplicationError(_("A demo password cannot be empty."), field="password")
    User = get_user_model()
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
                user=user, defaults={"organisation": PARTNER_ORGANISATION, "country": None}
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
