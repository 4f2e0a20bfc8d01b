"""The administrator's desk: reference data, partner systems, and a read-only look at cases.

Cases and people are changed through the case pages (which keep the timeline); the admin shows
them read-only so that nobody moves a case around the workflow.
"""

from django import forms
from django.contrib import admin
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .models import (
    Case,
    CaseEvent,
    Country,
    Individual,
    Location,
    MovementType,
    PartnerProfile,
    Programme,
    SubmissionCategory,
)
from .reference_names import translated_languages


class TranslatedNameForm(forms.ModelForm):
    """The reference row's form with one "name (language)" box per configured language, kept in
    the row's `name_translations` (an empty box removes that language's name)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        given = self.instance.name_translations or {}
        for code in translated_languages():
            self.fields[f"name_{code}"].initial = given.get(code, "")

    def clean(self):
        data = super().clean()
        names = dict(self.instance.name_translations or {})
        for code in translated_languages():
            value = (data.get(f"name_{code}") or "").strip()
            if value:
                names[code] = value
            else:
                names.pop(code, None)
        self.instance.name_translations = names
        return data


def translated_name_form(base: type[forms.ModelForm]) -> type[forms.ModelForm]:
    """`base` with a name box per language of settings.LANGUAGES (read when the admin asks)."""
    boxes = {}
    for code in translated_languages():
        language = translation.get_language_info(code)["name_translated"]
        boxes[f"name_{code}"] = forms.CharField(
            label=_("name (%(language)s)") % {"language": language},
            max_length=150,
            required=False,
        )
    return type("TranslatedNameAdminForm", (TranslatedNameForm, base), boxes)


class TranslatedNameAdmin(admin.ModelAdmin):
    """Admin of a reference model with a name per language (cases.reference_names)."""

    exclude = ["name_translations"]

    def get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = translated_name_form(self.form)
        return super().get_form(request, obj, **kwargs)


@admin.register(Country)
class CountryAdmin(TranslatedNameAdmin):
    list_display = ["name", "iso_code", "is_destination"]
    list_filter = ["is_destination"]
    search_fields = ["name", "iso_code"]


@admin.register(Programme)
class ProgrammeAdmin(TranslatedNameAdmin):
    list_display = ["code", "name", "country", "is_active"]
    list_filter = ["country", "is_active"]
    list_select_related = ["country"]
    search_fields = ["code", "name"]


@admin.register(Location)
class LocationAdmin(TranslatedNameAdmin):
    list_display = ["name", "kind", "district", "is_open", "merged_into"]
    list_filter = ["kind", "is_open"]
    list_select_related = ["merged_into"]


@admin.register(MovementType)
class MovementTypeAdmin(TranslatedNameAdmin):
    list_display = ["code", "name"]


@admin.register(SubmissionCategory)
class SubmissionCategoryAdmin(TranslatedNameAdmin):
    list_display = ["code", "name"]


@admin.register(PartnerProfile)
class PartnerProfileAdmin(admin.ModelAdmin):
    list_display = ["organisation", "user", "country"]
    list_select_related = ["user", "country"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class IndividualInline(admin.TabularInline):
    model = Individual
    fields = ["given_name", "family_name", "sex", "date_of_birth", "relationship"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["case_number", "unhcr_case_number", "status", "location", "destination_country"]
    list_filter = ["status", "location", "destination_country"]
    list_select_related = ["location", "destination_country"]
    search_fields = ["case_number", "unhcr_case_number"]
    inlines = [IndividualInline]


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ["case", "kind", "from_status", "to_status", "actor", "at"]
    list_filter = ["kind"]
    list_select_related = ["case", "actor"]
