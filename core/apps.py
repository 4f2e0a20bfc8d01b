from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The bottom layer; an app only for the API's own records (core.models)."""

    name = "core"
    verbose_name = _("API records")
    default_auto_field = "django.db.models.BigAutoField"
