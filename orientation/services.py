"""Writes of cultural orientation: plan and cancel sessions, enroll cases, record attendance.

Each service checks the actor's role, validates, writes in one transaction, tells the timeline
of every case it touches (orientation/events.py) and names the actor for the audit trail. Locks
follow cases.workflow's order: the case row first (enrolling, taking out), then the session.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cases.audit import acting_as
from cases.choices import CaseStatus
from cases.models import Case
from cases.workflow import TRANSITIONS_BY_NAME, case_transition
from core.errors import (
    ApplicationError,
    DuplicateRecord,
    NotPermitted,
    clean_or_refuse,
    duplicates_refused,
    existing_record,
)
from core.roles import Role, has_role

from .choices import SessionStatus
from .events import (
    event_attendance_recorded,
    event_enrolled,
    event_enrollment_removed,
    event_session_cancelled,
)
from .models import Attendance, Curriculum, Enrollment, OrientationSession, SessionDay
from .permissions import can_manage_orientation

# A case may be enrolled once the destination has approved it and until it is ready to travel.
ENROLLABLE_STATUSES = frozenset(
    {
        CaseStatus.APPROVED,
        CaseStatus.HEALTH_ASSESSMENT,
        CaseStatus.MEDICALLY_CLEARED,
        CaseStatus.MEDICALLY_DEFERRED,
        CaseStatus.ORIENTATION,
        CaseStatus.READY_TO_TRAVEL,
    }
)


def _require_manager(actor) -> None:
    if not can_manage_orientation(actor):
        raise NotPermitted(
            _("Only orientation facilitators and administrators may change orientation records.")
        )


def _session_taken(session: OrientationSession) -> DuplicateRecord | None:
    """A session planned again (same curriculum, venue, first day and group; cancelled ones
    aside), naming the one that exists: its id, page and API address."""
    existing = (
        OrientationSession.objects.filter(
            curriculum_id=session.curriculum_id,
            venue=session.venue,
            start_date=session.start_date,
            group=session.group,
        )
        .exclude(status=SessionStatus.CANCELLED)
        .exclude(pk=session.pk)
        .first()
    )
    if existing is None:
        return None
    return DuplicateRecord(
        _(
            "This session is already planned: %(session)s (id %(id)d, %(url)s). To plan "
            "another group that day, give each its own group or time slot."
        )
        % {"session": existing, "id": existing.pk, "url": existing.get_absolute_url()},
        existing=existing_record(
            "orientation_session",
            existing,
            url=existing.get_absolute_url(),
            api="orientation-session-detail",
        ),
        field="group" if session.group else "start_date",
    )


def _lock_session(session: OrientationSession | int) -> OrientationSession:
    pk = session if isinstance(session, int) else session.pk
    return (
        OrientationSession.objects.select_for_update(of=("self",))
        .select_related("curriculum__destination_country")
        .get(pk=pk)
    )


def session_plan(
    *,
    actor,
    curriculum: Curriculum,
    start_date: datetime.date,
    venue: str,
    language: str,
    facilitator,
    capacity: int,
    day_dates: list[datetime.date] | None = None,
    group: str = "",
) -> OrientationSession:
    """Plan a session of `curriculum` with its days.

    A session is known by its curriculum, venue, first day and `group` (the group or time slot
    facilitators call it by; blank when it is the day's only group): a second group that day
    is a second session, the same one sent again is refused naming it (DuplicateRecord).

    Without `day_dates` the session runs the curriculum's number of consecutive days from
    `start_date`; with them, they must begin on `start_date` and follow each other. The
    facilitator must hold the facilitator role. No case changes, so no timeline entry.
    """
    _require_manager(actor)
    if day_dates is None:
        day_dates = [
            start_date + datetime.timedelta(days=n) for n in range(curriculum.number_of_days)
        ]
    day_dates = list(day_dates)
    if not day_dates or day_dates[0] != start_date:
        raise ApplicationError(
            _("The first day of the session must be its start date."), field="day_dates"
        )
    if any(later <= earlier for earlier, later in itertools.pairwise(day_dates)):
        raise ApplicationError(
            _("The days of a session must follow each other, each on its own date."),
            field="day_dates",
        )
    if not curriculum.is_active:
        raise ApplicationError(_("This curriculum is no longer in use."), field="curriculum")
    if facilitator is None or not has_role(facilitator, Role.ORIENTATION_FACILITATOR):
        raise ApplicationError(
            _("The facilitator must be a person holding the orientation facilitator role."),
            field="facilitator",
        )
    session = OrientationSession(
        curriculum=curriculum,
        start_date=start_date,
        venue=(venue or "").strip(),
        group=" ".join((group or "").split()),
        language=(language or "").strip(),
        facilitator=facilitator,
        capacity=capacity,
    )
    clean_or_refuse(session, exclude=["status"])
    refusal = _session_taken(session)
    if refusal is not None:
        raise refusal
    with transaction.atomic(), acting_as(actor):
        with duplicates_refused(
            {"orientation_session_group_natural_key": lambda: _session_taken(session)}
        ):
            session.save()
        SessionDay.objects.bulk_create(
            SessionDay(session=session, number=n, date=d) for n, d in enumerate(day_dates, 1)
        )
    return session


def session_cancel(*, actor, session: OrientationSession, reason: str) -> OrientationSession:
    """Call off a planned session before any attendance is recorded; tell each enrolled case."""
    _require_manager(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Give a reason for cancelling the session."), field="reason")
    with transaction.atomic(), acting_as(actor):
        locked = _lock_session(session)
        if locked.status != SessionStatus.PLANNED:
            raise ApplicationError(
                _("Only a planned session can be cancelled; this one is “%(status)s”.")
                % {"status": locked.get_status_display()},
                code="session_not_planned",
            )
        if Attendance.objects.filter(day__session=locked).exists():
            raise ApplicationError(
                _("Attendance is already recorded for this session: it cannot be cancelled."),
                code="attendance_recorded",
            )
        locked.status = SessionStatus.CANCELLED
        locked.save(update_fields=["status", "updated_at"])
        cases = Case.objects.filter(members__orientation_enrollments__session=locked).distinct()
        for case in cases:
            event_session_cancelled(case=case, actor=actor, session=locked, reason=reason)
    session.status = locked.status
    return locked


def enrollment_add(*, actor, session: OrientationSession, case: Case) -> list[Enrollment]:
    """Enroll every member of `case` at or over the curriculum's minimum age on the first day.

    Refuses (ApplicationError naming the field) a case going to another destination than the
    curriculum's, a session that is no longer planned or has no room for the whole household,
    a case not between approval and ready to travel, and a case with nobody left to enroll.
    A case that is medically cleared moves on to "orientation" when the actor's role may take
    that step. Members already enrolled are kept as they are.
    """
    _require_manager(actor)
    with transaction.atomic(), acting_as(actor):
        # The lock order of cases.workflow: the case, then the session.
        case = (
            Case.objects.select_for_update(no_key=True, of=("self",))
            .select_related("destination_country")
            .get(pk=case.pk)
        )
        locked = _lock_session(session)
        curriculum = locked.curriculum
        if locked.status != SessionStatus.PLANNED:
            raise ApplicationError(
                _("Session %(session)s is “%(status)s”: only planned sessions take enrollments.")
                % {"session": locked, "status": locked.get_status_display()},
                field="session",
                code="session_not_planned",
            )
        if case.destination_country_id != curriculum.destination_country_id:
            raise ApplicationError(
                _(
                    "Case %(case)s goes to %(case_country)s, but this session's curriculum "
                    "is for %(country)s."
                )
                % {
                    "case": case.case_number,
                    "case_country": case.destination_country,
                    "country": curriculum.destination_country,
                },
                field="case",
                code="wrong_destination",
            )
        if case.status not in ENROLLABLE_STATUSES:
            raise ApplicationError(
                _("Case %(case)s is “%(status)s”: it cannot be enrolled in orientation now.")
                % {"case": case.case_number, "status": case.get_status_display()},
                field="case",
                code="case_not_enrollable",
            )
        members = list(case.members.all())
        eligible = [m for m in members if m.age_on(locked.start_date) >= curriculum.minimum_age]
        if not eligible:
            raise ApplicationError(
                _("No member of case %(case)s is %(age)d or older on the first day.")
                % {"case": case.case_number, "age": curriculum.minimum_age},
                field="case",
                code="nobody_eligible",
            )
        already = set(
            locked.enrollments.filter(individual__in=eligible).values_list(
                "individual_id", flat=True
            )
        )
        adding = [m for m in eligible if m.pk not in already]
        if not adding:
            raise _already_enrolled(case, locked)
        enrolled = locked.enrollments.count()
        if enrolled + len(adding) > locked.capacity:
            raise ApplicationError(
                _(
                    "Session %(session)s is full: it takes %(capacity)d people, %(enrolled)d "
                    "are enrolled and case %(case)s would add %(adding)d."
                )
                % {
                    "session": locked,
                    "capacity": locked.capacity,
                    "enrolled": enrolled,
                    "case": case.case_number,
                    "adding": len(adding),
                },
                field="case",
                code="over_capacity",
            )
        with duplicates_refused({"enrollment_unique": lambda: _already_enrolled(case, locked)}):
            created = Enrollment.objects.bulk_create(
                Enrollment(session=locked, individual=m, enrolled_by=actor) for m in adding
            )
        event_enrolled(case=case, actor=actor, session=locked, people=adding)
        start = TRANSITIONS_BY_NAME["start_orientation"]
        if case.status == CaseStatus.MEDICALLY_CLEARED and has_role(actor, *start.roles):
            case_transition(
                case=case,
                transition=start.name,
                actor=actor,
                reason=_("Enrolled in orientation session %(session)s.") % {"session": locked},
            )
    return created


def _already_enrolled(case: Case, session: OrientationSession) -> DuplicateRecord:
    return DuplicateRecord(
        _("Case %(case)s is already enrolled in this session.") % {"case": case.case_number},
        existing=existing_record(
            "orientation_session",
            session,
            url=session.get_absolute_url(),
            api="orientation-session-detail",
        ),
        field="case",
    )


def enrollment_remove(*, actor, session: OrientationSession, case: Case) -> int:
    """Take the members of `case` out of a planned session (a wrong enrollment), before any of
    their attendance is recorded; returns how many were removed."""
    _require_manager(actor)
    with transaction.atomic(), acting_as(actor):
        case = Case.objects.select_for_update(no_key=True).get(pk=case.pk)
        locked = _lock_session(session)
        enrollments = locked.enrollments.filter(individual__case=case).select_related("individual")
        people = [e.individual for e in enrollments]
        if not people:
            raise ApplicationError(
                _("Case %(case)s is not enrolled in this session.") % {"case": case.case_number},
                field="case",
                code="not_enrolled",
            )
        if (
            locked.status != SessionStatus.PLANNED
            or Attendance.objects.filter(enrollment__in=enrollments).exists()
        ):
            raise ApplicationError(
                _("Attendance of case %(case)s is recorded: its enrollment stays on record.")
                % {"case": case.case_number},
                field="case",
                code="attendance_recorded",
            )
        removed, _detail = Enrollment.objects.filter(pk__in=[e.pk for e in enrollments]).delete()
        event_enrollment_removed(case=case, actor=actor, session=locked, people=people)
    return removed


def attendance_record(
    *, actor, session: OrientationSession, day_number: int, present: Iterable[int]
) -> list[Attendance]:
    """Record who was there on day `day_number`: the people in `present` (individual ids) were,
    every other enrolled person was not. Recording a day again corrects it.

    Refuses a day that has not come yet, a cancelled session, and people not enrolled. Each case
    whose attendance changed gets a timeline entry. When every day has attendance recorded the
    session is held.
    """
    _require_manager(actor)
    present_ids = {int(pk) for pk in present}
    with transaction.atomic(), acting_as(actor):
        locked = _lock_session(session)
        if locked.status == SessionStatus.CANCELLED:
            raise ApplicationError(
                _("Session %(session)s was cancelled: attendance cannot be recorded.")
                % {"session": locked},
                field="session",
                code="session_cancelled",
            )
        day = locked.days.filter(number=day_number).first()
        if day is None:
            raise ApplicationError(
                _("Session %(session)s has no day %(number)s.")
                % {"session": locked, "number": day_number},
                field="day",
                code="no_such_day",
            )
        if day.date > timezone.localdate():
            raise ApplicationError(
                _("Day %(number)d is on %(date)s: attendance can be recorded from that day on.")
                % {"number": day.number, "date": date_format(day.date)},
                field="day",
                code="future_day",
            )
        enrollments = list(locked.enrollments.select_related("individual__case"))
        enrolled_ids = {e.individual_id for e in enrollments}
        strangers = sorted(present_ids - enrolled_ids)
        if strangers:
            raise ApplicationError(
                _("These people are not enrolled in this session: %(ids)s.")
                % {"ids": ", ".join(str(pk) for pk in strangers)},
                field="present",
                code="not_enrolled",
            )
        existing = {a.enrollment_id: a for a in Attendance.objects.filter(day=day)}
        to_create, to_update, changed = [], [], []
        for enrollment in enrollments:
            mark = enrollment.individual_id in present_ids
            row = existing.get(enrollment.pk)
            if row is None:
                to_create.append(
                    Attendance(enrollment=enrollment, day=day, present=mark, recorded_by=actor)
                )
                changed.append(enrollment)
            elif row.present != mark:
                row.present, row.recorded_by = mark, actor
                to_update.append(row)
                changed.append(enrollment)
        Attendance.objects.bulk_create(to_create)
        # bulk_update skips auto_now: say when explicitly.
        now = timezone.now()
        for row in to_update:
            row.recorded_at = now
        Attendance.objects.bulk_update(to_update, ["present", "recorded_by", "recorded_at"])
        _tell_cases_about_attendance(actor, locked, day, changed, present_ids)
        if (
            locked.status == SessionStatus.PLANNED
            and not locked.days.filter(attendances__isnull=True).exists()
        ):
            locked.status = SessionStatus.HELD
            locked.save(update_fields=["status", "updated_at"])
    session.status = locked.status
    return list(Attendance.objects.filter(day=day).select_related("enrollment__individual"))


def _tell_cases_about_attendance(actor, session, day, changed, present_ids) -> None:
    by_case: dict[int, list] = {}
    for enrollment in changed:
        by_case.setdefault(enrollment.individual.case_id, []).append(enrollment.individual)
    for people in by_case.values():
        here = [p for p in people if p.pk in present_ids]
        away = [p for p in people if p.pk not in present_ids]
        event_attendance_recorded(
            case=people[0].case, actor=actor, session=session, day=day, present=here, absent=away
        )
