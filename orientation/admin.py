"""Administrators edit curricula; sessions are planned and recorded on the orientation pages
(through the services), so the admin shows them read-only."""

from django.contrib import admin

from cases.admin import TranslatedNameAdmin

from .models import Curriculum, Enrollment, OrientationSession, SessionDay


@admin.register(Curriculum)
class CurriculumAdmin(TranslatedNameAdmin):
    list_display = ["name", "destination_country", "minimum_age", "number_of_days", "is_active"]
    list_filter = ["is_active", "destination_country"]
    list_select_related = ["destination_country"]
    search_fields = ["name", "destination_country__name"]


class SessionDayInline(admin.TabularInline):
    model = SessionDay
    extra = 0
    can_delete = False
    readonly_fields = ["number", "date"]

    def has_add_permission(self, request, obj=None):
        return False


class EnrollmentInline(admin.TabularInline):
    model = Enrollment
    extra = 0
    can_delete = False
    fields = ["individual", "enrolled_by", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(OrientationSession)
class OrientationSessionAdmin(admin.ModelAdmin):
    list_display = ["start_date", "curriculum", "venue", "group", "language", "capacity", "status"]
    list_filter = ["status", "curriculum__destination_country"]
    list_select_related = ["curriculum"]
    date_hierarchy = "start_date"
    inlines = [SessionDayInline, EnrollmentInline]
    readonly_fields = [
        "curriculum",
        "start_date",
        "venue",
        "group",
        "language",
        "facilitator",
        "capacity",
        "status",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
