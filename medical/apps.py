from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MedicalConfig(AppConfig):
    name = "medical"
    verbose_name = _("Health assessments")

    def ready(self):
        from cases.workflow import register_guard

        from . import guards

        register_guard("travellers_medically_cleared", guards.travellers_medically_cleared)
        register_guard("fit_to_travel", guards.fit_to_travel)
