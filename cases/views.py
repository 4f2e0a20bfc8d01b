"""The caseworker's desk in the browser: the dashboard, the case list, intake, the case page and
the edits of household data.

Views are thin: they check who is asking, read through `cases.selectors`, write through
`cases.services` and `cases.workflow`, and render. Every page is for the mission's staff; a
partner system's account gets 403 here (it uses the API).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.core.validators import EMPTY_VALUES
from django.forms.renderers import Jinja2
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import ApplicationError, NotPermitted, TransitionRefused, show_on_form
from core.roles import Role, can_edit_household, has_role, is_staff_member

from .choices import OPEN_STATES, CaseStatus, Urgency
from .filters import SORTS, CaseFilter, CaseListPageFilter
from .forms import (
    DEFAULT_PER_PAGE,
    PER_PAGE_CHOICES,
    CaseForm,
    IndividualForm,
    MemberRemoveForm,
    StepForm,
    TravelDocumentForm,
    attach_application_error,
    case_form_keeping,
    error_summary,
    member_formset,
    member_formset_with_one_more,
    new_household_members,
    per_page_from,
)
from .models import Case, Individual, Programme
from .panels import panels_for, row_notes_for
from .selectors import (
    case_detail,
    case_longest_waiting,
    case_rows,
    case_search_count,
    case_status_counts_for,
    case_timeline,
    case_visible_to,
)
from .services import (
    PossibleDuplicates,
    case_create,
    case_update,
    individual_add,
    individual_remove,
    individual_update,
    travel_document_add,
)
from .workflow import case_transition, refusals, step_options

# Statuses in which a case waits on someone at the mission (the dashboard's "waiting longest").
WAITING_STATES = [s for s in CaseStatus if s in OPEN_STATES or s == CaseStatus.ON_HOLD]
WAITING_PER_STATUS = 5


# ---------------------------------------------------------------------------------------------
# Who may use these pages


def mission_staff_required(view):
    """Logged in, and one of the mission's staff roles (not a partner system's account)."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        if not (request.user.is_superuser or is_staff_member(request.user)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(checked)


def household_editors_only(view):
    @wraps(view)
    def checked(request, *args, **kwargs):
        if not can_edit_household(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return checked


def _visible_case_or_404(user, pk) -> Case:
    try:
        return case_detail(user=user, pk=pk)
    except Case.DoesNotExist as missing:
        raise Http404(_("No such case.")) from missing


def _member_or_404(case: Case, member_pk) -> Individual:
    return get_object_or_404(Individual.objects.select_related("case"), pk=member_pk, case=case)


# ---------------------------------------------------------------------------------------------
# Dashboard


@mission_staff_required
@require_GET
def dashboard(request):
    """My cases by status, and the cases that have waited longest in each open stage."""
    user = request.user
    # A manager's landing page is the figures (the reports app, reached by its URL name only).
    if has_role(user, Role.MANAGER) and not can_edit_household(user):
        return redirect("reports:dashboard")
    list_url = reverse("cases:list")
    mine = case_status_counts_for(
        user=user,
        filters={"caseworker": user},
        matching=case_visible_to(user).filter(caseworker=user),
    )
    my_statuses = [
        {
            "status": status,
            "count": mine[status.value],
            "url": f"{list_url}?{urlencode({'caseworker': user.pk, 'status': status.value})}",
        }
        for status in CaseStatus
        if mine.get(status.value)
    ]
    waiting = case_longest_waiting(
        user=user, statuses=WAITING_STATES, per_status=WAITING_PER_STATUS
    )
    stages = []
    for status in WAITING_STATES:
        cases = [c for c in waiting if c.status == status]
        if cases:
            query = urlencode({"status": status.value, "sort": "status_changed_at"})
            stages.append({"status": status, "cases": cases, "url": f"{list_url}?{query}"})
    return render(
        request,
        "cases/dashboard.html",
        {
            "my_statuses": my_statuses,
            "my_total": sum(mine.values()),
            "my_cases_url": f"{list_url}?{urlencode({'caseworker': user.pk})}",
            "stages": stages,
            "now": timezone.now(),
        },
    )


# ---------------------------------------------------------------------------------------------
# The case list


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


# ---------------------------------------------------------------------------------------------
# Intake


@mission_staff_required
@household_editors_only
@require_http_methods(["GET", "POST"])
def case_create_view(request):
    """A new case with all its members in one form. Possible duplicates are shown before
    anything is saved, and saving then needs an explicit "save anyway"."""
    if request.method == "GET":
        form = CaseForm(initial=_intake_initial(request.user))
        return _render_intake(request, form, new_household_members())

    if "add_member" in request.POST:
        # Without JavaScript too: the same page again, with what was typed and one more row.
        return _render_intake(
            request,
            case_form_keeping(request.POST),
            member_formset_with_one_more(request.POST),
            focus_new_member=True,
        )

    form = CaseForm(request.POST)
    members = member_formset(request.POST)
    form_ok = form.is_valid()
    members_ok = members.is_valid()
    duplicates = []
    status = 400
    if form_ok and members_ok:
        # The service judges possible duplicates; "save anyway" acknowledges those shown.
        acknowledged = request.POST.getlist("acknowledged_duplicate")
        try:
            case = case_create(
                actor=request.user,
                members=members.service_members(),
                acknowledged_duplicates=[int(pk) for pk in acknowledged if pk.isdigit()]
                if "save_anyway" in request.POST
                else (),
                **form.service_fields(),
            )
        except PossibleDuplicates as warning:
            duplicates, status = _shown_duplicates(warning), 200
        except ApplicationError as error:
            attach_application_error(error, form, members)
        else:
            messages.success(
                request,
                _("Case %(number)s taken in with %(count)d members.")
                % {"number": case.case_number, "count": len(members.active_forms())},
            )
            return redirect(case)
    return _render_intake(request, form, members, duplicates=duplicates, status=status)


def _intake_initial(user) -> dict:
    initial = {"referral_date": timezone.localdate()}
    if has_role(user, Role.CASEWORKER):
        initial["caseworker"] = user.pk
    return initial


def _shown_duplicates(warning: PossibleDuplicates) -> list[dict]:
    """The service's possible duplicates as the intake page lists them (members counted from 1)."""
    return [
        {
            "member_number": match["index"] + 1,
            "member_name": match["member_name"],
            "existing": match["existing"],
            "same_number": match["same_number"],
        }
        for match in warning.matches
    ]


def _render_intake(request, form, members, *, duplicates=(), status=200, focus_new_member=False):
    errors = error_summary(form, members) if form.is_bound or members.is_bound else []
    return render(
        request,
        "cases/case_create.html",
        {
            "form": form,
            "members": members,
            "duplicates": duplicates,
            "errors": errors,
            "focus_new_member": focus_new_member,
        },
        status=status,
    )


# ---------------------------------------------------------------------------------------------
# The case page and its workflow steps


@mission_staff_required
@require_GET
def case_detail_view(request, pk):
    return _render_case_page(request, _visible_case_or_404(request.user, pk))


# Events on one page of a case's timeline; older ones are a link away.
TIMELINE_PER_PAGE = 25


def _render_case_page(request, case: Case, *, status: int = 200):
    members = list(case.members.all())
    timeline = Paginator(case_timeline(case), TIMELINE_PER_PAGE).get_page(
        request.GET.get("timeline_page")
    )
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "members": members,
            "member_names": {m.pk: m.full_name for m in members},
            "timeline": timeline,
            "panels": panels_for(case, request.user),
            "steps": _step_choices(case, request.user),
            "can_edit": can_edit_household(request.user),
            "today": timezone.localdate(),
        },
        status=status,
    )


def _step_choices(case: Case, user) -> list[dict]:
    """The next steps this user could take, each allowed or blocked with its reasons.

    A step that needs a fact typed in with it (a departure date) is judged as if that fact were
    given for today; the date actually typed is checked again when the step is taken.
    """
    choices = []
    for option in step_options(case, user):
        step = option.transition
        reasons = option.reasons
        if "departure_date" in step.needs:
            reasons = refusals(step, case, user, {"departure_date": timezone.localdate()})
        # Only steps that go "back to where the case was" need their target spelled out.
        target = case.resume_status if step.target is None else ""
        choices.append(
            {
                "name": step.name,
                "label": option.label,
                "allowed": not reasons,
                "reasons": reasons,
                "target": CaseStatus(target).label if target else "",
                "asks_reason": step.reason_required,
                "asks_departure_date": "departure_date" in step.needs,
            }
        )
    return choices


@mission_staff_required
@require_POST
def case_step_view(request, pk):
    """Take one workflow step. A refusal changes nothing and says why, on the case page."""
    case = _visible_case_or_404(request.user, pk)
    form = StepForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for message in errors:
                messages.error(request, f"{label}: {message}" if label else message)
        return _render_case_page(request, case, status=400)
    step = form.cleaned_data["transition"]
    label = dict(form.fields["transition"].choices)[step]
    try:
        case_transition(
            case=case,
            transition=step,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            context=form.context(),
            expected_status=form.cleaned_data["expected_status"],
        )
    except NotPermitted as refusal:
        messages.error(request, str(refusal.message))
        return _render_case_page(request, case, status=403)
    except TransitionRefused as refusal:
        for reason in refusal.reasons:
            messages.error(
                request,
                _("“%(step)s” was not done: %(reason)s") % {"step": label, "reason": reason},
            )
        return _render_case_page(request, case, status=409)
    messages.success(
        request,
        _("“%(step)s” done: the case is now “%(status)s”.")
        % {"step": label, "status": case.get_status_display()},
    )
    return redirect(case)


# ---------------------------------------------------------------------------------------------
# Household data


@mission_staff_required
@household_editors_only
@require_http_methods(["GET", "POST"])
def case_edit_view(request, pk):
    case = _visible_case_or_404(request.user, pk)
    form = CaseForm(request.POST or None, instance=Case.objects.get(pk=case.pk))
    if request.method == "POST" and form.is_valid():
        changes = form.changed_service_fields()
        if not changes:
            messages.info(request, _("Nothing was changed."))
            return redirect(case)
        try:
            case_update(actor=request.user, case=case, **changes)
        except ApplicationError as error:
            attach_application_error(error, form)
        else:
            messages.success(request, _("The case's data was saved."))
            return redirect(case)
    return _render_form_page(
        request,
        "cases/case_edit.html",
        {"case": case, "form": form},
    )


@mission_staff_required
@household_editors_only
@require_http_methods(["GET", "POST"])
def member_add_view(request, pk):
    case = _visible_case_or_404(request.user, pk)
    form = IndividualForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        try:
            person = individual_add(actor=request.user, case=case, **form.service_fields())
        except ApplicationError as error:
            attach_application_error(error, form)
        else:
            messages.success(
                request, _("%(name)s was added to the case.") % {"name": person.full_name}
            )
            return redirect(case)
    return _render_form_page(
        request, "cases/member_form.html", {"case": case, "form": form, "member": None}
    )


@mission_staff_required
@household_editors_only
@require_http_methods(["GET", "POST"])
def member_edit_view(request, pk, member_pk):
    case = _visible_case_or_404(request.user, pk)
    member = _member_or_404(case, member_pk)
    form = IndividualForm(request.POST or None, instance=member, case=case)
    if request.method == "POST" and form.is_valid():
        changes = form.changed_service_fields()
        if not changes:
            messages.info(request, _("Nothing was changed."))
            return redirect(case)
        try:
            individual_update(actor=request.user, individual=member, **changes)
        except ApplicationError as error:
            attach_application_error(error, form)
        else:
            messages.success(
                request, _("The data of %(name)s was saved.") % {"name": member.full_name}
            )
            return redirect(case)
    return _render_form_page(
        request,
        "cases/member_form.html",
        {"case": case, "form": form, "member": member, "remove_form": MemberRemoveForm()},
    )


@mission_staff_required
@household_editors_only
@require_POST
def member_remove_view(request, pk, member_pk):
    case = _visible_case_or_404(request.user, pk)
    member = _member_or_404(case, member_pk)
    remove_form = MemberRemoveForm(request.POST)
    if remove_form.is_valid():
        name = member.full_name
        try:
            individual_remove(
                actor=request.user, individual=member, reason=remove_form.cleaned_data["reason"]
            )
        except ApplicationError as error:
            show_on_form(remove_form, error)
        else:
            messages.success(request, _("%(name)s was removed from the case.") % {"name": name})
            return redirect(case)
    return _render_form_page(
        request,
        "cases/member_form.html",
        {
            "case": case,
            "form": IndividualForm(instance=member, case=case),
            "member": member,
            "remove_form": remove_form,
        },
        forms=[remove_form],
    )


@mission_staff_required
@household_editors_only
@require_http_methods(["GET", "POST"])
def document_add_view(request, pk, member_pk):
    case = _visible_case_or_404(request.user, pk)
    member = _member_or_404(case, member_pk)
    form = TravelDocumentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            document = travel_document_add(
                actor=request.user, individual=member, **form.service_fields()
            )
        except ApplicationError as error:
            attach_application_error(error, form)
        else:
            messages.success(
                request,
                _("%(document)s recorded for %(name)s.")
                % {"document": document, "name": member.full_name},
            )
            return redirect(case)
    return _render_form_page(
        request, "cases/document_form.html", {"case": case, "member": member, "form": form}
    )


def _render_form_page(request, template, context, *, forms=None):
    """A form page; when the submitted form has errors it answers 400 with a summary on top."""
    shown = forms if forms is not None else [context["form"]]
    errors = error_summary(*[f for f in shown if f.is_bound])
    context["errors"] = errors
    return render(request, template, context, status=400 if errors else 200)
