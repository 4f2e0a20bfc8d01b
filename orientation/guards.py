"""Workflow guards about cultural orientation, registered in OrientationConfig.ready.

Placeholder until attendance is recorded: it refuses, saying why.
"""

from django.utils.translation import gettext as _


def orientation_completed(case, context):
    return _("No cultural orientation attendance is recorded for this case.")
