"""The interview list's filters, shared by the schedule page and the API (django-filter).

Dates are whole days in the office's zone (Africa/Kigali): `date_from` and `date_to` both count.
"""

import datetime

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases.choices import InterviewDecision, InterviewKind, InterviewOutcome
from cases.models import Interview

from .forms import DateInput
from .selectors import past, start_of_day, upcoming

WHEN_CHOICES = [
    ("upcoming", pgettext_lazy("interviews", "Upcoming")),
    ("past", pgettext_lazy("interviews", "Past")),
    ("all", _("All")),
]


class InterviewFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned


class InterviewFilter(django_filters.FilterSet):
    case = django_filters.NumberFilter(field_name="case_id", label=_("Case (id)"))
    kind = django_filters.ChoiceFilter(choices=InterviewKind.choices, label=_("Kind"))
    outcome = django_filters.ChoiceFilter(choices=InterviewOutcome.choices, label=_("Outcome"))
    decision = django_filters.ChoiceFilter(choices=InterviewDecision.choices, label=_("Decision"))
    date_from = django_filters.DateFilter(
        method="filter_date_from",
        widget=DateInput(),
        label=_("From (date)"),
        help_text=_("Interviews scheduled on or after this day (Kigali time)."),
    )
    date_to = django_filters.DateFilter(
        method="filter_date_to",
        widget=DateInput(),
        label=_("To (date)"),
        help_text=_("Interviews scheduled on or before this day (Kigali time)."),
    )
    when = django_filters.ChoiceFilter(
        choices=WHEN_CHOICES,
        method="filter_when",
        label=_("When"),
        help_text=_("Upcoming: soonest first; past: latest first."),
    )

    class Meta:
        model = Interview
        fields = ["case", "kind", "outcome", "decision"]
        form = InterviewFilterForm

    def filter_date_from(self, queryset, name, value):
        return queryset.filter(scheduled_for__gte=start_of_day(value))

    def filter_date_to(self, queryset, name, value):
        return queryset.filter(scheduled_for__lt=start_of_day(value + datetime.timedelta(days=1)))

    def filter_when(self, queryset, name, value):
        now = timezone.now()
        if value == "upcoming":
            return upcoming(queryset, now=now)
        if value == "past":
            return past(queryset, now=now)
        return queryset.order_by("-scheduled_for", "-id")
