"""The interviews section of the case page.

`register()` is called from CasesConfig.ready (interviews live inside the cases app).
"""

from cases.choices import OPEN_STATES
from cases.panels import CasePanel, register_panel
from core.roles import is_staff_member

from .permissions import can_schedule_interview
from .selectors import case_interviews


def case_panel_context(case, user) -> dict:
    """The case's interviews, latest first, and which links the user may follow."""
    may_act = can_schedule_interview(user)
    return {
        "case": case,
        "interviews": list(case_interviews(case)),
        "may_schedule": may_act and case.status in OPEN_STATES,
        "may_record": may_act,
    }


def register() -> None:
    register_panel(
        CasePanel(
            name="interviews",
            template="interviews/_case_panel.html",
            order=20,
            context=case_panel_context,
            visible_to=is_staff_member,
        )
    )
