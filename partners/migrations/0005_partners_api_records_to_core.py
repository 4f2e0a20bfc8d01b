"""The idempotency keys and the partner access log move to core (API infrastructure, core.api):
only Django's idea of which app owns them changes; the tables stay as they are."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0004_partners_idempotency_headers"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="IdempotencyKey"),
                migrations.DeleteModel(name="AccessLogEntry"),
            ],
            database_operations=[],
        ),
    ]
