"""Recount the per-status tally of cases from the cases themselves.

    manage.py rebuild_case_tally

The database keeps the tally (cases.models.CaseTally) in step through triggers; this is for a
database whose cases were loaded with triggers off, or when a count is in doubt. Safe to run at
any time: it locks cases against writes for the seconds it takes.
"""

from django.core.management.base import BaseCommand

from cases.services import case_tally_rebuild


class Command(BaseCommand):
    help = "Recount the per-status tally of cases (CaseTally) from the cases."

    def handle(self, *args, **options):
        rows = case_tally_rebuild()
        self.stdout.write(f"Case tally rebuilt: {rows:,} row{'' if rows == 1 else 's'}.")
