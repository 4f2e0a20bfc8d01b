"""Timeline writers of cultural orientation: what each case's timeline says about its sessions."""

from django.utils.translation import gettext as _

from cases.choices import EventKind
from cases.events import event_record


def _orientation(*, case, actor, reason: str, data: dict):
    return event_record(
        case=case, kind=EventKind.ORIENTATION, actor=actor, reason=reason, data=data
    )


def event_session_cancelled(*, case, actor, session, reason: str):
    return _orientation(
        case=case,
        actor=actor,
        reason=_("Orientation session %(session)s was cancelled: %(reason)s")
        % {"session": session, "reason": reason},
        data={"session": session.pk, "action": "session_cancelled"},
    )


def event_enrolled(*, case, actor, session, people):
    return _orientation(
        case=case,
        actor=actor,
        reason=_("Enrolled in orientation session %(session)s: %(names)s.")
        % {"session": session, "names": ", ".join(p.full_name for p in people)},
        data={"session": session.pk, "action": "enrolled", "individuals": [p.pk for p in people]},
    )


def event_enrollment_removed(*, case, actor, session, people):
    return _orientation(
        case=case,
        actor=actor,
        reason=_("Taken out of orientation session %(session)s: %(names)s.")
        % {"session": session, "names": ", ".join(p.full_name for p in people)},
        data={
            "session": session.pk,
            "action": "enrollment_removed",
            "individuals": [p.pk for p in people],
        },
    )


def event_attendance_recorded(*, case, actor, session, day, present, absent):
    return _orientation(
        case=case,
        actor=actor,
        reason=_(
            "Attendance on day %(number)d (%(date)s) of %(session)s: "
            "present: %(present)s; absent: %(absent)s."
        )
        % {
            "number": day.number,
            "date": day.date.isoformat(),
            "session": session,
            "present": ", ".join(p.full_name for p in present) or "–",
            "absent": ", ".join(p.full_name for p in absent) or "–",
        },
        data={
            "session": session.pk,
            "action": "attendance",
            "day": day.number,
            "present": [p.pk for p in present],
            "absent": [p.pk for p in absent],
        },
    )
