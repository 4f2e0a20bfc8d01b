from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MedicalConfig(AppConfig):
    name = "medical"
    verbose_name = _("Health assessments")

    def ready(self):
        from cases.panels import CasePanel, register_panel
        from cases.workflow import register_guard
        from core.roles import is_staff_member

        from . import guards, selectors

        register_guard("travellers_medically_cleared", guards.travellers_medically_cleared)
        register_guard("fit_to_travel", guards.fit_to_travel)
        # Every staff role sees each traveller's clearance on the case page, never the detail.
        register_panel(
            CasePanel(
                name="medical",
                template="medical/_case_panel.html",
                order=20,
                context=selectors.case_clearance_panel,
                visible_to=is_staff_member,
            )
        )
