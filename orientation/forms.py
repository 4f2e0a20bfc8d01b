"""Forms of the orientation pages. They parse input; the services decide."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from core.roles import Role

from .selectors import curriculum_choices


class DateInput(forms.DateInput):
    input_type = "date"


def facilitator_choices():
    return (
        get_user_model()
        .objects.filter(groups__name=Role.ORIENTATION_FACILITATOR, is_active=True)
        .order_by("first_name", "last_name", "username")
    )


class FacilitatorField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class SessionPlanForm(forms.Form):
    curriculum = forms.ModelChoiceField(queryset=None, label=_("Curriculum"))
    start_date = forms.DateField(label=_("First day"), widget=DateInput)
    number_of_days = forms.IntegerField(
        label=_("Number of days"),
        min_value=1,
        max_value=30,
        required=False,
        help_text=_("Leave empty for the curriculum's number of days; days follow each other."),
    )
    venue = forms.CharField(label=_("Venue"), max_length=150)
    group = forms.CharField(
        label=_("Group or time slot"),
        max_length=40,
        required=False,
        help_text=_(
            "Needed when another group of this curriculum starts at this venue the same day "
            "(“Group 2”, “afternoon”)."
        ),
    )
    language = forms.CharField(label=_("Language"), max_length=40)
    facilitator = FacilitatorField(queryset=None, label=_("Facilitator"))
    capacity = forms.IntegerField(label=_("Capacity (people)"), min_value=1, max_value=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["curriculum"].queryset = curriculum_choices()
        self.fields["facilitator"].queryset = facilitator_choices()


class EnrollForm(forms.Form):
    case_number = forms.CharField(
        label=_("Internal case number"),
        max_length=20,
        help_text=_("Every member old enough for the curriculum is enrolled."),
    )

    def clean_case_number(self):
        return self.cleaned_data["case_number"].strip().upper()


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=500)
