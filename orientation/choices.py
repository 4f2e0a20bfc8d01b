"""The documented constants of cultural orientation."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SessionStatus(models.TextChoices):
    """A session is planned until attendance is recorded for every one of its days (held),
    or it is called off (cancelled)."""

    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


# The age from which a person takes part in orientation, unless a curriculum says otherwise.
DEFAULT_MINIMUM_AGE = 15
