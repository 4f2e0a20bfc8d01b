"""`manage.py load_orientation_curricula`: one default curriculum per destination country."""

from django.core.management.base import BaseCommand

from orientation.reference_data import load_orientation_reference_data


class Command(BaseCommand):
    help = (
        "Create the default pre-departure orientation curriculum of every destination country "
        "that has none. Curricula administrators edited are left as they are."
    )

    def handle(self, *args, **options):
        counts = load_orientation_reference_data()
        self.stdout.write(
            self.style.SUCCESS(
                f"Orientation curricula: {counts['curricula']} ({counts['added']} added)."
            )
        )
