# The window function written from the Python constants (movements.windows), so that the kept
# windows and the workflow's guards share one definition. The function's body is the same as
# 0003's but for its constants' source; nothing to refill.

from django.db import migrations

from movements.windows import refresh_function_sql


class Migration(migrations.Migration):
    dependencies = [
        ("movements", "0004_mission_contacts"),
    ]

    operations = [migrations.RunSQL(refresh_function_sql(), migrations.RunSQL.noop)]
