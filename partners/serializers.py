"""Input and output shapes of the partners API."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.serializers import StrictSerializer

from .models import IntakeBatch, IntakeRowError, WebhookEndpoint, WebhookEvent, WebhookMessage


class IntakeFileIn(serializers.Serializer):
    file = serializers.FileField(
        help_text=_("A referral file: CSV (one line per person) or JSON (an array of referrals).")
    )


class IntakeBatchOut(serializers.ModelSerializer):
    percent = serializers.IntegerField(help_text=_("How far the intake has gone, 0 to 100."))
    finished = serializers.BooleanField()
    errors_url = serializers.SerializerMethodField()

    class Meta:
        model = IntakeBatch
        fields = [
            "id",
            "file_name",
            "format",
            "status",
            "total_rows",
            "processed_rows",
            "created_rows",
            "present_rows",
            "error_rows",
            "percent",
            "finished",
            "failure",
            "created_at",
            "started_at",
            "finished_at",
            "errors_url",
        ]

    def get_errors_url(self, batch) -> str:
        return f"/api/v1/referral-files/{batch.pk}/errors/"


class IntakeRowErrorOut(serializers.ModelSerializer):
    class Meta:
        model = IntakeRowError
        fields = [
            "line",
            "unhcr_case_number",
            "field",
            "code",
            "message",
            "possible_duplicates",
            "saved_case",
        ]
        extra_kwargs = {
            "possible_duplicates": {
                "help_text": _(
                    "Ids of the people already recorded a member may be (code "
                    "possible_duplicate): send the referral again with them in "
                    "acknowledged_duplicates if it is someone else."
                )
            },
            "saved_case": {"help_text": _("The case saved anyway from the browser, if any.")},
        }


class WebhookMessageOut(serializers.ModelSerializer):
    endpoint = serializers.CharField(source="endpoint.url")

    class Meta:
        model = WebhookMessage
        fields = [
            "id",
            "msg_id",
            "event_type",
            "status",
            "attempts",
            "next_attempt_at",
            "delivered_at",
            "created_at",
            "endpoint",
            "payload",
        ]


class WebhookEndpointOut(serializers.ModelSerializer):
    """An endpoint as its partner sees it: never its secret (shown once, when made)."""

    paused = serializers.SerializerMethodField()
    previous_secret_signs_until = serializers.DateTimeField(
        source="previous_secret_until",
        allow_null=True,
        help_text=_("After a rotation: the old secret signs beside the new one until then."),
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "events",
            "paused",
            "paused_at",
            "failures_in_a_row",
            "created_at",
            "previous_secret_signs_until",
        ]

    def get_paused(self, endpoint) -> bool:
        return endpoint.paused_at is not None


class WebhookEndpointWithSecretOut(WebhookEndpointOut):
    secret = serializers.CharField(
        help_text=_("The signing secret (whsec_...): shown this once, keep it safe.")
    )

    class Meta(WebhookEndpointOut.Meta):
        fields = [*WebhookEndpointOut.Meta.fields, "secret"]


class WebhookEndpointIn(StrictSerializer):
    url = serializers.URLField(
        max_length=500, help_text=_("https:// and a public address; no user name or password.")
    )
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices),
        required=False,
        max_length=len(WebhookEvent.choices),
        help_text=_("Event types to send (empty or left out: every event type)."),
    )


class WebhookEndpointChangeIn(StrictSerializer):
    url = serializers.URLField(max_length=500, required=False)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices),
        required=False,
        max_length=len(WebhookEvent.choices),
    )
    paused = serializers.BooleanField(
        required=False,
        help_text=_("true: events wait in the outbox; false: resume and send what waited."),
    )


class WebhookSecretOut(serializers.Serializer):
    secret = serializers.CharField(help_text=_("The new signing secret: shown this once."))
    previous_secret_signs_until = serializers.DateTimeField(
        help_text=_("The previous secret signs beside the new one until then.")
    )
