"""Seed the medical protocol of every known programme that exists already (none on an empty
database: then `manage.py load_medical_protocols`, or the reference-data loading, does it)."""

from django.db import migrations


def seed(apps, schema_editor):
    from medical.reference_data import load_medical_protocols

    load_medical_protocols(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("medical", "0001_initial"),
        ("cases", "0002_initial"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
