"""Reads of cultural orientation, scoped to the user, and the one computation of whether a case
has completed orientation (used by the workflow guard, the case page and the API)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cases.models import Case, Individual
from cases.selectors import case_visible_to, partner_country_id
from core.roles import Role, has_role, is_staff_member

from .choices import SessionStatus
from .models import Attendance, Curriculum, Enrollment, OrientationSession, SessionDay

# ---------------------------------------------------------------------------------------------
# Sessions


def session_visible_to(user) -> QuerySet[OrientationSession]:
    """Sessions `user` may see: staff see all; a partner system those of its own destination."""
    if user is None or not user.is_authenticated:
        return OrientationSession.objects.none()
    if user.is_superuser or is_staff_member(user):
        return OrientationSession.objects.all()
    if has_role(user, Role.PARTNER_SYSTEM):
        country_id = partner_country_id(user)
        if country_id is None:
            return OrientationSession.objects.all()
        return OrientationSession.objects.filter(curriculum__destination_country_id=country_id)
    return OrientationSession.objects.none()


def session_list(*, user, when: str = "upcoming") -> QuerySet[OrientationSession]:
    """Sessions for a list, in two queries whatever their number (sessions, then their days).

    "upcoming" holds sessions whose last day is today or later, soonest first; "past" the others,
    latest first. Each session carries `last_date` and `enrolled_count`.
    """
    last_date = SessionDay.objects.filter(session=OuterRef("pk")).order_by("-date").values("date")
    qs = (
        session_visible_to(user)
        .select_related("curriculum__destination_country", "facilitator")
        .annotate(last_date=Subquery(last_date[:1]), enrolled_count=Count("enrollments"))
        .prefetch_related(Prefetch("days", queryset=SessionDay.objects.order_by("number")))
    )
    today = timezone.localdate()
    if when == "past":
        return qs.filter(last_date__lt=today).order_by("-start_date", "-id")
    return qs.filter(Q(last_date__gte=today) | Q(last_date__isnull=True)).order_by(
        "start_date", "id"
    )


def session_detail(*, user, pk: int) -> OrientationSession:
    """One session the user may see, with its days, curriculum and facilitator.

    OrientationSession.DoesNotExist otherwise.
    """
    return (
        session_visible_to(user)
        .select_related("curriculum__destination_country", "facilitator")
        .prefetch_related(Prefetch("days", queryset=SessionDay.objects.order_by("number")))
        .get(pk=pk)
    )


@dataclass
class SheetRow:
    """One enrolled person and, per day in order, True / False / None (not recorded yet)."""

    enrollment: Enrollment
    marks: list[bool | None]

    @property
    def person(self) -> Individual:
        return self.enrollment.individual

    @property
    def has_attendance(self) -> bool:
        return any(mark is not None for mark in self.marks)

    @property
    def attended_all(self) -> bool:
        return bool(self.marks) and all(self.marks)


def session_attendance_sheet(*, user, session: OrientationSession) -> list[SheetRow]:
    """The people enrolled in `session` whose cases `user` may see, with their attendance per
    day, in two queries (enrollments with people and cases, then attendance)."""
    days = list(session.days.all())
    enrollments = (
        session.enrollments.filter(individual__case__in=case_visible_to(user))
        .select_related("individual__case")
        .prefetch_related("attendances")
        .order_by("individual__case__case_number", "individual__date_of_birth", "id")
    )
    rows = []
    for enrollment in enrollments:
        by_day = {a.day_id: a.present for a in enrollment.attendances.all()}
        rows.append(SheetRow(enrollment, [by_day.get(day.pk) for day in days]))
    return rows


def curriculum_choices() -> QuerySet[Curriculum]:
    return Curriculum.objects.filter(is_active=True).select_related("destination_country")


def curriculum_list() -> QuerySet[Curriculum]:
    """The curricula in use, as session planning takes them (reference data: every reader)."""
    return curriculum_choices().order_by("destination_country__name", "name", "id")


# ---------------------------------------------------------------------------------------------
# Has a case completed orientation?


@dataclass
class MissingPerson:
    person: Individual
    # Days of the person's latest session not attended; empty with `enrolled` False: not enrolled.
    days: list[SessionDay] = field(default_factory=list)
    enrolled: bool = True
    session_held: bool = True


@dataclass
class OrientationProgress:
    """Whether every member who must attend has attended every day of a held session."""

    case: Case
    session: OrientationSession | None
    required: list[Individual]
    missing: list[MissingPerson]
    enrolled: bool
    # False when no member is old enough for the destination's curriculum.
    needed: bool = True

    @property
    def completed(self) -> bool:
        return not self.needed or (self.enrolled and not self.missing)

    def refusal(self) -> str | None:
        """Why the case has not completed orientation, naming who misses which day; or None."""
        if not self.needed:
            return None
        if not self.enrolled:
            return _("Not enrolled in any session of cultural orientation for %(country)s.") % {
                "country": self.case.destination_country
            }
        if not self.missing:
            return None
        return _("Cultural orientation is not completed: %(missing)s.") % {
            "missing": "; ".join(describe_missing(m) for m in self.missing)
        }


def describe_missing(missing: MissingPerson) -> str:
    name = missing.person.full_name
    if not missing.enrolled:
        return _("%(name)s is not enrolled") % {"name": name}
    if missing.days:
        days = ", ".join(
            _("day %(number)d (%(date)s)") % {"number": d.number, "date": date_format(d.date)}
            for d in missing.days
        )
        return _("%(name)s missed %(days)s") % {"name": name, "days": days}
    return _("%(name)s: the session has not been held yet") % {"name": name}


def case_orientation_progress(case: Case) -> OrientationProgress:
    """Compute, in a fixed number of queries, whether `case` has completed orientation.

    The reference is the latest non-cancelled session of the case's destination in which any
    member is enrolled: members at or over its curriculum's minimum age on its first day must
    each have attended every day of a held session of that destination. A case with no member
    old enough for the destination's curriculum needs no orientation.
    """
    members = list(case.members.all())
    enrollments = list(
        Enrollment.objects.filter(
            individual__case_id=case.pk,
            session__curriculum__destination_country_id=case.destination_country_id,
        )
        .exclude(session__status=SessionStatus.CANCELLED)
        .select_related("session__curriculum")
        .prefetch_related(
            Prefetch("session__days", queryset=SessionDay.objects.order_by("number")),
            Prefetch("attendances", queryset=Attendance.objects.filter(present=True)),
        )
    )
    if not enrollments:
        curriculum = (
            Curriculum.objects.filter(
                destination_country_id=case.destination_country_id, is_active=True
            )
            .order_by("minimum_age", "id")
            .first()
        )
        today = timezone.localdate()
        anyone_old_enough = curriculum is None or any(
            m.age_on(today) >= curriculum.minimum_age for m in members
        )
        return OrientationProgress(case, None, [], [], enrolled=False, needed=anyone_old_enough)

    latest = max(enrollments, key=lambda e: (e.session.start_date, e.session.pk)).session
    minimum_age = latest.curriculum.minimum_age
    required = [m for m in members if m.age_on(latest.start_date) >= minimum_age]

    by_person: dict[int, list[Enrollment]] = {}
    for enrollment in enrollments:
        by_person.setdefault(enrollment.individual_id, []).append(enrollment)

    missing = []
    for person in required:
        own = sorted(
            by_person.get(person.pk, []), key=lambda e: (e.session.start_date, e.session.pk)
        )
        if any(_attended_all_days(e) and e.session.status == SessionStatus.HELD for e in own):
            continue
        if not own:
            missing.append(MissingPerson(person, enrolled=False))
            continue
        last = own[-1]
        attended = {a.day_id for a in last.attendances.all()}
        days = [d for d in last.session.days.all() if d.pk not in attended]
        missing.append(
            MissingPerson(person, days, session_held=last.session.status == SessionStatus.HELD)
        )
    return OrientationProgress(case, latest, required, missing, enrolled=True)


def _attended_all_days(enrollment: Enrollment) -> bool:
    days = {d.pk for d in enrollment.session.days.all()}
    attended = {a.day_id for a in enrollment.attendances.all()}
    return bool(days) and days <= attended


def case_by_number(*, user, case_number: str) -> Case | None:
    """The case with this internal case number among those `user` may see, or None."""
    return case_visible_to(user).filter(case_number=case_number.strip().upper()).first()
