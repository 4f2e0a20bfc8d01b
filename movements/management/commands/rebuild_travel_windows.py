"""Recompute every case's travel window: `manage.py rebuild_travel_windows`."""

from django.core.management.base import BaseCommand

from movements.bookings.services import travel_windows_rebuild


class Command(BaseCommand):
    help = (
        "Recompute the travel window of every case from its members' clearances and travel "
        "documents. Database triggers keep them current; run this after loading data with "
        "triggers off."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"Travel windows: {travel_windows_rebuild():,} cases")
