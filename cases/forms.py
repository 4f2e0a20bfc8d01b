"""Forms of the caseworker's desk. They parse what a person typed; the rules live in the models
and `cases.services`, whose refusals are put beside the field they name
(`attach_application_error`). Model forms are used for their field definitions and run the
model's own `clean()` (the same rules every door meets); natural keys (unique numbers) are the
services' to refuse, naming the record that holds them. Nothing here saves a model.
"""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS
from django.forms import formset_factory
from django.forms.formsets import DELETION_FIELD_NAME
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError, show_on_form
from core.roles import Role

from .choices import CaseStatus, Relationship, SpecialNeed
from .models import Case, Country, Individual, Location, Programme, TravelDocument
from .services import CASE_EDITABLE_FIELDS, INDIVIDUAL_EDITABLE_FIELDS, principal_problem
from .workflow import TRANSITIONS

MEMBER_PREFIX = "members"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class CaseworkerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


def caseworkers():
    return (
        get_user_model()
        .objects.filter(groups__name=Role.CASEWORKER, is_active=True)
        .order_by("first_name", "last_name", "username")
    )


class CaseForm(forms.ModelForm):
    """The household's case data: taken in at intake, edited afterwards."""

    caseworker = CaseworkerChoiceField(
        queryset=None, required=False, label=_("Assigned caseworker")
    )

    class Meta:
        model = Case
        fields = CASE_EDITABLE_FIELDS
        widgets = {
            "referral_date": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "unhcr_case_number": _("As written on the UNHCR referral, e.g. RWA-24-000123."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["caseworker"].queryset = caseworkers()
        locations = Location.objects.all()
        if not self.instance.pk:
            # New households come from camps that are still open (Gihembe's moved to Mahama).
            locations = locations.filter(is_open=True)
        self.fields["location"].queryset = locations
        self.fields["destination_country"].queryset = Country.objects.filter(is_destination=True)
        self.fields["programme"].queryset = Programme.objects.filter(is_active=True).select_related(
            "country"
        )

    def validate_unique(self):
        """A UNHCR number already recorded is refused by the service, naming its case."""

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in CASE_EDITABLE_FIELDS}

    def changed_service_fields(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in self.changed_data
            if name in CASE_EDITABLE_FIELDS
        }


class IndividualForm(forms.ModelForm):
    """One member of a household (`case`: the case edited, when there is one). The rules about
    principal applicants and UNHCR numbers are the service's (cases.services)."""

    special_needs = forms.MultipleChoiceField(
        label=_("Special needs"),
        choices=SpecialNeed.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Individual
        fields = INDIVIDUAL_EDITABLE_FIELDS
        widgets = {"date_of_birth": DateInput()}
        help_texts = {
            "languages": _("Separate languages with commas, e.g. Kinyarwanda, Swahili."),
            "unhcr_individual_number": _("Leave empty if UNHCR has not given one."),
        }

    def __init__(self, *args, case: Case | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        self.fields["nationality"].queryset = Country.objects.all()

    def validate_unique(self):
        """A second principal applicant or a UNHCR number already recorded is refused by the
        service, naming who holds it."""

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in INDIVIDUAL_EDITABLE_FIELDS}

    def changed_service_fields(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in self.changed_data
            if name in INDIVIDUAL_EDITABLE_FIELDS
        }


def is_left_out(form) -> bool:
    """Whether a member row of the intake form was ticked "leave out this member"."""
    return DELETION_FIELD_NAME in form.fields and bool(form[DELETION_FIELD_NAME].value())


class BaseMemberFormSet(forms.BaseFormSet):
    """The members of a new household: exactly one principal applicant, no number twice."""

    def active_forms(self) -> list[IndividualForm]:
        """The member forms that will be saved: filled in and not left out."""
        return [form for form in self.forms if form.has_changed() and not is_left_out(form)]

    def clean(self):
        # Reported in the same round as the members' own errors (not once they are fixed).
        members = self.active_forms()
        if not members:
            raise forms.ValidationError(
                _("Add the household's members: at least the principal applicant."),
                code="no_members",
            )
        problem = principal_problem(form.cleaned_data.get("relationship") for form in members)
        if problem:
            raise forms.ValidationError(problem, code="principal_applicant")

    def service_members(self) -> list[dict]:
        return [form.service_fields() for form in self.active_forms()]


MemberFormSet = formset_factory(
    IndividualForm, formset=BaseMemberFormSet, extra=0, can_delete=True, max_num=30
)


def case_form_keeping(data) -> CaseForm:
    """An unbound case form showing what was posted, without judging it yet."""
    posted = CaseForm(data)
    return CaseForm(initial={name: posted[name].value() for name in posted.fields})


def member_formset(data=None, *, initial=None) -> BaseMemberFormSet:
    return MemberFormSet(data=data, initial=initial, prefix=MEMBER_PREFIX)


def member_formset_with_one_more(data) -> BaseMemberFormSet:
    """An unbound copy of a posted household with one more blank member, for the "add another
    member" button: what was typed is kept, nothing is checked yet."""
    posted = member_formset(data)
    initial = []
    for form in posted.forms:
        if is_left_out(form):
            continue
        values = {name: form[name].value() for name in INDIVIDUAL_EDITABLE_FIELDS}
        if any(values[name] not in (None, "", [], False) for name in values):
            initial.append(values)
    formset = member_formset(initial=initial)
    # The blank row is an extra form: left empty, it is skipped rather than refused.
    formset.extra = 1
    formset.forms[-1].fields["given_name"].widget.attrs["autofocus"] = True
    return formset


def new_household_members() -> BaseMemberFormSet:
    """A blank household: the principal applicant first."""
    return member_formset(initial=[{"relationship": Relationship.PRINCIPAL_APPLICANT}])


_DOCUMENT_FIELDS = ["document_type", "number", "issuing_country", "issued_on", "expires_on"]


class TravelDocumentForm(forms.Form):
    """Parses a travel document; its rules (dates, duplicates) are the service's
    (cases.services.travel_document_add), the same for the page and the API."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(
            forms.fields_for_model(
                TravelDocument,
                fields=_DOCUMENT_FIELDS,
                widgets={"issued_on": DateInput(), "expires_on": DateInput()},
            )
        )

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in _DOCUMENT_FIELDS}


class MemberRemoveForm(forms.Form):
    reason = forms.CharField(
        label=_("Why does this person leave the case?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class StepForm(forms.Form):
    """One workflow step asked for from the case page."""

    transition = forms.ChoiceField(choices=[(t.name, t.label) for t in TRANSITIONS])
    expected_status = forms.ChoiceField(choices=CaseStatus.choices)
    reason = forms.CharField(label=_("Reason"), max_length=2000, required=False)
    departure_date = forms.DateField(label=_("Planned departure date"), required=False)

    def context(self) -> dict:
        day = self.cleaned_data.get("departure_date")
        return {"departure_date": day} if day else {}


PER_PAGE_CHOICES = (25, 50, 100)
DEFAULT_PER_PAGE = 25


def per_page_from(value) -> int:
    """A page size the list accepts: one of a few, so a link cannot ask for every case at once."""
    try:
        size = int(value)
    except (TypeError, ValueError):
        return DEFAULT_PER_PAGE
    return size if size in PER_PAGE_CHOICES else DEFAULT_PER_PAGE


# ---------------------------------------------------------------------------------------------
# Errors: the services' refusals put back in place, and the summary at the top of a form

_MEMBER_FIELD = re.compile(r"^members\[(\d+)\]\.(\w+)$")


def attach_application_error(
    error: ApplicationError, form: forms.Form, members: BaseMemberFormSet | None = None
) -> None:
    """Show a service's refusal beside the inputs it names: `members[i].field` on that member's
    form, the household's own rules above the members, the rest on `form`."""
    if members is None:
        show_on_form(form, error)
        return
    active = members.active_forms()
    for path, messages in error.field_errors.items():
        match = _MEMBER_FIELD.match(path)
        for message in messages:
            if match and int(match.group(1)) < len(active):
                target, name = active[int(match.group(1))], match.group(2)
                target.add_error(name if name in target.fields else None, message)
            elif path in ("members", "acknowledged_duplicates") or match:
                members.non_form_errors().append(message)
            else:
                form.add_error(path if path in form.fields else None, message)


def error_summary(*forms_or_formsets) -> list[dict]:
    """Every error of the given forms, each with the id of the input to jump to."""
    entries = []

    def add_form(form, legend=""):
        for name, errors in form.errors.items():
            if name == NON_FIELD_ERRORS or name not in form.fields:
                anchor, label = "", legend
            else:
                bound = form[name]
                anchor = bound.id_for_label or bound.auto_id
                label = f"{legend} – {bound.label}" if legend else str(bound.label)
            for message in errors:
                entries.append({"anchor": anchor, "label": label, "message": message})

    for item in forms_or_formsets:
        if item is None:
            continue
        if isinstance(item, forms.BaseFormSet):
            for message in item.non_form_errors():
                entries.append({"anchor": "members", "label": "", "message": message})
            for number, form in enumerate(item.forms, start=1):
                if not form.is_bound or is_left_out(form):
                    continue
                add_form(form, legend=str(_("Member %(number)d")) % {"number": number})
        else:
            add_form(item)
    return entries
