"""The administrator's desk: reference data, partner systems, and a read-only look at cases.

Cases and people are changed through the case pages (which keep the timeline); the admin shows
them read-only so that nobody moves a case around the workflow.
"""

from django.contrib import admin

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


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["name", "iso_code", "is_destination"]
    list_filter = ["is_destination"]
    search_fields = ["name", "iso_code"]


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "country", "is_active"]
    list_filter = ["country", "is_active"]
    list_select_related = ["country"]
    search_fields = ["code", "name"]


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "district", "is_open", "merged_into"]
    list_filter = ["kind", "is_open"]
    list_select_related = ["merged_into"]


@admin.register(MovementType)
class MovementTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]


@admin.register(SubmissionCategory)
class SubmissionCategoryAdmin(admin.ModelAdmin):
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
