"""How long upgrading a large database takes, and how long the app's writes wait meanwhile.

    manage.py bench_upgrade [--cases 250000] [--db NAME] [--from movements:0001]

Seeds (or reuses) a scratch database as bench_readiness does (N demo households, clearances for
the ready and booked ones, bookings), migrates `movements` back to --from (so the travel-window
table, its function and triggers are gone), forgets the planner statistics of the tables the
upgrade reads (a freshly restored database has none; needs a superuser), then migrates to head
while a second connection keeps writing as the app does (a travel document touched every 50 ms,
which fires the window triggers once they exist) and times each write.

Prints the upgrade's time, the number of probe writes, their median and the longest wait: the
longest write-blocking lock the upgrade held. Target: no write waits more than a few seconds.
"""

from __future__ import annotations

import statistics
import threading
import time

import psycopg
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from benchmarks.management.commands.bench_readiness import Command as ReadinessBench

READ_TABLES = ("cases_case", "cases_individual", "cases_traveldocument", "medical_healthassessment")
TARGET_LONGEST_WAIT_S = 3.0
PROBE_PAUSE_S = 0.05


class WriteProbe(threading.Thread):
    """Touches one travel document after another on its own connection (autocommit), timing
    each write, until stopped."""

    def __init__(self, dsn: dict, document_ids: list[int]):
        super().__init__(daemon=True)
        self.dsn = dsn
        self.document_ids = document_ids
        self.waits: list[float] = []
        self.errors: list[str] = []
        self._halt = threading.Event()

    def run(self) -> None:
        with psycopg.connect(**self.dsn, autocommit=True) as conn:
            n = 0
            while not self._halt.is_set():
                doc = self.document_ids[n % len(self.document_ids)]
                n += 1
                started = time.perf_counter()
                try:
                    conn.execute(
                        "UPDATE cases_traveldocument SET number = number WHERE id = %s", [doc]
                    )
                except psycopg.Error as error:  # recorded, the probe goes on
                    self.errors.append(str(error).splitlines()[0])
                self.waits.append(time.perf_counter() - started)
                self._halt.wait(PROBE_PAUSE_S)

    def stop(self) -> None:
        self._halt.set()
        self.join()


class Command(ReadinessBench):
    help = "Benchmark the upgrade of a large database from movements 0001 to head."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=250_000)
        parser.add_argument("--db", help="scratch database (default <database>_upgrade_bench)")
        parser.add_argument("--from", dest="start", default="movements:0001")

    def handle(self, *args, cases, db, start, **options):
        if cases < 1:
            raise CommandError("--cases must be at least 1.")
        app, _, migration = start.partition(":")
        connection = connections[DEFAULT_DB_ALIAS]
        current = connection.settings_dict["NAME"]
        name = db or f"{current}_upgrade_bench"
        if name == current:
            raise CommandError("--db must name a scratch database: the upgrade rewinds it.")
        self._use_scratch_database(name)
        self._seed(cases)
        self._seed_movements()

        self.stdout.write(f"Rewinding {app} to {migration} ...")
        call_command("migrate", app, migration, verbosity=0, interactive=False)
        forgot = self._forget_statistics()
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM cases_traveldocument ORDER BY random() LIMIT 2000")
            documents = [row[0] for row in cursor.fetchall()]
        if not documents:
            raise CommandError("The scratch database holds no travel documents to write.")

        probe = WriteProbe(self._dsn(connection.settings_dict), documents)
        probe.start()
        time.sleep(1.0)  # a few writes before, as a baseline
        started = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        seconds = time.perf_counter() - started
        time.sleep(1.0)
        probe.stop()

        waits_ms = [w * 1000 for w in probe.waits]
        longest = max(waits_ms) / 1000
        self.stdout.write(
            f"Planner statistics forgotten before the upgrade: {'yes' if forgot else 'no'}"
        )
        self.stdout.write(f"Upgrade {app} {migration} -> head: {seconds:.1f} s")
        self.stdout.write(
            f"App writes meanwhile: {len(waits_ms)}, median {statistics.median(waits_ms):.1f} ms, "
            f"longest {longest * 1000:.0f} ms, errors {len(probe.errors)}"
        )
        for error in sorted(set(probe.errors)):
            self.stdout.write(f"  write refused: {error}")
        ok = longest <= TARGET_LONGEST_WAIT_S and not probe.errors
        self.stdout.write(
            f"Longest write-blocking wait within {TARGET_LONGEST_WAIT_S:.0f} s: "
            f"{'yes' if ok else 'NO'}"
        )

    def _forget_statistics(self) -> bool:
        """Drop the planner statistics of the tables the upgrade reads, as after a restore."""
        connection = connections[DEFAULT_DB_ALIAS]
        with connection.cursor() as cursor:
            cursor.execute("SHOW is_superuser")
            if cursor.fetchone()[0] != "on":
                return False
            cursor.execute(
                "DELETE FROM pg_statistic WHERE starelid = ANY(%s::regclass[])",
                [list(READ_TABLES)],
            )
        return True

    @staticmethod
    def _dsn(settings_dict: dict) -> dict:
        dsn = {"dbname": settings_dict["NAME"], "user": settings_dict.get("USER") or None}
        for key, name in (("HOST", "host"), ("PORT", "port"), ("PASSWORD", "password")):
            if settings_dict.get(key):
                dsn[name] = settings_dict[key]
        return {k: v for k, v in dsn.items() if v is not None}
