"""The administrator's desk for partner systems: organisations (with their accounts, OAuth2
clients and scopes), webhook endpoints, the outbox with its delivery log and replay, referral
files, and the partner access log (read-only)."""

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cases.admin import ReadOnlyAdmin
from cases.models import PartnerOrganisation, PartnerProfile
from core.models import AccessLogEntry

from .delivery import endpoint_resume, message_replay
from .models import (
    IntakeBatch,
    IntakeRowError,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookMessage,
)


class AccountInline(admin.TabularInline):
    model = PartnerProfile
    fk_name = "partner_organisation"
    fields = ["user", "organisation", "scopes", "clients"]
    readonly_fields = ["user", "organisation", "scopes", "clients"]
    extra = 0
    can_delete = False
    verbose_name = _("account (OAuth2 clients and scopes)")
    verbose_name_plural = _("accounts (OAuth2 clients and scopes)")

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("scopes"))
    def scopes(self, profile):
        from core.api.oauth import granted_scopes

        return " ".join(granted_scopes(profile.user)) or "-"

    @admin.display(description=_("OAuth2 clients"))
    def clients(self, profile):
        from oauth2_provider.models import get_application_model

        names = get_application_model().objects.filter(user=profile.user)
        return ", ".join(f"{a.name} ({a.client_id})" for a in names) or "-"


# A URL typed without its scheme is taken as https (never silently as http).
URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


class WebhookEndpointForm(forms.ModelForm):
    """The events an endpoint wants, ticked from the list of event types (not typed as JSON)."""

    # A URL typed without its scheme is taken as https (as URL_FIELDS says for the others).
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("events"),
        choices=WebhookEvent.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Event types to send (none ticked: every event type)."),
    )

    class Meta:
        model = WebhookEndpoint
        # Never the secret: it is shown once, when made (below, and by the partners API).
        fields = ["organisation", "url", "events", "is_active"]


class WebhookEndpointInline(admin.TabularInline):
    model = WebhookEndpoint
    form = WebhookEndpointForm
    formfield_overrides = URL_FIELDS
    fields = ["url", "events", "is_active", "paused_at", "failures_in_a_row"]
    readonly_fields = ["paused_at", "failures_in_a_row"]
    extra = 0


@admin.register(PartnerOrganisation)
class PartnerOrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "country_list", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]
    filter_horizontal = ["countries"]
    inlines = [AccountInline, WebhookEndpointInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("countries")

    @admin.display(description=_("destination countries"))
    def country_list(self, organisation):
        return ", ".join(c.iso_code for c in organisation.countries.all()) or "-"


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    formfield_overrides = URL_FIELDS
    list_display = ["organisation", "url", "is_active", "paused_at", "failures_in_a_row"]
    list_filter = ["is_active", "organisation"]
    list_select_related = ["organisation"]
    readonly_fields = ["paused_at", "failures_in_a_row", "created_at", "previous_secret_until"]
    actions = ["resume"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            # The one time the secret is shown: give it to the partner now.
            self.message_user(
                request,
                _("Signing secret of the new endpoint (shown this once): %(secret)s")
                % {"secret": obj.secret},
                messages.WARNING,
            )

    @admin.action(description=_("Resume deliveries (send what waited)"))
    def resume(self, request, queryset):
        count = endpoint_resume(endpoint_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext("%(n)d endpoint resumed.", "%(n)d endpoints resumed.", count) % {"n": count},
            messages.SUCCESS,
        )


class DeliveryInline(admin.TabularInline):
    model = WebhookDelivery
    fields = ["attempt", "at", "status_code", "error", "duration_ms"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookMessage)
class WebhookMessageAdmin(ReadOnlyAdmin):
    list_display = ["msg_id", "event_type", "endpoint", "status", "attempts", "created_at"]
    list_filter = ["status", "event_type", "endpoint__organisation"]
    list_select_related = ["endpoint__organisation"]
    search_fields = ["msg_id"]
    inlines = [DeliveryInline]
    actions = ["replay"]

    @admin.action(description=_("Replay: send these messages again"))
    def replay(self, request, queryset):
        count = message_replay(message_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext("%(n)d message queued again.", "%(n)d messages queued again.", count)
            % {"n": count},
            messages.SUCCESS,
        )

    def has_change_permission(self, request, obj=None):
        # The replay action needs the change permission; the fields stay read-only.
        return request.user.has_perm("partners.change_webhookmessage")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["message", "attempt", "at", "status_code", "error", "duration_ms"]
    list_filter = ["status_code"]
    list_select_related = ["message"]


class RowErrorInline(admin.TabularInline):
    model = IntakeRowError
    fields = ["line", "unhcr_case_number", "field", "message"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(IntakeBatch)
class IntakeBatchAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "file_name",
        "created_by",
        "status",
        "total_rows",
        "created_rows",
        "present_rows",
        "error_rows",
        "created_at",
    ]
    list_filter = ["status"]
    list_select_related = ["created_by"]
    exclude = ["content"]
    inlines = [RowErrorInline]


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "organisation", "user", "client_id", "method", "path", "status_code"]
    list_filter = ["organisation", "method", "status_code"]
    list_select_related = ["organisation", "user"]
    search_fields = ["client_id", "path"]
    date_hierarchy = "at"
