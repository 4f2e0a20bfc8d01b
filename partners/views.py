"""The caseworkers' referral file upload: the same intake as the partners' bulk endpoint, with
a progress bar (htmx polls the progress while the task runs), the refused referrals with the
people a possible duplicate may be and a "save anyway" for each, the refused lines as a CSV to
fix and send again, and the CSV template."""

from __future__ import annotations

import csv

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.views.access import household_editors_only, mission_staff_required
from core.errors import ApplicationError

from . import intake
from .intake import (
    CSV_HEADER,
    REASON_COLUMN,
    intake_batch_create,
    intake_referral_save_anyway,
    template_csv,
)
from .models import IntakeRowError
from .selectors import (
    intake_batch_visible_to,
    intake_possible_duplicate_people,
    intake_refusals_to_fix,
    intake_row_errors,
)
from .uploads import cap_uploads

# A cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class ReferralFileForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Referral file (CSV or JSON)"),
        help_text=gettext_lazy(
            "CSV: one line per person, the lines of a referral together; JSON: an array of "
            "referrals. Up to 20 MB."
        ),
    )


def _batch_or_404(user, pk):
    batch = intake_batch_visible_to(user).filter(pk=pk).first()
    if batch is None:
        raise Http404
    return batch


@csrf_exempt  # checked in _referral_files_view, once the capped upload handler is in place
def referral_files_view(request):
    if request.method == "POST":
        cap_uploads(request)
    return _referral_files_view(request)


@require_http_methods(["GET", "POST"])
@mission_staff_required
@household_editors_only
@csrf_protect
def _referral_files_view(request):
    form = ReferralFileForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                batch = intake_batch_create(
                    actor=request.user,
                    file_name=upload.name,
                    content_type=upload.content_type or "",
                    content=upload.read(intake.MAX_FILE_BYTES + 1),
                )
            except ApplicationError as error:
                form.add_error("file", str(error.message))
            else:
                return redirect("partners:referral_file", pk=batch.pk)
        status = 400
    batches = intake_batch_visible_to(request.user).select_related("created_by")[:20]
    return render(
        request,
        "partners/referral_files.html",
        {"form": form, "batches": batches},
        status=status,
    )


@require_GET
@mission_staff_required
@household_editors_only
def referral_file_view(request, pk):
    batch = _batch_or_404(request.user, pk)
    template = (
        "partners/_referral_file_progress.html" if request.htmx else "partners/referral_file.html"
    )
    errors = (
        list(intake_row_errors(batch).select_related("saved_case")[:100]) if batch.finished else []
    )
    people = intake_possible_duplicate_people(errors)
    for error in errors:
        error.may_be = [people[pk] for pk in error.possible_duplicates if pk in people]
    return render(request, template, {"batch": batch, "errors": errors})


@require_POST
@mission_staff_required
@household_editors_only
def referral_save_anyway_view(request, pk, error_pk):
    """Save one referral refused as a possible duplicate (partners.intake)."""
    batch = _batch_or_404(request.user, pk)
    if not IntakeRowError.objects.filter(batch=batch, pk=error_pk).exists():
        raise Http404
    try:
        case = intake_referral_save_anyway(actor=request.user, row_error_id=error_pk)
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request,
            gettext("Saved anyway as case %(case)s.") % {"case": case.case_number},
        )
    return redirect("partners:referral_file", pk=batch.pk)


@require_GET
@mission_staff_required
@household_editors_only
def referral_file_template(request):
    """The CSV template: every column, one referral of two people as an example."""
    response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="referrals-template.csv"'
    return response


def neutralise(value) -> str:
    """A cell a spreadsheet will show as text, never run as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


@require_GET
@mission_staff_required
@household_editors_only
def referral_file_errors_csv(request, pk):
    """The refused referrals' lines as sent (the file's columns) with a reason column: fix them
    and send the file again (the reason column is ignored then). Saved-anyway ones left out."""
    batch = _batch_or_404(request.user, pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="referral-file-{batch.pk}-refused.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([*CSV_HEADER, REASON_COLUMN])
    for error in intake_refusals_to_fix(batch).iterator(chunk_size=2000):
        reason = gettext("Line %(line)d: %(reason)s") % {
            "line": error.line,
            "reason": error.message,
        }
        for row in error.rows or [{}]:
            cells = row if isinstance(row, dict) else {}
            writer.writerow(
                [*(neutralise(cells.get(column, "")) for column in CSV_HEADER), neutralise(reason)]
            )
    return response
