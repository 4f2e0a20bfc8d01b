"""The case workflow: the one table of states and transitions, and the one place that sets status.

Each transition names the states it leaves, the state it reaches, the roles that may take it,
whether a reason must be given, and its guards by name. A guard is a function
`(case, context) -> str | None` that returns, in words a caseworker can act on, why the step
cannot be taken, or None. Guards about facts owned by apps above `cases` (health clearances,
orientation attendance, bookings) are registered by those apps in their `AppConfig.ready`, so
this module never imports them; `check_guards_registered` (a Django system check) makes sure
every guard named here has an implementation.

The facts a step may be given (the planned departure date of a booking, the interview whose
decision moves the case) travel as a `StepContext`, parsed once from whatever the door sent:
dates are dates, and a fact the workflow does not know is refused naming it.

Lock order (every service that moves a case, and every service that writes beside one):

1. the case row, `select_for_update(no_key=True)` (several cases: in ascending id);
2. then the service's own rows: the interview, the health assessment, the orientation session.

Never the other way round, so two services can never wait for each other's rows. The case is
locked FOR NO KEY UPDATE, which does not conflict with the KEY SHARE lock a new row referring
to the case takes (a timeline entry, an attendance), so a service that only appends to a case's
timeline (recording attendance, cancelling a session) needs no case lock at all.
`case_transition` locks the case itself; a service that calls it inside its own transaction has
already locked the case first, and PostgreSQL's row locks are re-entrant.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields

from django.core import checks
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ApplicationError, NotPermitted, TransitionRefused
from core.roles import Role, has_role

from . import listeners
from .audit import acting_as
from .choices import OPEN_STATES, CaseStatus
from .events import event_status_changed
from .models import Case, CaseEvent

S = CaseStatus
Guard = Callable[[Case, "StepContext"], "str | None"]

# Who may move cases along the main line. Administrators may take any step.
CASE_OFFICERS = frozenset({Role.CASEWORKER, Role.ADMINISTRATOR})


@dataclass(frozen=True, slots=True)
class StepContext:
    """The facts a workflow step may be given. `StepContext.parse` is the one way in."""

    # The planned departure date of a booking (the day clearances and documents must hold on).
    departure_date: datetime.date | None = None
    # The interview whose decision moves the case (cases.interviews).
    interview: int | None = None
    # The booking a movement step concerns (movements: book, depart, arrive).
    booking_id: int | None = None
    # History entered later: dates in the past are allowed, checked on the event's own date.
    recorded_after_the_fact: bool = False
    # The day the event behind the step happened (a clearance's date): guards check validity
    # on it instead of today when no departure date is given.
    event_date: datetime.date | None = None

    @classmethod
    def parse(cls, given: StepContext | Mapping | None) -> StepContext:
        """Parse the facts a door sent ({"departure_date": "2027-02-03"}, a date, ...); refuse
        (ApplicationError naming `context.<fact>`) a fact the workflow does not know or a
        value that is not one."""
        if isinstance(given, StepContext):
            return given
        if given is None:
            return cls()
        if not isinstance(given, Mapping):
            raise ApplicationError(
                _("The context of a step is a set of named facts."), field="context"
            )
        known = {f.name for f in fields(cls)}
        unknown = sorted(str(name) for name in given if name not in known)
        if unknown:
            raise ApplicationError(
                _("The workflow knows no fact called “%(fact)s” (it knows: %(known)s).")
                % {"fact": unknown[0], "known": ", ".join(sorted(known))},
                field=f"context.{unknown[0]}",
                code="unknown_fact",
            )
        return cls(
            departure_date=_fact_date("departure_date", given.get("departure_date")),
            interview=_fact_id("interview", given.get("interview")),
            booking_id=_fact_id("booking_id", given.get("booking_id")),
            recorded_after_the_fact=_fact_bool(
                "recorded_after_the_fact", given.get("recorded_after_the_fact")
            ),
            event_date=_past_fact_date("event_date", given.get("event_date")),
        )

    @property
    def check_date(self) -> datetime.date:
        """The day validity is checked on: the departure's, else the event's, else today."""
        return self.departure_date or self.event_date or timezone.localdate()

    def as_data(self) -> dict:
        """The facts given, as the timeline keeps them (JSON)."""
        return {
            name: value.isoformat() if isinstance(value, datetime.date) else value
            for name, value in asdict(self).items()
            if value is not None and value is not False
        }


def _past_fact_date(name: str, value) -> datetime.date | None:
    """A fact about what already happened: a date in the future is refused."""
    day = _fact_date(name, value)
    if day is not None and day > timezone.localdate():
        raise ApplicationError(
            _("This date is in the future: record what has already happened."),
            field=f"context.{name}",
            code="future_date",
        )
    return day


def _fact_date(name: str, value) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ApplicationError(
        _("“%(fact)s” must be a date (YYYY-MM-DD).") % {"fact": name},
        field=f"context.{name}",
        code="invalid_fact",
    )


def _fact_bool(name: str, value) -> bool:
    if value in (None, ""):
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ApplicationError(
        _("“%(fact)s” must be true or false.") % {"fact": name},
        field=f"context.{name}",
        code="invalid_fact",
    )


def _fact_id(name: str, value) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise ApplicationError(
        _("“%(fact)s” must be the id of a record.") % {"fact": name},
        field=f"context.{name}",
        code="invalid_fact",
    )


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset[str]
    # None means "back to where the case was" (resume, reopen).
    target: str | None
    roles: frozenset[str] = CASE_OFFICERS
    guards: tuple[str, ...] = ()
    reason_required: bool = False
    # Facts the caller must supply in `context` (e.g. the planned departure date of a booking).
    needs: tuple[str, ...] = ()
    # Whether the target remembers where the case came from (hold, withdraw).
    remembers_source: bool = False
    help_text: str = ""
    extra: dict = field(default_factory=dict)


def _t(name, label, sources, target, **kwargs):
    return Transition(name=name, label=label, sources=frozenset(sources), target=target, **kwargs)


TRANSITIONS: tuple[Transition, ...] = (
    _t("start_pre_screening", gettext_lazy("Start pre-screening"), [S.REFERRED], S.PRE_SCREENING),
    _t(
        "approve",
        gettext_lazy("Record approval by the destination"),
        [S.PRE_SCREENING],
        S.APPROVED,
        guards=("has_completed_interview",),
    ),
    _t(
        "deny",
        gettext_lazy("Record denial"),
        [S.REFERRED, S.PRE_SCREENING, S.APPROVED],
        S.DENIED,
        reason_required=True,
    ),
    _t(
        "reconsider",
        gettext_lazy("Reopen for reconsideration"),
        [S.DENIED],
        S.PRE_SCREENING,
        reason_required=True,
    ),
    _t(
        "start_health_assessment",
        gettext_lazy("Start health assessment"),
        [S.APPROVED],
        S.HEALTH_ASSESSMENT,
    ),
    _t(
        "clear_medically",
        gettext_lazy("Mark medically cleared"),
        [S.HEALTH_ASSESSMENT, S.MEDICALLY_DEFERRED],
        S.MEDICALLY_CLEARED,
        roles=CASE_OFFICERS | {Role.CLINICIAN},
        guards=("travellers_medically_cleared",),
    ),
    _t(
        "defer_medically",
        gettext_lazy("Mark medically deferred"),
        [S.HEALTH_ASSESSMENT, S.MEDICALLY_CLEARED, S.ORIENTATION, S.READY_TO_TRAVEL],
        S.MEDICALLY_DEFERRED,
        roles=CASE_OFFICERS | {Role.CLINICIAN},
        reason_required=True,
    ),
    _t(
        "resume_health_assessment",
        gettext_lazy("Resume health assessment"),
        [S.MEDICALLY_DEFERRED],
        S.HEALTH_ASSESSMENT,
        roles=CASE_OFFICERS | {Role.CLINICIAN},
        reason_required=True,
    ),
    _t(
        "start_orientation",
        gettext_lazy("Start cultural orientation"),
        [S.MEDICALLY_CLEARED],
        S.ORIENTATION,
        roles=CASE_OFFICERS | {Role.ORIENTATION_FACILITATOR},
    ),
    _t(
        "mark_ready_to_travel",
        gettext_lazy("Mark ready to travel"),
        [S.MEDICALLY_CLEARED, S.ORIENTATION],
        S.READY_TO_TRAVEL,
        guards=(
            "travellers_medically_cleared",
            "orientation_completed",
            "travel_documents_present",
        ),
    ),
    _t(
        "book",
        gettext_lazy("Book the flight"),
        [S.READY_TO_TRAVEL],
        S.BOOKED,
        roles=frozenset({Role.MOVEMENT_OFFICER, Role.ADMINISTRATOR}),
        guards=(
            "approved_by_destination",
            "travellers_medically_cleared",
            "orientation_completed",
            "travel_documents_present",
            "flight_date_allowed",
            "no_open_booking",
            "pre_embarkation_possible",
            "medical_escort_assigned",
            "recorded_in_movements",
        ),
        needs=("departure_date",),
    ),
    _t(
        "cancel_booking",
        gettext_lazy("Cancel the booking"),
        [S.BOOKED],
        S.READY_TO_TRAVEL,
        roles=frozenset({Role.MOVEMENT_OFFICER, Role.ADMINISTRATOR}),
        reason_required=True,
        guards=("recorded_in_movements",),
    ),
    _t(
        "no_show",
        gettext_lazy("Record a no-show (did not board)"),
        [S.BOOKED],
        S.READY_TO_TRAVEL,
        roles=frozenset({Role.MOVEMENT_OFFICER, Role.ADMINISTRATOR}),
        reason_required=True,
        guards=("recorded_in_movements",),
    ),
    _t(
        "depart",
        gettext_lazy("Record departure"),
        [S.BOOKED],
        S.DEPARTED,
        roles=frozenset({Role.MOVEMENT_OFFICER, Role.ADMINISTRATOR}),
        guards=(
            "fit_to_travel",
            "fit_check_in_window",
            "travellers_medically_cleared",
            "travel_documents_present",
            "medical_escort_assigned",
            "recorded_in_movements",
        ),
    ),
    _t(
        "arrive",
        gettext_lazy("Record arrival and handover"),
        [S.DEPARTED],
        S.ARRIVED,
        roles=frozenset({Role.MOVEMENT_OFFICER, Role.ADMINISTRATOR}),
        guards=("recorded_in_movements",),
    ),
    _t("close", gettext_lazy("Close the case"), [S.ARRIVED], S.CLOSED),
    _t(
        "hold",
        gettext_lazy("Put on hold"),
        OPEN_STATES,
        S.ON_HOLD,
        reason_required=True,
        remembers_source=True,
    ),
    _t("resume", gettext_lazy("Resume"), [S.ON_HOLD], None, reason_required=True),
    _t(
        "withdraw",
        gettext_lazy("Withdraw"),
        OPEN_STATES | {S.ON_HOLD},
        S.WITHDRAWN,
        reason_required=True,
        remembers_source=True,
    ),
    _t("reopen", gettext_lazy("Reopen"), [S.WITHDRAWN], None, reason_required=True),
)

TRANSITIONS_BY_NAME = {t.name: t for t in TRANSITIONS}

_guards: dict[str, Guard] = {}


def register_guard(name: str, guard: Guard) -> None:
    """Give the guard called `name` in the table its implementation (from an app's ready())."""
    _guards[name] = guard


def registered_guards() -> dict[str, Guard]:
    return dict(_guards)


@checks.register()
def check_guards_registered(app_configs=None, **kwargs):
    named = {g for t in TRANSITIONS for g in t.guards}
    return [
        checks.Error(
            f"Workflow guard {name!r} is named in the transition table but no app registers it.",
            id="cases.E001",
        )
        for name in sorted(named - set(_guards))
    ]


# ---------------------------------------------------------------------------------------------
# Guards owned by cases itself


def guard_has_completed_interview(case: Case, context: StepContext) -> str | None:
    from .choices import InterviewOutcome

    if not case.interviews.filter(outcome=InterviewOutcome.COMPLETED).exists():
        return _("No interview of this case has been completed yet: record the interview first.")
    return None


def guard_approved_by_destination(case: Case, context: StepContext) -> str | None:
    approvals = CaseEvent.objects.filter(case=case, to_status=S.APPROVED)
    denials = CaseEvent.objects.filter(case=case, to_status=S.DENIED)
    last_approval = approvals.order_by("-at").values_list("at", flat=True).first()
    last_denial = denials.order_by("-at").values_list("at", flat=True).first()
    if last_approval is None or (last_denial is not None and last_denial > last_approval):
        return _("The destination country has not approved this case.")
    return None


def guard_travel_documents_present(case: Case, context: StepContext) -> str | None:
    on_day = context.check_date
    missing = []
    for person in case.members.prefetch_related("documents"):
        usable = [d for d in person.documents.all() if d.is_usable_on(on_day)]
        if not usable:
            missing.append(person.full_name)
    if missing:
        return _("No valid travel document on %(date)s for: %(names)s.") % {
            "date": on_day.isoformat(),
            "names": ", ".join(missing),
        }
    return None


register_guard("has_completed_interview", guard_has_completed_interview)
register_guard("approved_by_destination", guard_approved_by_destination)
register_guard("travel_documents_present", guard_travel_documents_present)


# ---------------------------------------------------------------------------------------------
# Asking and moving


@dataclass
class StepOption:
    """A transition as seen from one case by one user: allowed, or blocked and why."""

    transition: Transition
    reasons: list[str]

    @property
    def allowed(self) -> bool:
        return not self.reasons

    @property
    def name(self) -> str:
        return self.transition.name

    @property
    def label(self) -> str:
        return str(self.transition.label)


def _target_of(transition: Transition, case: Case) -> str:
    return transition.target if transition.target is not None else case.resume_status


def _state_refusal(transition: Transition, case: Case) -> str | None:
    if case.status in transition.sources:
        return None
    if case.status == S.ON_HOLD and transition.name not in ("resume", "withdraw"):
        return _("The case is on hold: resume it first.")
    return _("“%(step)s” is not possible while the case is “%(status)s”.") % {
        "step": transition.label,
        "status": case.get_status_display(),
    }


# What a step's `needs` are called in its refusal ("This step needs: ...").
FACT_LABELS = {"departure_date": gettext_lazy("the planned departure date")}


def refusals(
    transition: Transition,
    case: Case,
    user,
    context: StepContext | Mapping | None = None,
    *,
    check_role: bool = True,
) -> list[str]:
    """Every reason `user` cannot take `transition` on `case` now; empty when the step is open.

    `check_role=False` when a service has already decided the user may cause this step."""
    context = StepContext.parse(context)
    state = _state_refusal(transition, case)
    if state:
        return [state]
    if check_role and not has_role(user, *transition.roles):
        return [str(NotPermitted().message)]
    reasons = []
    for name in transition.needs:
        if getattr(context, name) is None:
            fact = FACT_LABELS.get(name, name.replace("_", " "))
            reasons.append(_("This step needs: %(fact)s.") % {"fact": fact})
    if reasons:
        return reasons
    for name in transition.guards:
        reason = _guards[name](case, context)
        if reason:
            reasons.append(reason)
    return reasons


def step_options(
    case: Case, user, context: StepContext | Mapping | None = None
) -> list[StepOption]:
    """The steps `user` could consider for `case`: those leaving its status, with their blocks.

    Steps the user's role may never take are left out, so a page shows only what concerns them.
    """
    context = StepContext.parse(context)
    options = []
    for transition in TRANSITIONS:
        if case.status not in transition.sources:
            continue
        if not has_role(user, *transition.roles):
            continue
        options.append(StepOption(transition, refusals(transition, case, user, context)))
    return options


def case_transition(
    *,
    case: Case | int,
    transition: str,
    actor,
    reason: str = "",
    context: StepContext | Mapping | None = None,
    expected_status: str | None = None,
    authorised_by: str = "",
) -> Case:
    """Move a case by one step of the table, or raise TransitionRefused naming every failed check.

    The case row is locked for the whole step, so two people moving the same case at once cannot
    both succeed: the second sees the first one's result and is refused. `expected_status` lets a
    page that showed the case in one status refuse if it has moved since. The status change and
    its timeline event are written in one transaction. `context` is parsed once
    (`StepContext.parse`): an unknown fact or a value that is not one is refused (400) before
    anything is locked.

    `authorised_by` names a service that has already decided the actor may cause this step (a
    partner system's interview decision: "interview_decision"); the role check is skipped, the
    state, reason and guard checks are not, and the timeline event records it.
    """
    step = TRANSITIONS_BY_NAME.get(transition)
    if step is None:
        raise TransitionRefused(transition, [_("There is no step called “%s”.") % transition])
    reason = (reason or "").strip()
    context = StepContext.parse(context)
    case_id = case if isinstance(case, int) else case.pk
    with transaction.atomic(), acting_as(actor):
        locked = Case.objects.select_for_update(no_key=True).get(pk=case_id)
        if expected_status and locked.status != expected_status:
            raise TransitionRefused(
                transition,
                [
                    _("The case moved to “%(status)s” meanwhile: look again before you act.")
                    % {"status": locked.get_status_display()}
                ],
                code="stale",
            )
        role_ok = bool(authorised_by) or has_role(actor, *step.roles)
        if not role_ok and locked.status in step.sources:
            raise NotPermitted(
                _("Your role may not take the step “%(step)s”.") % {"step": step.label}
            )
        if step.reason_required and not reason:
            raise TransitionRefused(
                transition, [_("Give a reason for this step.")], code="reason_required"
            )
        problems = refusals(step, locked, actor, context, check_role=not authorised_by)
        if problems:
            raise TransitionRefused(transition, problems)
        source = locked.status
        target = _target_of(step, locked)
        locked.status = target
        if step.remembers_source:
            # Withdrawn while on hold: reopening returns to the state before the hold.
            locked.resume_status = locked.resume_status if source == S.ON_HOLD else source
        else:
            locked.resume_status = ""
        locked.status_changed_at = timezone.now()
        locked.save(update_fields=["status", "resume_status", "status_changed_at", "updated_at"])
        event = event_status_changed(
            case=locked,
            actor=actor,
            from_status=source,
            to_status=target,
            transition=step.name,
            reason=reason,
            data={
                **context.as_data(),
                **({"authorised_by": authorised_by} if authorised_by else {}),
            },
        )
        listeners.status_changed(case=locked, event=event)
    if not isinstance(case, int):
        case.status = locked.status
        case.resume_status = locked.resume_status
        case.status_changed_at = locked.status_changed_at
    return locked


def transitions_into(status: str) -> Iterable[Transition]:
    return (t for t in TRANSITIONS if t.target == status)


def mermaid_diagram() -> str:
    """The state diagram, drawn from the table (README shows it)."""
    lines = ["stateDiagram-v2", "    [*] --> referred"]
    for t in TRANSITIONS:
        if t.name in ("hold", "withdraw"):
            continue
        if t.target is None:
            continue
        for source in sorted(t.sources):
            lines.append(f"    {source} --> {t.target}: {t.name}")
    lines.append("    note right of on_hold: hold from any open state, resume returns to it")
    lines.append(
        "    note right of withdrawn: withdraw from any open state or hold, reopen returns"
    )
    lines.append("    open_states --> on_hold: hold")
    lines.append("    on_hold --> open_states: resume")
    lines.append("    open_states --> withdrawn: withdraw")
    lines.append("    withdrawn --> open_states: reopen")
    lines.append("    closed --> [*]")
    return "\n".join(lines)
