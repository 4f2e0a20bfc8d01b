"""Timeline writers of the clinic. They tell the case's timeline only what every role may read:
that something was recorded, the outcome for travel and its validity; never a result, a
finding or a history."""

from django.utils.translation import gettext as _

from cases.choices import EventKind
from cases.events import event_record


def _medical(*, case, actor, reason: str, data: dict):
    return event_record(case=case, kind=EventKind.MEDICAL, actor=actor, reason=reason, data=data)


def event_assessment_opened(*, case, actor, assessment):
    person = assessment.individual
    return _medical(
        case=case,
        actor=actor,
        reason=_("Health assessment opened for %(name)s.") % {"name": person.full_name},
        data={
            "action": "assessment_opened",
            "individual": person.pk,
            "assessment": assessment.pk,
            "programme": assessment.programme.code,
        },
    )


def event_assessment_recorded(*, case, actor, assessment):
    person = assessment.individual
    return _medical(
        case=case,
        actor=actor,
        reason=_("Health assessment recorded for %(name)s.") % {"name": person.full_name},
        data={
            "action": "assessment_recorded",
            "individual": person.pk,
            "assessment": assessment.pk,
        },
    )


def event_assessment_cancelled(*, case, actor, person):
    return _medical(
        case=case,
        actor=actor,
        reason=_("Health assessment of %(name)s cancelled.") % {"name": person.full_name},
        data={"action": "assessment_cancelled", "individual": person.pk},
    )


def event_outcome_recorded(*, case, actor, assessment):
    return _medical(
        case=case,
        actor=actor,
        reason=_("Health assessment outcome for %(name)s: %(outcome)s.")
        % {"name": assessment.individual.full_name, "outcome": assessment.get_outcome_display()},
        data={
            "action": "outcome_recorded",
            "individual": assessment.individual_id,
            "assessment": assessment.pk,
            "outcome": assessment.outcome,
            "conditions": list(assessment.conditions),
            "valid_until": assessment.valid_until.isoformat() if assessment.valid_until else None,
        },
    )


def event_vaccination_recorded(*, case, actor, person):
    return _medical(
        case=case,
        actor=actor,
        reason=_("Vaccination recorded for %(name)s.") % {"name": person.full_name},
        data={"action": "vaccination_recorded", "individual": person.pk},
    )


def event_pre_embarkation_checked(*, case, actor, check):
    person = check.individual
    return _medical(
        case=case,
        actor=actor,
        reason=_("Pre-embarkation check for %(name)s: %(result)s.")
        % {"name": person.full_name, "result": check.get_result_display()},
        data={
            "action": "pre_embarkation_check",
            "individual": person.pk,
            "result": check.result,
            "planned_departure": check.planned_departure.isoformat(),
        },
    )
