"""core takes over the idempotency keys and the partner access log from partners, tables and
all (state only: partners/0005 lets go of them)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("cases", "0011_partner_organisations"),
        ("partners", "0005_partners_api_records_to_core"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="IdempotencyKey",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("caller", models.CharField(max_length=100, verbose_name="caller")),
                        ("key", models.CharField(max_length=255, verbose_name="key")),
                        ("method", models.CharField(max_length=10, verbose_name="method")),
                        ("path", models.CharField(max_length=500, verbose_name="path")),
                        ("request_hash", models.CharField(max_length=64, verbose_name="request fingerprint")),
                        ("status_code", models.PositiveIntegerField(null=True, verbose_name="HTTP status")),
                        ("response_body", models.BinaryField(null=True, verbose_name="response")),
                        ("content_type", models.CharField(blank=True, max_length=100, verbose_name="content type")),
                        ("response_headers", models.JSONField(blank=True, default=dict, verbose_name="response headers")),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="created")),
                    ],
                    options={
                        "verbose_name": "idempotency key",
                        "verbose_name_plural": "idempotency keys",
                        "db_table": "partners_idempotencykey",
                        "indexes": [models.Index(fields=["created_at"], name="idempotency_age_idx")],
                        "constraints": [models.UniqueConstraint(fields=("caller", "key"), name="idempotency_key_once")],
                    },
                ),
                migrations.CreateModel(
                    name="AccessLogEntry",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="when")),
                        ("client_id", models.CharField(blank=True, max_length=100, verbose_name="client id")),
                        ("method", models.CharField(max_length=10, verbose_name="method")),
                        ("path", models.CharField(max_length=500, verbose_name="path")),
                        ("query", models.CharField(blank=True, max_length=500, verbose_name="query")),
                        ("status_code", models.PositiveIntegerField(verbose_name="HTTP status")),
                        ("duration_ms", models.PositiveIntegerField(default=0, verbose_name="duration (ms)")),
                        ("organisation", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="cases.partnerorganisation", verbose_name="partner organisation")),
                        ("user", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="account")),
                    ],
                    options={
                        "verbose_name": "partner access",
                        "verbose_name_plural": "partner access log",
                        "db_table": "partners_accesslogentry",
                        "ordering": ["-at", "-id"],
                        "indexes": [models.Index(fields=["client_id", "-at"], name="access_client_idx")],
                    },
                ),
            ],
        ),
    ]
