"""Complete the demo households with movement records: `manage.py demo_movement_records`."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from movements.demo import demo_movement_records_load


class Command(BaseCommand):
    help = (
        "Give the demo cases (manage.py demo_data) that are booked, departed, arrived or closed "
        "their bookings, flights, transit stays, escorts, departures and arrivals, following "
        "each case's timeline. Idempotent: cases that have a booking are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="run even though DEBUG is off (not production!)"
        )

    def handle(self, *args, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: invented flights do not belong in a real case database. "
                "Pass --force if this is a demo or test machine."
            )
        summary = demo_movement_records_load()
        self.stdout.write(
            f"Demo movement records: {summary.bookings:,} bookings, "
            f"{summary.departures:,} departures, {summary.arrivals:,} arrivals, "
            f"{summary.transit_stays:,} transit stays, {summary.escorts:,} escorts"
        )
