"""Demo orientation records for the demo households of `cases.demo`.

`manage.py demo_data` writes cases in every status but no orientation, so the guard
"orientation completed" refused to book a demo case. `demo_orientation_records_load` gives every
case at "orientation" or later on the main line (and cases on hold or withdrawn from there) the
orientation its timeline implies:

- cases past orientation (ready to travel .. closed): sessions of the destination's curriculum,
  held in the past, one set per destination and month (as many sessions as the capacity asks),
  ending before the day the case was marked ready to travel; every member old enough on the
  first day enrolled and present on every day;
- cases in "orientation": a session of their destination under way, started before today, with
  attendance recorded for the days before today only, so they show as in progress.

No timeline entries are written (the demo timeline already has the step into orientation).
Idempotent: a case with any enrollment is skipped, so a second run writes nothing. Rows go in
with bulk_create, a chunk of cases per transaction, audited under the context "demo data".
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.audit import acting_as
from cases.choices import CaseStatus
from cases.models import Case, CaseEvent, Individual, Location
from core.errors import ApplicationError
from core.roles import Role

from .choices import SessionStatus
from .models import Attendance, Curriculum, Enrollment, OrientationSession, SessionDay

S = CaseStatus

ORIENTED_STATUSES = frozenset(
    {S.ORIENTATION, S.READY_TO_TRAVEL, S.BOOKED, S.DEPARTED, S.ARRIVED, S.CLOSED}
)
CAPACITY = 40
CHUNK = 5_000
DEMO_REASON = "demo data"
DEFAULT_LANGUAGE = "Swahili"


@dataclass
class OrientationDemoSummary:
    cases: int = 0
    sessions: int = 0
    days: int = 0
    enrollments: int = 0
    attendance: int = 0
    in_progress: int = 0
    nobody_old_enough: int = 0
    no_curriculum: int = 0

    @property
    def rows(self) -> int:
        return self.sessions + self.days + self.enrollments + self.attendance


@dataclass
class _Household:
    case_id: int
    location_id: int
    members: list[Individual]
    # The session must end before this day (None: a session under way today).
    end_before: datetime.date | None
    desired_start: datetime.date


@dataclass
class _Pack:
    curriculum: Curriculum
    start: datetime.date
    households: list[tuple[_Household, list[Individual]]] = field(default_factory=list)
    size: int = 0


def effective_status(status: str, resume_status: str) -> str:
    """The main-line status of a case, looking through "on hold" and "withdrawn"."""
    if status in (S.ON_HOLD, S.WITHDRAWN) and resume_status:
        return resume_status
    return status


def demo_orientation_records_load(*, today: datetime.date | None = None) -> OrientationDemoSummary:
    """Write the missing orientation records of the demo cases; see the module's docstring.

    ApplicationError when nobody holds the orientation facilitator role (a session needs one:
    run `manage.py demo_users` first).
    """
    today = today or timezone.localdate()
    facilitator = (
        get_user_model()
        .objects.filter(groups__name=Role.ORIENTATION_FACILITATOR, is_active=True)
        .order_by("pk")
        .first()
    )
    if facilitator is None:
        raise ApplicationError(
            _(
                "Nobody holds the orientation facilitator role: create the demo accounts first "
                "(manage.py demo_users)."
            ),
            code="no_facilitator",
        )
    curricula: dict[int, Curriculum] = {}
    for curriculum in Curriculum.objects.filter(is_active=True).order_by(
        "destination_country_id", "-minimum_age", "-id"
    ):
        # The lowest minimum age wins, as in orientation.selectors when a case has no session.
        curricula[curriculum.destination_country_id] = curriculum
    wanted = sorted(ORIENTED_STATUSES)
    case_rows = list(
        Case.objects.filter(
            Q(status__in=wanted) | Q(status__in=[S.ON_HOLD, S.WITHDRAWN], resume_status__in=wanted)
        )
        .exclude(Exists(Enrollment.objects.filter(individual__case_id=OuterRef("pk"))))
        .order_by("pk")
        .values_list(
            "pk",
            "status",
            "resume_status",
            "destination_country_id",
            "location_id",
            "status_changed_at",
        )
    )
    summary = OrientationDemoSummary()
    locations = dict(Location.objects.values_list("pk", "name"))
    for first in range(0, len(case_rows), CHUNK):
        with transaction.atomic(), acting_as(None, reason=DEMO_REASON):
            _ignore_nothing()
            _write_chunk(
                case_rows[first : first + CHUNK],
                today=today,
                curricula=curricula,
                facilitator=facilitator,
                locations=locations,
                summary=summary,
            )
    return summary


def _ignore_nothing() -> None:
    """See cases.demo.prepare_bulk_transaction: keeps pgtrigger's triggers from raising and
    catching an error per row, which makes large transactions quadratic."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pgtrigger.ignore', '{}', true)")


def _local_day(at: datetime.datetime) -> datetime.date:
    return timezone.localtime(at).date()


def _write_chunk(case_rows, *, today, curricula, facilitator, locations, summary) -> None:
    case_ids = [row[0] for row in case_rows]
    members: dict[int, list[Individual]] = {}
    for person in Individual.objects.filter(case_id__in=case_ids).order_by("case_id", "pk"):
        members.setdefault(person.case_id, []).append(person)
    ready_on: dict[int, datetime.date] = {}
    for case_id, at in CaseEvent.objects.filter(
        case_id__in=case_ids, transition="mark_ready_to_travel"
    ).values_list("case_id", "at"):
        ready_on[case_id] = min(ready_on.get(case_id, _local_day(at)), _local_day(at))

    # Households by (curriculum, month of their session; None for sessions under way).
    groups: dict[tuple[int, tuple[int, int] | None], list[_Household]] = {}
    for case_id, status, resume_status, country_id, location_id, changed_at in case_rows:
        curriculum = curricula.get(country_id)
        if curriculum is None:
            summary.no_curriculum += 1
            continue
        rng = random.Random(f"orientation/{case_id}")
        days = curriculum.number_of_days
        if status == S.ORIENTATION:
            end_before = None
            desired = today - datetime.timedelta(days=(days - 1) // 2)
        else:
            main = effective_status(status, resume_status)
            end_before = ready_on.get(case_id)
            if end_before is None or main == S.ORIENTATION:
                end_before = min(_local_day(changed_at), today)
            desired = end_before - datetime.timedelta(days=days + rng.randint(0, 5))
        household = _Household(case_id, location_id, members.get(case_id, []), end_before, desired)
        month = None if end_before is None else (desired.year, desired.month)
        groups.setdefault((curriculum.pk, month), []).append(household)

    by_pk = {c.pk: c for c in curricula.values()}
    packs: list[_Pack] = []
    for (curriculum_id, _month), households in groups.items():
        curriculum = by_pk[curriculum_id]
        households.sort(key=lambda h: (h.desired_start, h.case_id))
        pack = None
        for household in households:
            eligible = _old_enough(household, curriculum, pack.start) if pack else []
            if not eligible or pack.size + len(eligible) > CAPACITY:
                eligible = _old_enough(household, curriculum, household.desired_start)
                if not eligible:
                    summary.nobody_old_enough += 1
                    continue
                pack = _Pack(curriculum, household.desired_start)
                packs.append(pack)
            pack.households.append((household, eligible))
            pack.size += len(eligible)
    _write_packs(packs, today=today, facilitator=facilitator, locations=locations, summary=summary)


def _old_enough(household: _Household, curriculum: Curriculum, start: datetime.date):
    """The members who must attend a session of `curriculum` starting on `start`."""
    return [m for m in household.members if m.age_on(start) >= curriculum.minimum_age]


def _write_packs(packs, *, today, facilitator, locations, summary) -> None:
    sessions = []
    for pack in packs:
        people = [m for _h, eligible in pack.households for m in eligible]
        languages = Counter(m.languages[0] for m in people if m.languages)
        location = Counter(h.location_id for h, _e in pack.households).most_common(1)[0][0]
        last_day = pack.start + datetime.timedelta(days=pack.curriculum.number_of_days - 1)
        sessions.append(
            OrientationSession(
                curriculum=pack.curriculum,
                start_date=pack.start,
                venue=f"{locations.get(location, 'Kigali')} community hall",
                language=languages.most_common(1)[0][0] if languages else DEFAULT_LANGUAGE,
                facilitator=facilitator,
                capacity=CAPACITY,
                status=SessionStatus.HELD if last_day < today else SessionStatus.PLANNED,
            )
        )
    OrientationSession.objects.bulk_create(sessions)
    days = [
        SessionDay(session=session, number=n, date=session.start_date + datetime.timedelta(n - 1))
        for session in sessions
        for n in range(1, session.curriculum.number_of_days + 1)
    ]
    SessionDay.objects.bulk_create(days, batch_size=1_000)
    days_by_session: dict[int, list[SessionDay]] = {}
    for day in days:
        days_by_session.setdefault(day.session_id, []).append(day)
    enrollments = [
        Enrollment(session=session, individual=person, enrolled_by=facilitator)
        for session, pack in zip(sessions, packs, strict=True)
        for _household, eligible in pack.households
        for person in eligible
    ]
    Enrollment.objects.bulk_create(enrollments, batch_size=1_000)
    attendance = [
        Attendance(enrollment=enrollment, day=day, present=True, recorded_by=facilitator)
        for enrollment in enrollments
        for day in days_by_session[enrollment.session_id]
        if day.date < today
    ]
    Attendance.objects.bulk_create(attendance, batch_size=1_000)
    summary.cases += sum(len(pack.households) for pack in packs)
    summary.in_progress += sum(
        len(pack.households)
        for pack, s in zip(packs, sessions, strict=True)
        if s.status == SessionStatus.PLANNED
    )
    summary.sessions += len(sessions)
    summary.days += len(days)
    summary.enrollments += len(enrollments)
    summary.attendance += len(attendance)
