"""Complete the demo households with clinic records: `manage.py demo_clinic_records`."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from medical.demo import demo_clinic_records_load


class Command(BaseCommand):
    help = (
        "Give the demo cases (manage.py demo_data) their health assessments and pre-embarkation "
        "checks, following each case's timeline. Idempotent: people who have records are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="run even though DEBUG is off (not production!)"
        )

    def handle(self, *args, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: invented medical records do not belong in a real case database. "
                "Pass --force if this is a demo or test machine."
            )
        summary = demo_clinic_records_load()
        self.stdout.write(
            f"Demo clinic records: {summary.cases:,} cases; health assessments: "
            f"{summary.cleared:,} cleared, {summary.deferred:,} deferred, "
            f"{summary.open:,} open with an appointment; "
            f"{summary.checks:,} pre-embarkation checks written; "
            f"{summary.skipped_people:,} people already assessed."
        )
        if summary.no_protocol:
            self.stdout.write(
                f"{summary.no_protocol:,} cases skipped: their programme has no medical protocol "
                "(run manage.py load_medical_protocols)."
            )
