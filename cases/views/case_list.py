"""The case list: cases filtered from the URL (bookmarkable), sorted and paginated, with the
filter panel and the per-status counts to narrow by."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django import forms
from django.core.paginator import Paginator
from django.core.validators import EMPTY_VALUES
from django.forms.renderers import Jinja2
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.formats import date_format
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from cases.choices import CaseStatus, Urgency
from cases.filters import SORTS, CaseFilter, CaseListPageFilter
from cases.forms import DEFAULT_PER_PAGE, PER_PAGE_CHOICES, per_page_from
from cases.models import Case, Programme
from cases.panels import row_notes_for
from cases.selectors import case_rows, case_search_count, case_status_counts_for

from .access import mission_staff_required


@mission_staff_required
@require_GET
def case_list_view(request):
    """Cases filtered from the URL (bookmarkable), sorted and paginated. An htmx request from the
    filter form gets only the results; without JavaScript the form submits and the page reloads."""
    visible = case_rows(user=request.user)
    case_filter = CaseListPageFilter(request.GET or None, queryset=visible, request=request)
    _dress_filter_form(case_filter.form)
    per_page = per_page_from(request.GET.get("per_page"))
    counts = _status_counts(case_filter, visible, request.user)
    more_than = None
    if counts is None:
        # A common search: its matches are counted up to a cap, not by status.
        counts = {}
        matching, capped = case_search_count(case_filter.qs)
        more_than = matching if capped else None
    else:
        # The per-status counts already hold the number of matching cases: no second COUNT.
        selected = case_filter.form.cleaned_data.get("status") if case_filter.is_bound else None
        matching = sum(counts.get(s, 0) for s in selected) if selected else sum(counts.values())
    paginator = CountedPaginator(case_filter.qs, per_page, count=matching)
    page = paginator.get_page(request.GET.get("page"))

    now, dates = timezone.now(), {}
    notes = row_notes_for(page.object_list)
    context = {
        "filter": case_filter,
        "form": case_filter.form,
        "page": page,
        "cases": page.object_list,
        "rows": [CaseRow.of(case, now, dates, notes.get(case.pk, "")) for case in page.object_list],
        "status_counts": [
            {"status": status, "count": counts[status.value]}
            for status in CaseStatus
            if counts.get(status.value)
        ],
        "more_than": more_than,
        "selected_statuses": request.GET.getlist("status"),
        "sort": request.GET.get("sort") or DEFAULT_SORT,
        "per_page": per_page,
        "per_page_choices": PER_PAGE_CHOICES,
        "default_per_page": DEFAULT_PER_PAGE,
    }
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        response = render(request, "cases/_case_results_htmx.html", context)
    else:
        _list_reference_choices(case_filter.form)
        response = render(request, "cases/case_list.html", context)
    # The same address answers a whole page or a fragment: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


@dataclass(frozen=True, slots=True)
class CaseRow:
    """What one row of the case list shows, worked out in Python: the template language's cost
    per tag and filter was half the page's time at 50 rows (bench_case_list)."""

    url: str
    case_number: str
    unhcr_case_number: str
    principal: str
    persons: int
    location: str
    destination: str
    status: str
    status_label: str
    in_status_for: str
    urgency: str
    urgency_label: str
    caseworker: str
    referred: str
    # Registered by other apps (cases.panels.register_row_note): the travel window.
    note: str = ""

    @classmethod
    def of(cls, case: Case, now: datetime.datetime, dates: dict, note: str = "") -> CaseRow:
        """`case` from selectors.case_rows; `dates` memoises formatted dates for one page."""
        caseworker = case.caseworker
        referred = dates.get(case.referral_date)
        if referred is None:
            referred = dates[case.referral_date] = date_format(case.referral_date, "DATE_FORMAT")
        return cls(
            url=case.get_absolute_url(),
            case_number=case.case_number,
            unhcr_case_number=case.unhcr_case_number,
            principal=case.principal_name or "",
            persons=case.persons,
            location=case.location.name,
            destination=case.destination_country.name,
            status=case.status,
            status_label=case.status_label,
            in_status_for=_("for %(since)s")
            % {"since": timesince(case.status_changed_at, now, depth=1)},
            urgency=case.urgency,
            urgency_label=case.urgency_label,
            caseworker=(caseworker.get_full_name() or caseworker.username) if caseworker else "",
            referred=referred,
            note=note,
        )


class CountedPaginator(Paginator):
    """A paginator told how many rows there are, when the caller has counted them already."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self._known_count = count

    @property
    def count(self) -> int:
        return self._known_count


DEFAULT_SORT = "-referral_date"
SORT_LABELS = {
    "-referral_date": gettext_lazy("Newest referral first"),
    "referral_date": gettext_lazy("Oldest referral first"),
    "case_number": gettext_lazy("Case number, ascending"),
    "-case_number": gettext_lazy("Case number, descending"),
    "status_changed_at": gettext_lazy("Longest in their status first"),
    "-status_changed_at": gettext_lazy("Latest moved first"),
    "urgency": gettext_lazy("Urgency"),
}


# The filter panel's widgets rendered by Jinja2 from Django's own form templates: the panel
# has about 60 options and 20 status boxes, each an included template, and the Django template
# language took 11 ms of the case list page to render them against 4 ms (bench_case_list).
# Only for this form: the admin's widgets have no Jinja2 templates.
FILTER_PANEL_RENDERER = Jinja2()


def _dress_filter_form(form) -> None:
    """The shared filter form (cases.filters), worded and laid out for people."""
    form.renderer = FILTER_PANEL_RENDERER
    form.fields["q"].widget.input_type = "search"
    form.fields["status"].widget = forms.CheckboxSelectMultiple(
        choices=form.fields["status"].choices
    )
    form.fields["sort"].choices = [
        (key, SORT_LABELS.get(key, key)) for key in SORTS if key != DEFAULT_SORT
    ]
    empty_labels = {
        "sort": SORT_LABELS[DEFAULT_SORT],
        "location": gettext_lazy("All camps and locations"),
        "destination_country": gettext_lazy("All destinations"),
        "programme": gettext_lazy("All programmes"),
        "caseworker": gettext_lazy("Anyone"),
        "urgency": gettext_lazy("Any urgency"),
    }
    for name, label in empty_labels.items():
        form.fields[name].empty_label = label
    # django-filter's plain choice fields read the empty label when their choices are set.
    form.fields["urgency"].choices = Urgency.choices


def _list_reference_choices(form) -> None:
    """The camps, destinations, programmes and caseworkers as the filter widgets' plain choices,
    each read with one query: a model choice field iterates its queryset through a server-side
    cursor (three round trips) on every render. Choosing still validates against the field's
    queryset. Only the whole page needs them; the htmx fragment has no filter panel."""
    labelled = {
        "location": (form.fields["location"].queryset, str),
        "destination_country": (form.fields["destination_country"].queryset, str),
        # A programme's name shows its country: load both in the one query.
        "programme": (Programme.objects.select_related("country"), str),
        "caseworker": (
            form.fields["caseworker"].queryset,
            lambda user: user.get_full_name() or user.username,
        ),
    }
    for name, (queryset, label) in labelled.items():
        field = form.fields[name]
        field.widget.choices = [("", field.empty_label), *((o.pk, label(o)) for o in queryset)]


def _status_counts(case_filter: CaseFilter, visible, user) -> dict[str, int] | None:
    """How many cases match the other filters in each status, to narrow by (see
    selectors.case_status_counts_for); None for a search of a term so common that its matches
    are walked, never all collected (selectors.case_search)."""
    applied = {}
    if case_filter.is_bound:
        case_filter.is_valid()  # a filter that is not valid is left out, as the list does
        applied = {
            name: value
            for name, value in case_filter.form.cleaned_data.items()
            if name not in ("status", "sort") and value not in EMPTY_VALUES
        }
    if "q" in applied and case_filter.search(applied["q"]).common:
        return None
    matching = visible
    for name, value in applied.items():
        matching = case_filter.filters[name].filter(matching, value)
    return case_status_counts_for(user=user, filters=applied, matching=matching)
