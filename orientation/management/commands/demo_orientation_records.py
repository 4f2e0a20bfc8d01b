"""Complete the demo households with orientation: `manage.py demo_orientation_records`."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError
from orientation.demo import demo_orientation_records_load


class Command(BaseCommand):
    help = (
        "Give the demo cases at orientation or later (manage.py demo_data) their orientation "
        "sessions, enrollments and attendance. Idempotent: enrolled cases are skipped. "
        "Needs a facilitator account (manage.py demo_users)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="run even though DEBUG is off (not production!)"
        )

    def handle(self, *args, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: invented orientation records do not belong in a real case "
                "database. Pass --force if this is a demo or test machine."
            )
        try:
            summary = demo_orientation_records_load()
        except ApplicationError as error:
            raise CommandError(str(error.message)) from error
        self.stdout.write(
            f"Demo orientation records: {summary.cases:,} cases "
            f"({summary.in_progress:,} still in orientation); {summary.sessions:,} sessions, "
            f"{summary.days:,} session days, {summary.enrollments:,} enrollments, "
            f"{summary.attendance:,} attendance marks written."
        )
        skipped = summary.nobody_old_enough + summary.no_curriculum
        if skipped:
            self.stdout.write(
                f"{skipped:,} cases left without orientation: {summary.nobody_old_enough:,} with "
                f"nobody old enough, {summary.no_curriculum:,} whose destination has no "
                "curriculum in use."
            )
