"""One demo household, drawn from its own random generator seeded with (seed, index): its UNHCR
case number, its case, interview, travel documents and timeline, as rows ready for COPY."""

from __future__ import annotations

import datetime
import json
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from cases.choices import (
    CaseStatus,
    DocumentType,
    EventKind,
    InterviewDecision,
    InterviewKind,
    InterviewOutcome,
)
from cases.models import Country, Location, MovementType, Programme, SubmissionCategory
from cases.workflow import TRANSITIONS_BY_NAME
from core.errors import ApplicationError
from core.roles import Role

from .members import member_rows
from .population import (
    DESTINATIONS,
    ETM_DESTINATIONS,
    ETM_NATIONALITIES,
    ETM_URGENCIES,
    FIRST_REFERRAL,
    LOCATIONS_BY_NATIONALITY,
    MOVEMENT_TYPES,
    NATIONALITIES,
    PRE_SCREENING_INTERVIEWERS,
    PROGRAMME_WEIGHTS,
    REASONS,
    REFERRAL_YEAR_WEIGHTS,
    SUBMISSION_CATEGORIES,
    URGENCIES,
    URGENCY_PACE,
    pick,
    weighted,
)
from .workflow_path import (
    FORCED_PLANS,
    FORCED_STATUSES,
    MAIN_STEPS,
    office_time,
    plan_steps,
    schedule,
)

S = CaseStatus

# A seed's households are numbered 0..MAX_CASES-1; the UNHCR case number's six digits are a
# permutation of that index, so one seed never repeats a number.
MAX_CASES = 1_000_000


_NUMBER_MULTIPLIER = 387_433  # coprime with 10**6: i -> (a*i + b) mod 10**6 is a bijection


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
    "COD": weighted(
        [(1996, 10), (1997, 6), *((y, 1.5) for y in range(1998, 2012)), (2012, 12), (2013, 8)]
        + [(y, 2) for y in range(2014, 2019)]
    ),
    "BDI": weighted([(2015, 60), (2016, 25), (2017, 10), (2018, 5)]),
    "ETM": weighted([(y, 1) for y in range(2019, 2026)]),
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
    group = pick(rng, NATIONALITIES)
    if group == "ETM" and index < len(FORCED_STATUSES):
        group = "COD"  # the households that show every status are the common kind
    registered = pick(rng, REGISTRATION_YEARS[group])
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


def _referral_date(rng: random.Random, registered: int, today: datetime.date):
    """A referral date from 2019 to today, never before the household registered."""
    earliest = max(FIRST_REFERRAL, datetime.date(registered, 1, 1) + datetime.timedelta(days=90))
    years = [y for y in REFERRAL_YEAR_WEIGHTS if y <= today.year] or [today.year]
    year = pick(rng, weighted([(y, REFERRAL_YEAR_WEIGHTS.get(y, 1.0)) for y in years]))
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
    return pick(rng, weighted(rows))


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
    nationality = pick(rng, ETM_NATIONALITIES) if group == "ETM" else group
    forced = FORCED_STATUSES[start.index] if start.index < len(FORCED_STATUSES) else None

    referral = _referral_date(rng, start.registered, today)
    destination = pick(rng, ETM_DESTINATIONS if group == "ETM" else DESTINATIONS)
    if destination in PROGRAMME_WEIGHTS:
        programme = pick(rng, PROGRAMME_WEIGHTS[destination])
    else:
        programme = refs.programmes_by_country[destination][0]
    movement = pick(rng, MOVEMENT_TYPES)
    if movement == "family_reunification" and rng.random() < 0.6:
        category = "FRE"
    else:
        category = pick(rng, SUBMISSION_CATEGORIES)
    urgency = pick(rng, ETM_URGENCIES if group == "ETM" else URGENCIES)
    caseworker = rng.choice(refs.caseworkers) if refs.caseworkers else None

    # The path, and when each step happened.
    if forced is None:
        steps = plan_steps(rng)
    else:
        main_count, detour = FORCED_PLANS[forced]
        steps = [*MAIN_STEPS[:main_count], *detour]
    created_at = office_time(rng, referral, tz)
    times = schedule(rng, steps, created_at, URGENCY_PACE[urgency], tz)
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

    members = member_rows(rng, nationality, number, referral, created_at, refs)
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
        on = office_time(rng, started.date() + datetime.timedelta(days=rng.randint(14, 90)), tz)
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
        created = office_time(rng, issued, tz)
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
