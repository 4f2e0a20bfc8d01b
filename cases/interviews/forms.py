"""Browser forms for interviews. They parse input only; the rules live in the services, whose
refusals are shown beside the field they name (`core.errors.show_on_form`)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.choices import InterviewDecision, InterviewKind, InterviewOutcome


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class InterviewScheduleForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of interview"), choices=InterviewKind.choices)
    scheduled_for = forms.DateTimeField(
        label=_("Date and time"),
        widget=DateTimeLocalInput(),
        help_text=_("Kigali time."),
    )
    venue = forms.CharField(label=_("Venue"), max_length=150, required=False)
    interviewer = forms.CharField(label=_("Interviewer"), max_length=150, required=False)


class InterviewRescheduleForm(forms.Form):
    scheduled_for = forms.DateTimeField(
        label=_("New date and time"),
        widget=DateTimeLocalInput(),
        help_text=_("Kigali time."),
    )
    venue = forms.CharField(label=_("Venue"), max_length=150, required=False)
    interviewer = forms.CharField(label=_("Interviewer"), max_length=150, required=False)
    reason = forms.CharField(
        label=_("Why it moves"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class InterviewOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (InterviewOutcome.COMPLETED.value, InterviewOutcome.COMPLETED.label),
            (InterviewOutcome.NO_SHOW.value, InterviewOutcome.NO_SHOW.label),
        ],
    )
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("", _("No decision yet")), *InterviewDecision.choices],
        required=False,
        help_text=_(
            "Approved, denied and on hold move the case on; a no-show carries no decision."
        ),
    )
    decided_on = forms.DateField(
        label=_("Decided on"),
        widget=DateInput(),
        required=False,
        help_text=_("Needed with a decision; not in the future."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
