"""Forms of the report pages: they only collect input; the rules live in reports.services."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import ReportKind


class RunRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Report"), choices=ReportKind.choices)
    year = forms.IntegerField(label=_("Year"), required=False)
    year_from = forms.IntegerField(label=_("From the year"), required=False)
    year_to = forms.IntegerField(label=_("To the year"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year - 1


class HistoryImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file of past departures"),
        help_text=_(
            "UTF-8, one line per group of persons: year or date, destination, camp, sex, "
            "age_band or birth_year, movement_type, persons."
        ),
    )
