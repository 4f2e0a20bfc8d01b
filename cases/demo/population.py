"""Who the demo households are: where they come from and live, where they are going, their
names, languages and household sizes, and the reasons written on their timelines."""

from __future__ import annotations

import bisect
import datetime
import random

from cases.choices import Sex, Urgency

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


def weighted(pairs):
    """(values, cumulative weights) for `pick`."""
    values = [v for v, _w in pairs]
    cum, total = [], 0.0
    for _v, w in pairs:
        total += w
        cum.append(total)
    return values, cum


def pick(rng: random.Random, table):
    values, cum = table
    return values[bisect.bisect_right(cum, rng.random() * cum[-1])]


NATIONALITIES = weighted([("COD", 74), ("BDI", 24), ("ETM", 2)])


# Evacuees of the Emergency Transit Mechanism at Gashora come from the Horn of Africa and Sudan.
ETM_NATIONALITIES = weighted([("ERI", 50), ("SDN", 20), ("SOM", 15), ("ETH", 10), ("SSD", 5)])


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


DESTINATIONS = weighted(
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


ETM_DESTINATIONS = weighted(
    [("CAN", 25), ("NOR", 15), ("SWE", 15), ("FIN", 10), ("FRA", 10), ("NLD", 10), ("USA", 15)]
)


# Programmes of a country when it has more than one (others use their only programme).
PROGRAMME_WEIGHTS = {"CAN": weighted([("CA-GAR", 80), ("CA-PSR", 20)])}


MOVEMENT_TYPES = weighted(
    [("refugee_resettlement", 88), ("family_reunification", 10), ("self_paying_migrant", 2)]
)


SUBMISSION_CATEGORIES = weighted(
    [("LPN", 30), ("LAS", 25), ("SVT", 15), ("WGR", 12), ("MED", 8), ("CAR", 5), ("FRE", 5)]
)


URGENCIES = weighted([(Urgency.NORMAL, 90), (Urgency.URGENT, 8), (Urgency.EMERGENCY, 2)])


ETM_URGENCIES = weighted([(Urgency.NORMAL, 40), (Urgency.URGENT, 45), (Urgency.EMERGENCY, 15)])


# Emergency cases move in weeks, urgent ones in months.
URGENCY_PACE = {Urgency.NORMAL: 1.0, Urgency.URGENT: 0.4, Urgency.EMERGENCY: 0.12}


# Household sizes of refugee cases (mean about four).
HOUSEHOLD_SIZES = weighted(
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
