"""The audit trail in the admin, without medical history: medical detail is for clinicians only,
and clinicians do not use the admin site."""

from django.apps import apps
from pghistory.admin.core import EventsAdmin
from pghistory.models import Event

# Apps whose audit rows may hold medical detail.
CONFIDENTIAL_APPS = frozenset({"medical"})


def non_confidential_event_models():
    return [
        model
        for model in apps.get_models()
        if issubclass(model, Event)
        and not model._meta.abstract
        and model._meta.app_label not in CONFIDENTIAL_APPS
    ]


class AuditTrailAdmin(EventsAdmin):
    def get_queryset(self, request):
        return super().get_queryset(request).across(*non_confidential_event_models())
