"""Timeline writers of interviews: what the case's timeline keeps about an interview (never its
notes: they may be sensitive)."""

from cases.choices import EventKind
from cases.events import event_record


def _facts(interview, action: str, **more) -> dict:
    return {
        "interview": interview.pk,
        "action": action,
        "interview_kind": interview.kind,
        "scheduled_for": interview.scheduled_for.isoformat(),
        **more,
    }


def event_interview_scheduled(*, case, actor, interview):
    return event_record(
        case=case, kind=EventKind.INTERVIEW, actor=actor, data=_facts(interview, "scheduled")
    )


def event_interview_rescheduled(*, case, actor, old, new, reason: str):
    """Two entries: the old appointment marked rescheduled, the new one scheduled."""
    return [
        event_record(
            case=case,
            kind=EventKind.INTERVIEW,
            actor=actor,
            reason=reason,
            data=_facts(old, "rescheduled", new_interview=new.pk),
        ),
        event_record(
            case=case,
            kind=EventKind.INTERVIEW,
            actor=actor,
            reason=reason,
            data=_facts(new, "scheduled", rescheduled_from=old.pk),
        ),
    ]


def event_interview_outcome_recorded(*, case, actor, interview, previous: dict):
    return event_record(
        case=case,
        kind=EventKind.INTERVIEW,
        actor=actor,
        data=_facts(
            interview,
            "decision_recorded" if interview.decision else "outcome_recorded",
            outcome=interview.outcome,
            decision=interview.decision,
            decided_on=interview.decided_on.isoformat() if interview.decided_on else None,
            previous=previous,
        ),
    )
