"""The case list's filters, shared by the browser list and the API (django-filter)."""

import django_filters
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from .choices import CaseStatus, Urgency
from .models import URGENCY_RANK, Country, Location, Programme
from .models import Case as CaseModel
from .selectors import CaseSearch, case_search

SORTS = {
    "referral_date": ("referral_date", "id"),
    "-referral_date": ("-referral_date", "-id"),
    "case_number": ("case_number",),
    "-case_number": ("-case_number",),
    "status_changed_at": ("status_changed_at", "id"),
    "-status_changed_at": ("-status_changed_at", "-id"),
    "urgency": ("urgency_rank", "-referral_date", "-id"),
}


class CaseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_search",
        help_text=_("Name (start of given or family name), UNHCR or internal number"),
    )
    # No DISTINCT: no filter here joins, and SELECT DISTINCT over every column made a page 20x
    # slower at 250,000 cases (bench_case_list).
    status = django_filters.MultipleChoiceFilter(
        choices=CaseStatus.choices, label=_("Status"), distinct=False
    )
    location = django_filters.ModelChoiceFilter(
        queryset=Location.objects.all(), label=_("Camp or location")
    )
    destination_country = django_filters.ModelChoiceFilter(
        queryset=Country.objects.filter(is_destination=True), label=_("Destination")
    )
    programme = django_filters.ModelChoiceFilter(
        queryset=Programme.objects.select_related("country"), label=_("Programme")
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
        model = CaseModel
        fields = ["q", "status", "location", "destination_country", "programme", "caseworker"]

    # The API counts every match for its page numbers, so it collects a search's matches; the
    # browser's list walks a common term's matches instead (CaseListPageFilter).
    walks_common_searches = False

    def filter_search(self, queryset, name, value):
        return queryset.filter(self.search(value).q)

    def search(self, term: str) -> CaseSearch:
        """How `term` is searched (selectors.case_search), decided once per filter."""
        decided = getattr(self, "_search", None)
        if decided is None or decided.term != term.strip():
            common = None if self.walks_common_searches else False
            decided = self._search = case_search(term, common=common)
        return decided

    def filter_sort(self, queryset, name, value):
        if value == "urgency":
            queryset = queryset.alias(urgency_rank=URGENCY_RANK)
        return queryset.order_by(*SORTS[value])


class CaseListPageFilter(CaseFilter):
    """The browser's case list: a term that many people match is walked in the list's order and
    its matches counted up to a cap (selectors.case_search)."""

    walks_common_searches = True
