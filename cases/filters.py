"""The case list's filters, shared by the browser list and the API (django-filter)."""

import django_filters
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from .choices import CaseStatus, Urgency
from .models import Case, Country, Location, Programme
from .selectors import case_search_q

SORTS = {
    "referral_date": ("referral_date", "id"),
    "-referral_date": ("-referral_date", "-id"),
    "case_number": ("case_number",),
    "-case_number": ("-case_number",),
    "status_changed_at": ("status_changed_at", "id"),
    "-status_changed_at": ("-status_changed_at", "-id"),
    "urgency": ("urgency", "-referral_date", "-id"),
}


class CaseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_search",
        help_text=_("Name (start of given or family name), UNHCR or internal number"),
    )
    status = django_filters.MultipleChoiceFilter(choices=CaseStatus.choices, label=_("Status"))
    location = django_filters.ModelChoiceFilter(
        queryset=Location.objects.all(), label=_("Camp or location")
    )
    destination_country = django_filters.ModelChoiceFilter(
        queryset=Country.objects.filter(is_destination=True), label=_("Destination")
    )
    programme = django_filters.ModelChoiceFilter(
        queryset=Programme.objects.all(), label=_("Programme")
    )
    caseworker = django_filters.ModelChoiceFilter(
        queryset=get_user_model().objects.filter(groups__name="caseworker"),
        label=_("Caseworker"),
    )
    urgency = django_filters.ChoiceFilter(choices=Urgency.choices, label=_("Urgency"))
    sort = django_filters.ChoiceFilter(
        choices=[(k, k) for k in SORTS], method="filter_sort", label=_("Sort")
    )

    class Meta:
        model = Case
        fields = ["q", "status", "location", "destination_country", "programme", "caseworker"]

    def filter_search(self, queryset, name, value):
        return queryset.filter(case_search_q(value))

    def filter_sort(self, queryset, name, value):
        return queryset.order_by(*SORTS[value])
