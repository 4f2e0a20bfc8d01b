"""The administrator edits the medical protocols here. Medical records are not in the admin:
administrators are not clinicians, and the clinic pages keep the timeline and the access log."""

from django.contrib import admin

from .models import MedicalProtocol, MedicalRecordAccess, ProtocolFindingRule, ProtocolRequirement


class ProtocolRequirementInline(admin.TabularInline):
    model = ProtocolRequirement
    extra = 1
    fields = ["part", "from_age"]


class ProtocolFindingRuleInline(admin.TabularInline):
    """What each result means for travel: treatment first, and the conditions it implies."""

    model = ProtocolFindingRule
    extra = 0
    fields = ["finding", "treatment_before_travel", "conditions"]


@admin.register(MedicalProtocol)
class MedicalProtocolAdmin(admin.ModelAdmin):
    list_display = [
        "programme",
        "clearance_validity_days",
        "pre_embarkation_window_days",
        "updated_at",
    ]
    list_select_related = ["programme__country"]
    search_fields = ["programme__code", "programme__name"]
    inlines = [ProtocolRequirementInline, ProtocolFindingRuleInline]


@admin.register(MedicalRecordAccess)
class MedicalRecordAccessAdmin(admin.ModelAdmin):
    """Who looked at which medical record, read-only (it names records, never their content)."""

    list_display = ["at", "user", "individual", "record_kind", "record_id", "via"]
    list_filter = ["record_kind", "via"]
    list_select_related = ["user", "individual"]
    search_fields = ["user__username", "individual__family_name"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
