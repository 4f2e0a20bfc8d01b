"""Administrators keep the missions' addresses for booking notices; bookings, groups and
notices are written on the movements pages (through the services)."""

from django.contrib import admin

from .models import MissionContact


@admin.register(MissionContact)
class MissionContactAdmin(admin.ModelAdmin):
    list_display = ["country", "mission", "email", "language"]
    list_select_related = ["country"]
    search_fields = ["country__name", "mission", "email"]
    autocomplete_fields = []
