"""The caseworkers' referral file upload: the same intake as the partners' bulk endpoint, with
a progress bar (htmx polls the progress while the task runs) and the refused referrals as a
downloadable CSV report."""

from __future__ import annotations

import csv

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from cases.views.access import household_editors_only, mission_staff_required
from core.errors import ApplicationError

from .intake import MAX_FILE_BYTES, intake_batch_create
from .selectors import intake_batch_visible_to, intake_row_errors

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


@require_http_methods(["GET", "POST"])
@mission_staff_required
@household_editors_only
def referral_files_view(request):
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
                    content=upload.read(MAX_FILE_BYTES + 1),
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
    errors = intake_row_errors(batch)[:100] if batch.finished else []
    return render(request, template, {"batch": batch, "errors": errors})


def neutralise(value) -> str:
    """A cell a spreadsheet will show as text, never run as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


@require_GET
@mission_staff_required
@household_editors_only
def referral_file_errors_csv(request, pk):
    batch = _batch_or_404(request.user, pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="referral-file-{batch.pk}-errors.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(["line", "unhcr_case_number", "field", "code", "reason"])
    for error in intake_row_errors(batch).iterator(chunk_size=2000):
        writer.writerow(
            [
                error.line,
                neutralise(error.unhcr_case_number),
                neutralise(error.field),
                neutralise(error.code),
                neutralise(error.message),
            ]
        )
    return response
