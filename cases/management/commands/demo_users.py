"""One demo account per role: `manage.py demo_users [--password ...] [--force]`."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cases.demo import DEMO_PASSWORD, demo_users_ensure
from core.errors import ApplicationError


class Command(BaseCommand):
    help = (
        "Create (or reset) one demo account per role, all with one documented password "
        f"({DEMO_PASSWORD!r} unless --password or DEMO_PASSWORD says otherwise). "
        "Refuses to run unless DEBUG is on, or --force is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("--password", help="password for every demo account")
        parser.add_argument(
            "--force", action="store_true", help="run even though DEBUG is off (not production!)"
        )

    def handle(self, *args, password, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: demo accounts with a known password do not belong on a real "
                "server. Pass --force if this is a demo machine."
            )
        password = password or os.environ.get("DEMO_PASSWORD") or DEMO_PASSWORD
        try:
            accounts = demo_users_ensure(password=password)
        except ApplicationError as error:
            raise CommandError(str(error.message)) from error
        rows = [("role", "username", "password", "")] + [
            (a.role, a.username, a.password, "created" if a.created else "password reset")
            for a in accounts
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        for row in rows:
            self.stdout.write(
                "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
                + f"  {row[3]}".rstrip()
            )
        # The address people open (make run sets it from the address it serves on).
        base = settings.PUBLIC_BASE_URL.rstrip("/")
        self.stdout.write(f"Log in at {base}/accounts/login/ (admin site: {base}/admin/)")
