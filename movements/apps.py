from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MovementsConfig(AppConfig):
    name = "movements"
    verbose_name = _("Movements")

    def ready(self):
        from cases.panels import CasePanel, register_panel, register_row_note
        from cases.workflow import register_guard
        from core.roles import is_staff_member

        from . import guards, panels
        from .bookings import selectors

        for name in (
            "flight_date_allowed",
            "no_open_booking",
            "pre_embarkation_possible",
            "fit_check_in_window",
            "medical_escort_assigned",
            "recorded_in_movements",
        ):
            register_guard(name, getattr(guards, name))
        # Every staff role sees the travel window and the flight on the case page.
        register_panel(
            CasePanel(
                name="movements",
                template="movements/_case_panel.html",
                order=40,
                context=panels.case_panel_context,
                visible_to=is_staff_member,
            )
        )
        register_row_note("travel_window", selectors.case_list_window_notes)
