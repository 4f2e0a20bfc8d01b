from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = _("Partner systems")

    def ready(self):
        # The webhook outbox hears of case changes from cases' listeners, in their transaction.
        from . import outbox

        outbox.register()
