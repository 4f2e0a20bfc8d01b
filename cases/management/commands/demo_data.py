"""Load demo households: `manage.py demo_data --cases 5000 [--seed 2026]`."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cases.demo import DEFAULT_CHUNK, DEFAULT_SEED, MAX_CASES, DemoDataSummary, demo_data_load
from cases.models import Location
from cases.reference_data import load_reference_data
from core.errors import ApplicationError


class Command(BaseCommand):
    help = (
        "Load realistic demo households (cases, members, interviews, travel documents and "
        "timelines in every status). Idempotent: a rerun with the same --cases and --seed adds "
        "nothing; a larger --cases adds only the new households."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, required=True, help="households wanted")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK)
        parser.add_argument(
            "--force", action="store_true", help="run even though DEBUG is off (not production!)"
        )

    def handle(self, *args, cases, seed, chunk_size, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: invented households do not belong in a real case database. "
                "Pass --force if this is a demo or test machine."
            )
        if not 0 <= cases <= MAX_CASES:
            raise CommandError(f"--cases must be between 0 and {MAX_CASES}.")
        if chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1.")
        if not Location.objects.exists():
            load_reference_data()
        verbose = options["verbosity"] >= 2 or cases >= 50_000

        def progress(summary: DemoDataSummary, done: int) -> None:
            if verbose:
                self.stdout.write(
                    f"  {done:,}/{cases:,} households, {summary.rows:,} rows, "
                    f"{summary.seconds:.1f} s"
                )

        try:
            summary = demo_data_load(
                cases=cases, seed=seed, chunk_size=chunk_size, progress=progress
            )
        except ApplicationError as error:
            raise CommandError(str(error.message)) from error
        self.stdout.write(format_summary(summary))


def format_summary(summary: DemoDataSummary) -> str:
    return (
        f"Demo data: {summary.cases:,} cases, {summary.people:,} people, "
        f"{summary.events:,} events, {summary.interviews:,} interviews, "
        f"{summary.documents:,} travel documents written; "
        f"{summary.skipped:,} households already there. "
        f"{summary.rows:,} rows in {summary.seconds:.1f} s ({summary.rows_per_second:,.0f} rows/s)."
    )
