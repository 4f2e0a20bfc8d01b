"""How fast the readiness board is, against raw SQL computing the same travel windows.

    manage.py bench_readiness [--cases 250000] [--db NAME]

Seeds (or reuses) a scratch database with N demo households (`cases.demo`, as bench_case_list
does, triggers off), then gives every traveller of the cases at "ready to travel" and "booked"
a health clearance for the case's programme (idempotent; valid until a date spread over the
next 200 days, so some windows close soon) and an open booking to the booked ones. Then prints,
for all camps and for the busiest camp (the most cases ready or booked), medians of --repeat
runs after a warm-up:

- the whole board page (view "movements:board": middleware, session, filter form, the two
  window sections and the booked section, template) through Django's test client, its time and
  number of queries;
- its fair floor: the same three sections read by raw SQL from the windows the database keeps
  (`CaseTravelWindow`, what the board reads), and the ratio;
- for reference only: raw SQL recomputing the windows from the clearances and travel documents
  (what the kept windows spare), and whether the board shows the same cases as that SQL;
- whether its number of queries is the same for a section of 0 rows and of 50.

Targets: the board within 3x of its fair floor and under 100 ms, at 50,000 and 250,000 cases
(run it once per size with its own --db); the same number of queries whatever the rows shown.
"""

from __future__ import annotations

import datetime
import statistics
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Count
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from benchmarks.management.commands.bench_case_list import Command as CaseListBench
from benchmarks.management.commands.bench_case_list import _triggers_off, count_queries
from cases.choices import TRAVEL_DOCUMENT_TYPES, CaseStatus
from cases.models import Case, Location
from core.roles import Role
from medical.choices import CLEARING_OUTCOMES
from medical.reference_data import load_medical_protocols
from movements.bookings.selectors import BoardFilters, board_windows
from movements.bookings.services import travel_windows_rebuild
from movements.models import CaseTravelWindow

TARGET_MS = 100.0
# The board against its fair floor: the same sections read from the windows the database keeps.
TARGET_RATIO = 3.0
ROWS = 50

# The floor: each section as one GROUP BY over the candidate cases' people, their clearance
# and their travel documents, without the page, the ORM, Python objects or CTEs.
RAW_WINDOWS_SQL = """
SELECT c.id,
       greatest(max(greatest(ha.outcome_on, d.issued_from)), %(today)s::date) AS opens,
       min(least(ha.valid_until, d.valid_until)) AS closes
  FROM cases_case c
  JOIN cases_individual i ON i.case_id = c.id
  LEFT JOIN medical_healthassessment ha
         ON ha.individual_id = i.id AND ha.programme_id = c.programme_id
        AND ha.outcome = ANY(%(clearing)s)
  LEFT JOIN (SELECT individual_id, min(coalesce(issued_on, '-infinity'::date)) AS issued_from,
                    max(coalesce(expires_on, 'infinity'::date)) AS valid_until
               FROM cases_traveldocument WHERE document_type = ANY(%(types)s)
              GROUP BY individual_id) d ON d.individual_id = i.id
 WHERE c.status = ANY(%(statuses)s) {camp}
 GROUP BY c.id
HAVING bool_and(ha.valid_until IS NOT NULL AND d.valid_until IS NOT NULL) {having}
 ORDER BY closes, c.id
 LIMIT %(limit)s
"""

# The page's own floor: the same two sections read from the windows the database keeps.
RAW_KEPT_SQL = """
SELECT w.case_id, w.closes, w.case_number, d.name, l.name,
       (SELECT p.given_name || ' ' || p.family_name FROM cases_individual p
         WHERE p.case_id = w.case_id AND p.relationship = 'PA')
  FROM (SELECT w.case_id, w.closes, c.case_number, c.destination_country_id,
               c.location_id
          FROM movements_casetravelwindow w JOIN cases_case c ON c.id = w.case_id
         WHERE w.uncleared = 0 AND w.undocumented = 0 AND w.case_status = ANY(%(statuses)s)
               {camp} AND {condition}
         ORDER BY w.closes, w.case_id
         LIMIT %(limit)s) w
  JOIN cases_country d ON d.id = w.destination_country_id
  JOIN cases_location l ON l.id = w.location_id
"""

RAW_BOOKED_SQL = """
SELECT b.id, b.departure_date, c.case_number
  FROM movements_booking b JOIN cases_case c ON c.id = b.case_id
 WHERE b.status <> 'cancelled' AND b.status <> 'flown' AND c.status = 'booked' {camp}
 ORDER BY b.departure_date, b.id
 LIMIT %(limit)s
"""


def _ms(fn) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn()
    return (time.perf_counter() - started) * 1000, result


def _median_ms(fn, repeat: int) -> tuple[float, object]:
    """The median time of `repeat` runs of `fn`, and the last run's result."""
    times, result = [], None
    for _run in range(repeat):
        ms, result = _ms(fn)
        times.append(ms)
    return statistics.median(times), result


def _verdict(ok: bool) -> str:
    return "OK  " if ok else "MISS"


class Command(CaseListBench):
    help = "Benchmark the readiness board page against raw SQL computing the same windows."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=250_000)
        parser.add_argument("--db", help="scratch database (default <database>_readiness_bench)")
        parser.add_argument("--repeat", type=int, default=7, help="measured runs (medians)")

    def handle(self, *args, cases, db, repeat, **options):
        self.repeat = repeat
        if cases < 1:
            raise CommandError("--cases must be at least 1.")
        connection = connections[DEFAULT_DB_ALIAS]
        current = connection.settings_dict["NAME"]
        name = db or f"{current}_readiness_bench"
        if name != current:
            self._use_scratch_database(name)
        self._seed(cases)
        self._seed_movements()
        with override_settings(DEBUG=False, ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
            self._measure_board()

    # -- data ----------------------------------------------------------------------------------

    def _seed_movements(self) -> None:
        """Clearances for the travellers of ready and booked cases, bookings for booked ones."""
        load_medical_protocols()
        today = timezone.localdate()
        connection = connections[DEFAULT_DB_ALIAS]
        with _triggers_off(), connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO medical_healthassessment
                    (individual_id, programme_id, "group", outcome, outcome_on, valid_until,
                     conditions, medical_history, physical_examination,
                     mental_health_evaluation, chest_xray_findings, tb_classification,
                     specialist_referrals, outcome_notes, created_at, updated_at)
                SELECT i.id, c.programme_id, 'refugee', 'cleared', %(today)s::date - 30,
                       %(today)s::date + (c.id %% 200)::int, '{}', '', '', '', '', '', '', '',
                       now(), now()
                  FROM cases_case c JOIN cases_individual i ON i.case_id = c.id
                 WHERE c.status IN ('ready_to_travel', 'booked')
                ON CONFLICT DO NOTHING
                """,
                {"today": today},
            )
            cleared = cursor.rowcount
            cursor.execute(
                """
                INSERT INTO movements_booking
                    (case_id, status, departure_date, booking_reference,
                     recorded_after_the_fact, no_show, cancelled_reason, created_at, updated_at)
                SELECT c.id, 'booked', %(today)s::date + (c.id %% 60)::int,
                       'BM' || c.id, false, false, '', now(), now()
                  FROM cases_case c
                 WHERE c.status = 'booked'
                   AND NOT EXISTS (SELECT 1 FROM movements_booking b WHERE b.case_id = c.id)
                """,
                {"today": today},
            )
            booked = cursor.rowcount
            cursor.execute(
                "INSERT INTO movements_traveller (booking_id, individual_id, ticket_number) "
                "SELECT b.id, i.id, '' FROM movements_booking b "
                "JOIN cases_individual i ON i.case_id = b.case_id "
                "WHERE NOT EXISTS (SELECT 1 FROM movements_traveller t WHERE t.booking_id = b.id)"
            )
        if cleared or booked or not CaseTravelWindow.objects.exists():
            self.stdout.write(f"Seeded {cleared:,} clearances and {booked:,} bookings")
            # Loaded with triggers off: the windows are recomputed once, as an operator would
            # with `manage.py rebuild_travel_windows`.
            started = time.perf_counter()
            windows = travel_windows_rebuild()
            seconds = time.perf_counter() - started
            self.stdout.write(f"Travel windows rebuilt: {windows:,} cases in {seconds:.0f} s")
            if not connection.in_atomic_block:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "VACUUM (ANALYZE) medical_healthassessment, movements_booking, "
                        "movements_traveller, cases_traveldocument"
                    )
        ready = Case.objects.filter(status=CaseStatus.READY_TO_TRAVEL).count()
        booked_cases = Case.objects.filter(status=CaseStatus.BOOKED).count()
        self.stdout.write(f"Cases ready to travel: {ready:,}; booked: {booked_cases:,}")

    # -- measurements --------------------------------------------------------------------------

    def _officer(self):
        user, _ = get_user_model().objects.get_or_create(username="bench-movement-officer")
        group, _ = Group.objects.get_or_create(name=Role.MOVEMENT_OFFICER)
        user.groups.add(group)
        return user

    def _raw(self, *, camp_id: int | None, closing_days: int) -> tuple[float, list, list, list]:
        today = timezone.localdate()
        params = {
            "today": today,
            "clearing": sorted(CLEARING_OUTCOMES),
            "types": sorted(TRAVEL_DOCUMENT_TYPES),
            "limit": ROWS,
            "camp": camp_id,
            "closing_by": today + datetime.timedelta(days=closing_days),
        }
        camp = "AND c.location_id = %(camp)s" if camp_id else ""
        connection = connections[DEFAULT_DB_ALIAS]

        def run():
            with connection.cursor() as cursor:
                cursor.execute(
                    RAW_WINDOWS_SQL.format(
                        camp=camp,
                        having="AND min(least(ha.valid_until, "
                        "d.valid_until)) >= greatest(max(greatest(ha.outcome_on, d.issued_from)), "
                        "%(today)s::date)",
                    ),
                    {**params, "statuses": [CaseStatus.READY_TO_TRAVEL]},
                )
                ready = cursor.fetchall()
                cursor.execute(
                    RAW_WINDOWS_SQL.format(
                        camp=camp,
                        having="AND min(least(ha.valid_until, d.valid_until)) <= "
                        "%(closing_by)s::date",
                    ),
                    {**params, "statuses": [CaseStatus.READY_TO_TRAVEL, CaseStatus.BOOKED]},
                )
                closing = cursor.fetchall()
                cursor.execute(RAW_BOOKED_SQL.format(camp=camp), params)
                booked = cursor.fetchall()
            return ready, closing, booked

        def run_kept():
            with connection.cursor() as cursor:
                cursor.execute(
                    RAW_KEPT_SQL.format(
                        camp=camp,
                        condition="w.closes >= greatest(w.valid_from, %(today)s::date)",
                    ),
                    {**params, "statuses": [CaseStatus.READY_TO_TRAVEL]},
                )
                cursor.fetchall()
                cursor.execute(
                    RAW_KEPT_SQL.format(camp=camp, condition="w.closes <= %(closing_by)s::date"),
                    {**params, "statuses": [CaseStatus.READY_TO_TRAVEL, CaseStatus.BOOKED]},
                )
                cursor.fetchall()
                cursor.execute(RAW_BOOKED_SQL.format(camp=camp), params)
                cursor.fetchall()

        run()  # warm-up
        run_kept()
        ms, (ready, closing, booked) = _median_ms(run, self.repeat)
        self.kept_ms, _ = _median_ms(run_kept, self.repeat)
        return ms, ready, closing, booked

    def _measure_board(self) -> None:
        client = Client()
        client.force_login(self._officer())
        url = reverse("movements:board")
        # The busiest camp: the most cases at "ready to travel" or "booked".
        busiest = (
            Case.objects.filter(status__in=[CaseStatus.READY_TO_TRAVEL, CaseStatus.BOOKED])
            .values("location_id")
            .annotate(n=Count("id"))
            .order_by("-n", "location_id")
            .values_list("location_id", flat=True)
            .first()
        )
        self.stdout.write("")
        self.stdout.write(
            f"Readiness board at {Case.objects.count():,} cases (medians of {self.repeat} runs "
            f"after a warm-up; 50 rows a section)"
        )
        for label, camp in (("all camps", None), ("one camp", busiest)):
            query = {"days": 14}
            if camp:
                query["location"] = camp
            client.get(url, query)  # warm-up: session, plans, template
            page_ms, response = _median_ms(lambda q=query: client.get(url, q), self.repeat)
            if response.status_code != 200:
                raise CommandError(f"board answered {response.status_code}")
            queries = count_queries(lambda q=query: client.get(url, q))
            raw_ms, ready, closing, booked = self._raw(camp_id=camp, closing_days=14)
            filters = BoardFilters(location_id=camp, closing_within_days=14)
            same = [w.case_id for w in board_windows(filters=filters, section="ready")] == [
                r[0] for r in ready
            ] and [w.case_id for w in board_windows(filters=filters, section="closing")] == [
                r[0] for r in closing
            ]
            ratio = page_ms / raw_ms if raw_ms else float("inf")
            kept_ratio = page_ms / self.kept_ms if self.kept_ms else float("inf")
            self.stdout.write(
                f"  {label:9}  board page {page_ms:7.1f} ms, {queries} queries   rows: ready "
                f"{len(ready)}, closing {len(closing)}, booked {len(booked)}"
            )
            self.stdout.write(
                f"  {'':9}  fair floor: raw SQL reading the kept windows (3 queries) "
                f"{self.kept_ms:6.1f} ms"
            )
            self.stdout.write(
                f"  {_verdict(kept_ratio <= TARGET_RATIO and page_ms <= TARGET_MS)} board/floor "
                f"= {kept_ratio:.2f}x (target <= {TARGET_RATIO:.0f}x, < {TARGET_MS:.0f} ms)   "
                f"{_verdict(same)} same cases as raw SQL computing the windows"
            )
            self.stdout.write(
                f"  {'':4} for reference, not the target: raw SQL recomputing the windows from "
                f"clearances and documents (3 queries) {raw_ms:6.1f} ms (board/recompute "
                f"{ratio:.2f}x)"
            )
        empty = (
            Location.objects.exclude(
                cases__status__in=[CaseStatus.READY_TO_TRAVEL, CaseStatus.BOOKED]
            )
            .values_list("pk", flat=True)
            .first()
        )
        none = count_queries(lambda: client.get(url, {"days": 0, "location": empty}))
        full = count_queries(lambda: client.get(url, {"days": 365, "location": busiest}))
        self.stdout.write(
            f"  {_verdict(none == full)} queries per board page: {none} with no rows shown, "
            f"{full} with every section full"
        )
