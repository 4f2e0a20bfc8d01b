from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrientationConfig(AppConfig):
    name = "orientation"
    verbose_name = _("Cultural orientation")

    def ready(self):
        from cases.panels import CasePanel, register_panel
        from cases.workflow import register_guard
        from core.roles import is_staff_member

        from . import guards, panels

        register_guard("orientation_completed", guards.orientation_completed)
        register_panel(
            CasePanel(
                name="orientation",
                template="orientation/_case_panel.html",
                order=30,
                context=panels.case_panel_context,
                visible_to=is_staff_member,
            )
        )
