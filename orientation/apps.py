from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrientationConfig(AppConfig):
    name = "orientation"
    verbose_name = _("Cultural orientation")

    def ready(self):
        from cases.workflow import register_guard

        from . import guards

        register_guard("orientation_completed", guards.orientation_completed)
