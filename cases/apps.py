from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")

    def ready(self):
        # Registers the system check and the guards cases owns.
        from . import middleware, workflow  # noqa: F401  (signal receivers, checks)
        from .interviews import panels as interview_panels

        interview_panels.register()

        # The partner access log names the caller's organisation by the one scope.
        from core.api.access_log import register_organisation_resolver

        from .selectors import partner_scope

        register_organisation_resolver(lambda user: partner_scope(user).organisation_id)
