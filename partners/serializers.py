"""Input and output shapes of the partners API."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .models import IntakeBatch, IntakeRowError, WebhookMessage


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
