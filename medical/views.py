"""The clinic's pages (/clinic/). Clinicians only: every other role gets 403 and sees nothing.

Views are thin: check the role, parse the form, call a service or a selector, render.
"""

from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases.models import Case
from core.errors import ApplicationError

from . import selectors, services
from .choices import CHEST_XRAY, AccessChannel, LabTest, TravelCondition
from .forms import (
    AssessmentPartsForm,
    LabResultForm,
    OutcomeForm,
    PreEmbarkationCheckForm,
    ScheduleForm,
    TreatmentForm,
    VaccinationForm,
)
from .models import HealthAssessment
from .permissions import can_see_medical_detail, can_sign_outcome

DEFAULT_EXPIRY_DAYS = 30
MAX_EXPIRY_DAYS = 730


def clinician_required(view):
    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not can_see_medical_detail(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@require_GET
@clinician_required
def today(request):
    """Today's appointments (the office's day, Africa/Kigali)."""
    day = timezone.localdate()
    appointments = selectors.appointments_on(user=request.user, day=day)
    return render(request, "medical/today.html", {"day": day, "appointments": appointments})


@require_GET
@clinician_required
def expiring(request):
    """Clearances that end within the next N days (?days=N, 30 unless given)."""
    try:
        days = int(request.GET.get("days", DEFAULT_EXPIRY_DAYS))
    except ValueError:
        days = DEFAULT_EXPIRY_DAYS
    days = max(0, min(days, MAX_EXPIRY_DAYS))
    clearances = selectors.clearances_expiring(user=request.user, days=days)
    return render(request, "medical/expiring.html", {"days": days, "clearances": clearances})


def _clinic_case_or_404(request, pk):
    try:
        return selectors.clinic_case(user=request.user, pk=pk)
    except Case.DoesNotExist:
        raise Http404 from None


def _schedule_form(case, data=None):
    return ScheduleForm(data, members=case.members.all())


@require_GET
@clinician_required
def case_clinic(request, pk):
    """A case's travellers in the clinic: each one's assessment, and making appointments."""
    case = _clinic_case_or_404(request, pk)
    return render(
        request, "medical/case.html", {"case": case, "schedule_form": _schedule_form(case)}
    )


@require_POST
@clinician_required
def schedule(request, pk):
    case = _clinic_case_or_404(request, pk)
    form = _schedule_form(case, request.POST)
    if form.is_valid():
        try:
            assessment = services.assessment_create(
                actor=request.user,
                individual=form.cleaned_data["individual"],
                case=case,
                group=form.cleaned_data["group"],
                scheduled_for=form.cleaned_data["scheduled_for"],
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("Appointment made."))
            return redirect(assessment)
    return render(request, "medical/case.html", {"case": case, "schedule_form": form}, status=400)


# ---------------------------------------------------------------------------------------------
# One assessment
#
# The whole page is one HTML form whose buttons post each section to its own address
# (`formaction`): whichever part is recorded, what was typed in the other parts comes along and
# is shown again, after a refusal (from the post) and after a success (kept in the session for
# the page the browser is sent back to).

SECTION_FORMS = {
    "parts_form": AssessmentPartsForm,
    "lab_form": LabResultForm,
    "treatment_form": TreatmentForm,
    "vaccination_form": VaccinationForm,
    "check_form": PreEmbarkationCheckForm,
    "outcome_form": OutcomeForm,
}
DRAFT_KEY = "medical-assessment-draft-%d"


def _typed_values(form, data) -> dict:
    """What was typed into `form`'s fields in `data` (a QueryDict or a kept draft), as initial
    values: lists for multiple choices, one value for the others."""
    values = {}
    for name, field in form.fields.items():
        key = form.add_prefix(name)
        if key not in data:
            continue
        many = isinstance(field, forms.MultipleChoiceField)
        if hasattr(data, "getlist"):
            values[name] = data.getlist(key) if many else data.get(key)
        else:
            values[name] = data[key] if many else (data[key][-1] if data[key] else "")
    return values


def _section_forms(assessment, parts, findings, typed=None, **bound) -> dict:
    """Every section's form: the bound one that was posted (with its errors), the others
    showing what was typed in them (`typed`), else the stored values."""
    made = {}
    for name, form_class in SECTION_FORMS.items():
        if name in bound:
            made[name] = bound[name]
            continue
        kwargs = {}
        if form_class is AssessmentPartsForm:
            kwargs = {"instance": assessment, "parts": parts}
        elif form_class is LabResultForm:
            kwargs = {"parts": parts}
        elif form_class is TreatmentForm:
            kwargs = {"findings": findings}
        elif form_class is OutcomeForm:
            kwargs = {
                "initial": {
                    "outcome": assessment.outcome,
                    "outcome_on": assessment.outcome_on,
                    "conditions": assessment.conditions,
                    "outcome_notes": assessment.outcome_notes,
                }
            }
        form = form_class(**kwargs)
        if typed:
            form.initial = {**form.initial, **_typed_values(form, typed)}
        made[name] = form
    return made


def _assessment_page(request, assessment, status=200, typed=None, **bound):
    protocol = selectors.protocol_for_assessment(assessment)
    parts = selectors.applicable_parts(assessment, protocol)
    findings = selectors.assessment_findings(assessment, protocol)
    context = {
        "assessment": assessment,
        "person": assessment.individual,
        "protocol": protocol,
        "required_tests": sorted(p for p in parts if p != CHEST_XRAY),
        "findings": findings,
        "implied_conditions": [
            TravelCondition(c).label for c in selectors.implied_conditions(findings)
        ],
        "can_sign_outcome": can_sign_outcome(request.user),
        **_section_forms(assessment, parts, findings, typed, **bound),
    }
    recorded = {row.test for row in assessment.lab_results.all()}
    context["required_test_rows"] = [
        (test, LabTest(test).label, test in recorded) for test in context["required_tests"]
    ]
    return render(request, "medical/assessment.html", context, status=status)


def _detail_or_404(request, pk):
    try:
        return selectors.assessment_detail(user=request.user, pk=pk, via=AccessChannel.PAGE)
    except HealthAssessment.DoesNotExist:
        raise Http404 from None


def _for_write_or_404(request, pk):
    try:
        return selectors.assessment_for_write(user=request.user, pk=pk)
    except HealthAssessment.DoesNotExist:
        raise Http404 from None


@require_GET
@clinician_required
def assessment(request, pk):
    typed = request.session.pop(DRAFT_KEY % pk, None)
    return _assessment_page(request, _detail_or_404(request, pk), typed=typed)


def _keep_other_sections(request, pk, saved_form) -> None:
    """Keep what was typed in every section but the one just saved, for the next page."""
    saved = {saved_form.add_prefix(name) for name in saved_form.fields}
    draft = {
        key: request.POST.getlist(key)
        for key in request.POST
        if key not in saved and key != "csrfmiddlewaretoken"
    }
    if draft:
        request.session[DRAFT_KEY % pk] = draft


def _handle(request, pk, form_name, form, call):
    """Run `call(cleaned_data)` when the form is valid; otherwise show the page with the errors.
    Either way, what was typed in the page's other sections is shown again."""
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("Saved."))
            _keep_other_sections(request, pk, form)
            return redirect("medical:assessment", pk=pk)
    return _assessment_page(
        request, _detail_or_404(request, pk), status=400, typed=request.POST, **{form_name: form}
    )


@require_POST
@clinician_required
def assessment_parts(request, pk):
    current = _for_write_or_404(request, pk)
    parts = selectors.applicable_parts(current, selectors.protocol_for_assessment(current))
    form = AssessmentPartsForm(request.POST, instance=current, parts=parts)

    # The service reads the row again under a lock and compares against the stored values.
    return _handle(
        request,
        pk,
        "parts_form",
        form,
        lambda data: services.assessment_update(
            actor=request.user, assessment=current, **{name: data[name] for name in form.fields}
        ),
    )


@require_POST
@clinician_required
def lab_result_add(request, pk):
    current = _for_write_or_404(request, pk)
    parts = selectors.applicable_parts(current, selectors.protocol_for_assessment(current))
    form = LabResultForm(request.POST, parts=parts)
    return _handle(
        request,
        pk,
        "lab_form",
        form,
        lambda data: services.lab_result_add(actor=request.user, assessment=current, **data),
    )


@require_POST
@clinician_required
def treatment_add(request, pk):
    current = _for_write_or_404(request, pk)
    findings = selectors.assessment_findings(current, selectors.protocol_for_assessment(current))
    form = TreatmentForm(request.POST, findings=findings)
    return _handle(
        request,
        pk,
        "treatment_form",
        form,
        lambda data: services.treatment_record_completed(
            actor=request.user, assessment=current, **data
        ),
    )


@require_POST
@clinician_required
def outcome(request, pk):
    # A physician signs the outcome (medical.services checks it again); a nurse gets 403.
    if not can_sign_outcome(request.user):
        raise PermissionDenied
    current = _for_write_or_404(request, pk)
    form = OutcomeForm(request.POST)
    return _handle(
        request,
        pk,
        "outcome_form",
        form,
        lambda data: services.assessment_record_outcome(
            actor=request.user, assessment=current, **data
        ),
    )


@require_POST
@clinician_required
def vaccination_add(request, pk):
    current = _for_write_or_404(request, pk)
    form = VaccinationForm(request.POST)
    return _handle(
        request,
        pk,
        "vaccination_form",
        form,
        lambda data: services.vaccination_record(
            actor=request.user, individual=current.individual, **data
        ),
    )


@require_POST
@clinician_required
def check_add(request, pk):
    current = _for_write_or_404(request, pk)
    form = PreEmbarkationCheckForm(request.POST)
    return _handle(
        request,
        pk,
        "check_form",
        form,
        lambda data: services.pre_embarkation_check_record(
            actor=request.user, individual=current.individual, **data
        ),
    )
