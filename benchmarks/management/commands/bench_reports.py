"""How fast the yearly report is against raw SQL computing the same figures, and how flat the
memory of a streamed export stays.

    manage.py bench_reports [--size 1000000] [--db NAME] [--year YYYY]

Seeds (or reuses) a scratch database with --size individuals (4 per case, so size/4 cases)
from 2008 to today, all in SQL (INSERT ... SELECT generate_series, triggers off: the audit
trail is not what is measured): every case booked, flown and departed (departure rows written
directly as the movements contract allows), every person with a health assessment and a
pre-embarkation check, half of them vaccinated, two interviews per case, two adults per case in
three-day orientation sessions. Then, in one run, prints:

- for each table of the yearly report (last year unless --year): the report's time (its one
  GROUP BY ... GROUPING SETS statement through reports.figures) next to a raw SQL GROUP BY of
  the same figures, and checks that both give the same detail figures;
- the whole yearly report (every table and the names) against the sum of the raw queries;
- the streamed CSV of the records behind a figure (every departure since 2008): peak Python
  memory (tracemalloc) for its first 100,000 rows and for 1,000,000 rows (or all there are).

Targets: the whole yearly report within 2x of the sum of the raw queries and under 5 s; the
export's peak at 1,000,000 rows within 1.5x of its peak at 100,000.

--db names the scratch database (default: <database>_reports_bench); it is created and migrated
when missing and never dropped; naming the database in use (the test suite does) seeds there.
"""

from __future__ import annotations

import datetime
import time
import tracemalloc

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from cases.models import Case
from cases.reference_data import load_reference_data
from orientation.reference_data import load_orientation_reference_data
from reports.choices import FIRST_YEAR, ReportKind
from reports.exports import stream_csv
from reports.figures import compute_figures
from reports.selectors import DrillDown
from reports.tables import TABLES_BY_KEY, Period, _age_band_sql

TOTAL_RATIO = 2.0
TOTAL_SECONDS = 5.0
MEMORY_RATIO = 1.5
MARK = "BENCH-"

_DEPARTED = """
  FROM movements_departure d JOIN movements_traveller t ON t.booking_id = d.booking_id
  JOIN cases_individual i ON i.id = t.individual_id
 WHERE d.departed_on BETWEEN %(first)s AND %(last)s
"""
# The same figures as each table, as a person would write them by hand (detail rows only).
RAW = {
    "departures_by_destination": "SELECT d.destination_country_id, count(*)"
    + _DEPARTED
    + " GROUP BY 1",
    "departures_by_camp": "SELECT d.location_id, d.destination_country_id, count(*)"
    + _DEPARTED
    + " GROUP BY 1, 2",
    "departures_by_sex": "SELECT i.sex, count(*)" + _DEPARTED + " GROUP BY 1",
    "departures_by_age_band": f"SELECT {_age_band_sql('d.departed_on', 'i.date_of_birth')}, "
    "count(*)" + _DEPARTED + " GROUP BY 1",
    "departures_by_movement_type": "SELECT d.movement_type_id, count(*)"
    + _DEPARTED
    + " GROUP BY 1",
    "departures_by_month": "SELECT extract(month FROM d.departed_on)::int, count(*)"  # noqa: S608
    + _DEPARTED
    + " GROUP BY 1",
    "assessments": """
        SELECT p.country_id, a."group", count(*) FROM medical_healthassessment a
          JOIN cases_programme p ON p.id = a.programme_id
         WHERE a.assessed_on BETWEEN %(first)s AND %(last)s GROUP BY 1, 2""",
    "interviews": """
        SELECT v.kind, count(DISTINCT v.id), count(DISTINCT v.case_id), count(DISTINCT m.id)
          FROM cases_interview v JOIN cases_individual m ON m.case_id = v.case_id
         WHERE v.outcome = 'completed' AND v.scheduled_for >= %(starts)s
           AND v.scheduled_for < %(ends)s GROUP BY 1""",
    "orientation": """
        SELECT c.destination_country_id, count(DISTINCT e.individual_id), count(DISTINCT s.id)
          FROM orientation_attendance a JOIN orientation_enrollment e ON e.id = a.enrollment_id
          JOIN orientation_orientationsession s ON s.id = e.session_id
          JOIN orientation_curriculum c ON c.id = s.curriculum_id
         WHERE a.present AND s.start_date BETWEEN %(first)s AND %(last)s GROUP BY 1""",
    "vaccinations": """
        SELECT c.destination_country_id, count(*), count(DISTINCT v.individual_id)
          FROM medical_vaccination v JOIN cases_individual i ON i.id = v.individual_id
          JOIN cases_case c ON c.id = i.case_id
         WHERE v.given_on BETWEEN %(first)s AND %(last)s GROUP BY 1""",
    "pre_embarkation_checks": """
        SELECT result, count(*), count(DISTINCT individual_id) FROM medical_preembarkationcheck
         WHERE checked_on BETWEEN %(first)s AND %(last)s GROUP BY 1""",
}


def _verdict(ok: bool) -> str:
    return "OK  " if ok else "MISS"


class Command(BaseCommand):
    help = "Benchmark the yearly report against raw SQL, and the streamed export's memory."

    def add_arguments(self, parser):
        parser.add_argument("--size", type=int, default=1_000_000, help="individuals to seed")
        parser.add_argument("--db", help="scratch database (default <database>_reports_bench)")
        parser.add_argument("--year", type=int, help="the report's year (default: last year)")

    def handle(self, *args, size, db, year, **options):
        if size < 4:
            raise CommandError("--size must be at least 4.")
        connection = connections[DEFAULT_DB_ALIAS]
        current = connection.settings_dict["NAME"]
        name = db or f"{current}_reports_bench"
        if name != current:
            self._use_scratch_database(name)
        year = year or timezone.localdate().year - 1
        if not FIRST_YEAR <= year <= timezone.localdate().year:
            raise CommandError(f"--year must be between {FIRST_YEAR} and this year.")
        self._seed(size // 4)
        report_total, raw_total = self._tables(year)
        export = self._export()
        self.stdout.write("")
        ratio = report_total / raw_total if raw_total else float("inf")
        self.stdout.write(
            f"{_verdict(ratio <= TOTAL_RATIO and report_total <= TOTAL_SECONDS)} whole yearly "
            f"report {report_total * 1000:.0f} ms = {ratio:.2f}x the raw queries "
            f"({raw_total * 1000:.0f} ms); target <= {TOTAL_RATIO}x and < {TOTAL_SECONDS:.0f} s"
        )
        if export:
            small, large, rows = export
            self.stdout.write(
                f"{_verdict(large <= MEMORY_RATIO * small)} streamed export peak memory "
                f"{small / 1024:.0f} KiB at 100,000 rows, {large / 1024:.0f} KiB at {rows:,} rows "
                f"= {large / small:.2f}x; target <= {MEMORY_RATIO}x"
            )

    # -- database ------------------------------------------------------------------------------

    def _use_scratch_database(self, name: str) -> None:
        if not name.replace("_", "").isalnum():
            raise CommandError("--db: letters, digits and _ only.")
        connection = connections[DEFAULT_DB_ALIAS]
        with connection._nodb_cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            exists = cursor.fetchone() is not None
            if not exists:
                cursor.execute(f'CREATE DATABASE "{name}"')
        connection.close()
        connection.settings_dict["NAME"] = name
        self.stdout.write(f"Database: {name} ({'reused' if exists else 'created'})")
        call_command("migrate", verbosity=0, interactive=False)

    def _seed(self, cases: int) -> None:
        if not Case.objects.exists():
            load_reference_data()
        load_orientation_reference_data()
        have = Case.objects.filter(unhcr_case_number__startswith=MARK).count()
        if have >= cases:
            self.stdout.write(f"Reusing {have:,} seeded cases")
            return
        if have:
            raise CommandError(
                f"{have:,} seeded cases are there, fewer than asked: use another --db."
            )
        started = time.perf_counter()
        self.stdout.write(f"Seeding {cases:,} cases, {4 * cases:,} people (SQL, triggers off) ...")
        user, _ = get_user_model().objects.get_or_create(username="bench-facilitator")
        connection = connections[DEFAULT_DB_ALIAS]
        # All or nothing: a failed seed leaves no half-seeded database to be "reused".
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
            try:
                for table, sql in _seed_statements(cursor, cases, user.pk):
                    cursor.execute(sql)
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                        f"(SELECT max(id) FROM {table}))"
                    )
            finally:
                cursor.execute("SET session_replication_role = origin")
        if not connection.in_atomic_block:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.stdout.write(f"  seeded in {time.perf_counter() - started:.0f} s")

    # -- measurements --------------------------------------------------------------------------

    def _tables(self, year: int) -> tuple[float, float]:
        period = Period(year, year)
        params = {
            "first": period.first_day,
            "last": period.last_day,
            "starts": period.starts_at,
            "ends": period.ends_before,
        }
        connection = connections[DEFAULT_DB_ALIAS]
        # Warm the caches once for both sides, then one measured run of each.
        compute_figures(kind=ReportKind.YEARLY, year_from=year, year_to=year)
        raw_seconds, raw_rows = {}, {}
        with connection.cursor() as cursor:
            for key, sql in RAW.items():
                cursor.execute(sql, params)
                started = time.perf_counter()
                cursor.execute(sql, params)
                raw_rows[key] = cursor.fetchall()
                raw_seconds[key] = time.perf_counter() - started
        started = time.perf_counter()
        figures = compute_figures(kind=ReportKind.YEARLY, year_from=year, year_to=year)
        report_total = time.perf_counter() - started
        self.stdout.write(f"\nYearly report {year}: each statement's time, report vs raw SQL")
        self.stdout.write(f"{'table':32} {'report ms':>10} {'raw ms':>8} {'ratio':>6}  figures")
        for statement in figures["statements"]:
            keys = statement["tables"]
            raw = sum(raw_seconds[key] for key in keys)
            report = statement["seconds"]
            for key in keys:
                table = TABLES_BY_KEY[key]
                width = len(table.dimensions)
                mine = {
                    tuple(r["dims"][d.key] for d in table.dimensions): r["values"][
                        table.measures[0].key
                    ]
                    for r in figures["tables"][key]
                    if r["level"] == "detail"
                }
                theirs = {tuple(row[:width]): row[width] for row in raw_rows[key]}
                same = "same" if mine == theirs else "DIFFERENT"
                alone = len(keys) == 1
                shown = f"{report * 1000:10.1f}" if alone else f"{'(below)':>10}"
                ratio = f"{report / raw:6.2f}" if alone and raw else f"{'':6}"
                self.stdout.write(
                    f"{key:32} {shown} {raw_seconds[key] * 1000:8.1f} {ratio}  "
                    f"{same} ({sum(mine.values()):,})"
                )
            if len(keys) > 1:
                self.stdout.write(
                    f"{f'  one statement for {len(keys)} tables':32} {report * 1000:10.1f} "
                    f"{raw * 1000:8.1f} {report / raw if raw else 0:6.2f}"
                )
        raw_total = sum(raw_seconds.values())
        statements_total = sum(s["seconds"] for s in figures["statements"])
        self.stdout.write(
            f"{'sum of statements':32} {statements_total * 1000:10.1f} {raw_total * 1000:8.1f}"
        )
        return report_total, raw_total

    def _export(self) -> tuple[int, int, int] | None:
        """Peak memory of the streamed CSV of every departure since 2008 (the multi-year
        table's total), for its first 100,000 rows and for up to 1,000,000."""
        table = TABLES_BY_KEY["departures_multi_year"]
        period = Period(FIRST_YEAR, timezone.localdate().year)
        from reports.selectors import UNIT_SQL

        base, params = table.base(period)
        sql = UNIT_SQL["record"].format(base=base, where="TRUE")

        def peak(limit: int) -> tuple[int, int]:
            drill = DrillDown(
                None, table, "persons", "record", {}, f"{sql} LIMIT {limit}", params, ""
            )
            tracemalloc.start()
            rows = 0
            for _line in stream_csv(
                ["case", "number", "person", "reference", "persons"], drill.stream()
            ):
                rows += 1
            _current, top = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            return top, rows - 1

        small, small_rows = peak(100_000)
        if small_rows < 100_000:
            self.stdout.write(f"\nExport: only {small_rows:,} rows; memory not compared.")
            return None
        started = time.perf_counter()
        large, rows = peak(1_000_000)
        self.stdout.write(
            f"\nStreamed CSV export: {rows:,} rows in {time.perf_counter() - started:.1f} s"
        )
        return small, large, rows


def _seed_statements(cursor, cases: int, facilitator: int) -> list[tuple[str, str]]:
    """(table, INSERT ... SELECT) in order; ids continue after what each table holds."""

    def base(table):
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")  # noqa: S608
        return cursor.fetchone()[0]

    def count(table):
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
        return cursor.fetchone()[0]

    n = 4 * cases
    span = (timezone.localdate() - datetime.date(FIRST_YEAR, 1, 1)).days + 1
    sessions = max(1, cases // 20)
    cb, ib = base("cases_case"), base("cases_individual")
    bb, db, tb = base("movements_booking"), base("movements_departure"), base("movements_traveller")
    ab, vb = base("medical_healthassessment"), base("cases_interview")
    sb, dayb = base("orientation_orientationsession"), base("orientation_sessionday")
    eb, atb = base("orientation_enrollment"), base("orientation_attendance")
    vcb, kb = base("medical_vaccination"), base("medical_preembarkationcheck")
    nprog, nloc = count("cases_programme"), count("cases_location")
    nmov, ncur = count("cases_movementtype"), count("orientation_curriculum")
    cursor.execute("SELECT id FROM cases_country WHERE iso_code = 'COD'")
    cod = cursor.fetchone()[0]
    day = f"(date '{FIRST_YEAR}-01-01' + ((g * %s) %% {span})::int)"
    # Only integers computed here go into these statements.
    return [
        (
            "cases_case",
            f"""INSERT INTO cases_case (id, unhcr_case_number, case_number, urgency, referral_date,
                status, resume_status, status_changed_at, notes, created_at, updated_at,
                destination_country_id, location_id, movement_type_id, programme_id,
                submission_category_id)
            SELECT {cb} + g, '{MARK}' || ({cb} + g), 'RW-B' || lpad(({cb} + g)::text, 9, '0'),
                   'normal', {day % 7}, 'departed', '', now(), '', now(), now(),
                   p.country_id, l.id, m.id, p.id, s.id
              FROM generate_series(1::bigint, {cases}) g
              JOIN (SELECT id, country_id, row_number() OVER (ORDER BY id) - 1 AS n
                      FROM cases_programme) p ON p.n = g % {nprog}
              JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM cases_location) l
                ON l.n = g % {nloc}
              JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM cases_movementtype) m
                ON m.n = g % {nmov}
             CROSS JOIN (SELECT min(id) AS id FROM cases_submissioncategory) s""",  # noqa: S608
        ),
        (
            "cases_individual",
            f"""INSERT INTO cases_individual (id, given_name, family_name, sex, date_of_birth,
                date_of_birth_estimated, relationship, languages, special_needs, created_at,
                updated_at, case_id, nationality_id)
            SELECT {ib} + g, 'Given' || g, 'Family' || (g % 9973),
                   CASE WHEN g % 2 = 0 THEN 'F' ELSE 'M' END,
                   date '1950-01-01' + ((g * 7919) % 25000)::int, false,
                   CASE WHEN (g - 1) % 4 = 0 THEN 'PA' ELSE 'CHILD' END, '{{}}', '{{}}', now(),
                   now(), {cb} + (g - 1) / 4 + 1, {cod}
              FROM generate_series(1::bigint, {n}) g""",  # noqa: S608
        ),
        (
            "movements_booking",
            f"""INSERT INTO movements_booking (id, status, departure_date, booking_reference,
                recorded_after_the_fact, cancelled_reason, created_at, updated_at, case_id)
            SELECT {bb} + g, 'flown', {day % 13}, '', false, '', now(), now(), {cb} + g
              FROM generate_series(1::bigint, {cases}) g""",  # noqa: S608
        ),
        (
            "movements_departure",
            f"""INSERT INTO movements_departure (id, departed_on, departed_at,
                recorded_after_the_fact, notes, recorded_at, booking_id, case_id,
                destination_country_id, location_id, movement_type_id)
            SELECT {db} + g, b.departure_date,
                   (b.departure_date + time '21:00') AT TIME ZONE 'Africa/Kigali', false, '',
                   now(), b.id, c.id, c.destination_country_id, c.location_id, c.movement_type_id
              FROM generate_series(1::bigint, {cases}) g JOIN movements_booking b ON b.id = {bb} + g
              JOIN cases_case c ON c.id = b.case_id""",  # noqa: S608
        ),
        (
            "movements_traveller",
            f"""INSERT INTO movements_traveller (id, ticket_number, booking_id, individual_id)
            SELECT {tb} + g, '', {bb} + (g - 1) / 4 + 1, {ib} + g
              FROM generate_series(1::bigint, {n}) g""",  # noqa: S608
        ),
        (
            "medical_healthassessment",
            f"""INSERT INTO medical_healthassessment (id, "group", medical_history,
                physical_examination, mental_health_evaluation, chest_xray_findings,
                tb_classification, specialist_referrals, outcome, conditions, outcome_notes,
                created_at, updated_at, individual_id, programme_id, assessed_on)
            SELECT {ab} + g, CASE WHEN g % 5 = 0 THEN 'immigrant' ELSE 'refugee' END,
                   '', '', '', '', '', '', '', '{{}}', '', now(), now(), {ib} + g,
                   c.programme_id, greatest(date '{FIRST_YEAR}-01-01', b.departure_date - 60)
              FROM generate_series(1::bigint, {n}) g
              JOIN movements_booking b ON b.id = {bb} + (g - 1) / 4 + 1
              JOIN cases_case c ON c.id = b.case_id""",  # noqa: S608
        ),
        (
            "cases_interview",
            f"""INSERT INTO cases_interview (id, kind, scheduled_for, venue, interviewer, outcome,
                decision, notes, created_at, updated_at, case_id)
            SELECT {vb} + g, CASE WHEN g <= {cases} THEN 'pre_screening' ELSE 'adjudication' END,
                   ({day % 17} + time '10:00') AT TIME ZONE 'Africa/Kigali', '', '',
                   'completed', '', '', now(), now(), {cb} + ((g - 1) % {cases}) + 1
              FROM generate_series(1::bigint, 2 * {cases}) g""",  # noqa: S608
        ),
        (
            "orientation_orientationsession",
            f"""INSERT INTO orientation_orientationsession (id, start_date, venue, language,
                capacity, status, created_at, updated_at, curriculum_id, facilitator_id)
            SELECT {sb} + g, {day % 29}, 'Hall', 'Kinyarwanda', 500, 'held', now(), now(),
                   k.id, {facilitator}
              FROM generate_series(1::bigint, {sessions}) g
              JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n
                      FROM orientation_curriculum) k ON k.n = g % {ncur}""",  # noqa: S608
        ),
        (
            "orientation_sessionday",
            f"""INSERT INTO orientation_sessionday (id, number, date, session_id)
            SELECT {dayb} + (g - 1) * 3 + d, d, s.start_date + (d - 1), s.id
              FROM generate_series(1::bigint, {sessions}) g CROSS JOIN generate_series(1, 3) d
              JOIN orientation_orientationsession s ON s.id = {sb} + g""",  # noqa: S608
        ),
        (
            "orientation_enrollment",
            f"""INSERT INTO orientation_enrollment (id, created_at, individual_id, session_id)
            SELECT {eb} + g, now(), {ib} + ((g - 1) / 2) * 4 + ((g - 1) % 2) + 1,
                   {sb} + (((g - 1) / 2) % {sessions}) + 1
              FROM generate_series(1::bigint, 2 * {cases}) g""",  # noqa: S608
        ),
        (
            "orientation_attendance",
            f"""INSERT INTO orientation_attendance (id, present, recorded_at, enrollment_id,
                day_id)
            SELECT {atb} + (g - 1) * 3 + d, (g + d) % 7 <> 0, now(), {eb} + g,
                   {dayb} + (((g - 1) / 2) % {sessions}) * 3 + d
              FROM generate_series(1::bigint, 2 * {cases}) g CROSS JOIN generate_series(1, 3) d""",  # noqa: S608
        ),
        (
            "medical_vaccination",
            f"""INSERT INTO medical_vaccination (id, vaccine, dose, given_on, lot_number,
                created_at, individual_id)
            SELECT {vcb} + g, 'mmr', 1, {day % 31}, 'LOT', now(), {ib} + 2 * g
              FROM generate_series(1::bigint, {n // 2}) g""",  # noqa: S608
        ),
        (
            "medical_preembarkationcheck",
            f"""INSERT INTO medical_preembarkationcheck (id, checked_on, planned_departure,
                result, clinical_notes, created_at, individual_id, programme_id)
            SELECT {kb} + g, greatest(date '{FIRST_YEAR}-01-01', b.departure_date - 2),
                   b.departure_date,
                   CASE g % 10 WHEN 0 THEN 'unfit' WHEN 1 THEN 'fit_with_escort' ELSE 'fit' END,
                   '', now(), {ib} + g, c.programme_id
              FROM generate_series(1::bigint, {n}) g
              JOIN movements_booking b ON b.id = {bb} + (g - 1) / 4 + 1
              JOIN cases_case c ON c.id = b.case_id""",  # noqa: S608
        ),
    ]
