"""The path of a demo case through the workflow (`cases.workflow.TRANSITIONS`), and when each
step happens: every status is reached the way a caseworker would reach it."""

from __future__ import annotations

import datetime
import random

from cases.choices import CaseStatus
from cases.workflow import TRANSITIONS_BY_NAME

from .population import TRAVEL_PAUSE

S = CaseStatus

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
FORCED_PLANS = {
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


FORCED_STATUSES = list(FORCED_PLANS)


def plan_steps(rng: random.Random) -> list[str]:
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


def office_time(rng: random.Random, day: datetime.date, tz) -> datetime.datetime:
    # Office days: move weekends to Monday.
    weekday = day.weekday()
    if weekday >= 5:
        day += datetime.timedelta(days=7 - weekday)
    return datetime.datetime(
        day.year, day.month, day.day, rng.randint(8, 16), rng.randint(0, 59), tzinfo=tz
    )


def schedule(rng, steps, created_at, pace, tz):
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
            at = office_time(rng, day, tz)
        times.append(at)
    return times
