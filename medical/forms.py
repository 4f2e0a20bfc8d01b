"""Forms of the clinic pages. They parse and label input; the rules live in medical.services."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import show_on_form

from .choices import (
    CHEST_XRAY,
    AssessmentGroup,
    CheckResult,
    LabResultValue,
    LabTest,
    Outcome,
    TBClass,
    TravelCondition,
    Vaccine,
)
from .models import HealthAssessment


class DateInput(forms.DateInput):
    input_type = "date"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def format_value(self, value):
        if hasattr(value, "strftime"):
            value = timezone.localtime(value) if timezone.is_aware(value) else value
            return value.strftime("%Y-%m-%dT%H:%M")
        return value


class ApplicationErrorMixin:
    """Put a service's refusal on the field it names, or on the form (core.errors)."""

    def add_application_error(self, error) -> None:
        show_on_form(self, error)


class ScheduleForm(ApplicationErrorMixin, forms.Form):
    individual = forms.ModelChoiceField(queryset=None, label=_("Person"))
    group = forms.ChoiceField(
        choices=AssessmentGroup.choices, initial=AssessmentGroup.REFUGEE, label=_("Group")
    )
    scheduled_for = forms.DateTimeField(
        label=_("Appointment"), widget=DateTimeInput, input_formats=["%Y-%m-%dT%H:%M"]
    )

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the members of the case can be chosen; anyone else is "not a valid choice".
        self.fields["individual"].queryset = members
        self.fields["individual"].label_from_instance = lambda p: p.full_name


class AssessmentPartsForm(ApplicationErrorMixin, forms.ModelForm):
    """The parts of an assessment; the chest X-ray appears only where the protocol asks for it
    at the person's age (or where it is already recorded)."""

    XRAY_FIELDS = ("chest_xray_on", "chest_xray_findings", "tb_classification")

    class Meta:
        model = HealthAssessment
        fields = [
            "group",
            "scheduled_for",
            "assessed_on",
            "medical_history",
            "physical_examination",
            "mental_health_evaluation",
            "pre_test_counselling_on",
            "post_test_counselling_on",
            "chest_xray_on",
            "chest_xray_findings",
            "tb_classification",
            "specialist_referrals",
        ]
        widgets = {
            "scheduled_for": DateTimeInput,
            "assessed_on": DateInput,
            "pre_test_counselling_on": DateInput,
            "post_test_counselling_on": DateInput,
            "chest_xray_on": DateInput,
            "medical_history": forms.Textarea(attrs={"rows": 3}),
            "physical_examination": forms.Textarea(attrs={"rows": 3}),
            "mental_health_evaluation": forms.Textarea(attrs={"rows": 3}),
            "chest_xray_findings": forms.Textarea(attrs={"rows": 2}),
            "specialist_referrals": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, parts: set[str] = frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scheduled_for"].input_formats = ["%Y-%m-%dT%H:%M"]
        self.fields["tb_classification"].choices = [("", "—"), *TBClass.choices]
        shows_xray = CHEST_XRAY in parts or bool(
            self.instance.chest_xray_on or self.instance.tb_classification
        )
        if not shows_xray:
            for name in self.XRAY_FIELDS:
                del self.fields[name]

    @property
    def shows_chest_xray(self) -> bool:
        return "chest_xray_on" in self.fields


class LabResultForm(ApplicationErrorMixin, forms.Form):
    # Several forms share the assessment page: prefixes keep their ids unique.
    prefix = "lab"
    test = forms.ChoiceField(label=_("Test"))
    result = forms.ChoiceField(choices=LabResultValue.choices, label=_("Result"))
    tested_on = forms.DateField(label=_("Date"), widget=DateInput)

    def __init__(self, *args, parts: set[str] = frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        # The tests the protocol asks of this person at their age come first; any other test
        # can still be recorded when a clinician orders it.
        required = [(v, label) for v, label in LabTest.choices if v in parts]
        others = [(v, label) for v, label in LabTest.choices if v not in parts]
        groups = []
        if required:
            groups.append((_("Required by the protocol"), required))
        if others:
            groups.append((_("Other tests"), others))
        self.fields["test"].choices = groups


class OutcomeForm(ApplicationErrorMixin, forms.Form):
    outcome = forms.ChoiceField(choices=Outcome.choices, label=_("Outcome"))
    outcome_on = forms.DateField(label=_("Outcome date"), widget=DateInput, required=False)
    conditions = forms.MultipleChoiceField(
        choices=TravelCondition.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Other conditions for travel"),
        help_text=_(
            "The conditions the results imply under the protocol are added by themselves; "
            "tick only those no result implies (a wheelchair, oxygen)."
        ),
    )
    outcome_notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Clinical notes")
    )


class TreatmentForm(ApplicationErrorMixin, forms.Form):
    """A completed treatment of a result that needed one before travel."""

    prefix = "treatment"
    finding = forms.ChoiceField(label=_("Result treated"))
    completed_on = forms.DateField(label=_("Treatment completed on"), widget=DateInput)
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Clinical notes")
    )

    def __init__(self, *args, findings=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Only the results of this assessment that need treatment before travel.
        self.fields["finding"].choices = [
            (f.finding, f.label) for f in findings if f.treatment_before_travel
        ]


class VaccinationForm(ApplicationErrorMixin, forms.Form):
    vaccine = forms.ChoiceField(choices=Vaccine.choices, label=_("Vaccine"))
    dose = forms.IntegerField(min_value=1, max_value=10, initial=1, label=_("Dose number"))
    given_on = forms.DateField(label=_("Date given"), widget=DateInput)
    lot_number = forms.CharField(max_length=40, label=_("Lot number"))


class PreEmbarkationCheckForm(ApplicationErrorMixin, forms.Form):
    prefix = "check"
    checked_on = forms.DateField(label=_("Date of check"), widget=DateInput)
    planned_departure = forms.DateField(label=_("Planned departure"), widget=DateInput)
    result = forms.ChoiceField(choices=CheckResult.choices, label=_("Result"))
    clinical_notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Clinical notes")
    )
