"""`manage.py load_reference_data`: the mission's countries, programmes, camps, movement types,
submission categories and role groups. Safe to run again: rows are matched and updated."""

from django.core.management.base import BaseCommand

from cases.reference_data import load_reference_data


class Command(BaseCommand):
    help = (
        "Load the reference data a Rwanda mission starts with (countries, programmes, camps, "
        "movement types, submission categories, role groups). Running it again adds nothing twice."
    )

    def handle(self, *args, **options):
        counts = load_reference_data()
        summary = ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Reference data in place: {summary}."))
