"""Travel groups and booking notices for the demo bookings: `manage.py demo_travel_groups`."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from movements.groups.demo import demo_travel_groups_load


class Command(BaseCommand):
    help = (
        "Group the demo bookings by flight into travel groups with an escort, and give each "
        "grouped booking its advance booking notice (acknowledged when flown, one failed). "
        "Idempotent. Run after the demo bookings are loaded."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="run even though DEBUG is off (not production!)"
        )

    def handle(self, *args, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: invented travel groups and notices do not belong in a real "
                "database. Pass --force if this is a demo or test machine."
            )
        summary = demo_travel_groups_load()
        self.stdout.write(
            f"Demo travel groups: {summary.missions} mission contacts, {summary.groups} groups "
            f"({summary.grouped_bookings} bookings), {summary.notices} notices written."
        )
