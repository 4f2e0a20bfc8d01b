"""The edits of household data: the case's own fields, members added, edited or removed, travel
documents recorded."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cases.forms import (
    CaseForm,
    IndividualForm,
    MemberRemoveForm,
    TravelDocumentForm,
    attach_application_error,
    error_summary,
)
from cases.models import Case
from cases.services import (
    case_update,
    individual_add,
    individual_remove,
    individual_update,
    travel_document_add,
)
from core.errors import ApplicationError, show_on_form

from .access import (
    household_editors_only,
    member_or_404,
    mission_staff_required,
    visible_case_or_404,
)


@mission_staff_required
@household_editors_only
@require_http_methods(["GET", "POST"])
def case_edit_view(request, pk):
    case = visible_case_or_404(request.user, pk)
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
    case = visible_case_or_404(request.user, pk)
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
    case = visible_case_or_404(request.user, pk)
    member = member_or_404(case, member_pk)
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
    case = visible_case_or_404(request.user, pk)
    member = member_or_404(case, member_pk)
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
    case = visible_case_or_404(request.user, pk)
    member = member_or_404(case, member_pk)
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
    context["error_summary"] = errors
    return render(request, template, context, status=400 if errors else 200)
