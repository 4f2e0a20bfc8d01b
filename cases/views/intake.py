"""Intake: a new case with all its members in one form, possible duplicates shown before
anything is saved."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cases.forms import (
    CaseForm,
    attach_application_error,
    case_form_keeping,
    error_summary,
    member_formset,
    member_formset_with_one_more,
    new_household_members,
)
from cases.services import PossibleDuplicates, case_create
from core.errors import ApplicationError
from core.roles import Role, has_role

from .access import household_editors_only, mission_staff_required


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
            "error_summary": errors,
            "focus_new_member": focus_new_member,
        },
        status=status,
    )
