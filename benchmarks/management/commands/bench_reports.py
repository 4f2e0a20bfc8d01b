"""How fast the yearly report is against raw SQL computing the same figures, and how flat the
memory of a streamed export stays.

    manage.py bench_reports [--size 1000000] [--db NAME] [--year YYYY]

Seeds (or reuses) a scratch database with --size individuals (4 per case, so size/4 cases)
from 2008 to today, all in SQL (INSERT ... SELECT generate_series, triggers off: the audit
trail is not what is measured): every case booked, flown and departed (departure rows written
directly as the movements contract allows), every person with a health assessment and a
pre-embarkation check, half of them vaccinated, two interviews per case, two adults per case in
three-day orientation sessions. Then, in one run, prints:

- for each statement of the yearly report (last year unless --year; tables counting the same
  rows with the same measures share one statement, e.g. the eight departure tables): its time
  through reports.figures next to its fair floor, ONE hand-written statement of the same
  grouping sets and aggregates straight over the tables (FLOORS: no base subquery, no imported
  lines, no names), medians of --repeat runs after a warm-up, and whether both give the same
  detail figures for every table;
- the whole yearly report (every statement and the names; median) against the sum of the
  floors;
- the streamed CSV of the records behind a figure (every departure since 2008): peak Python
  memory (tracemalloc) for its first 100,000 rows and for 1,000,000 rows (or all there are).

Targets: the whole yearly report within 1.5x of its fair floor and under 5 s; the export's peak
at 1,000,000 rows within 1.5x of its peak at 100,000.

--db names the scratch database (default: <database>_reports_bench); it is created and migrated
when missing and never dropped; naming the database in use (the test suite does) seeds there.
"""

from __future__ import annotations

import datetime
import statistics
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
from reports.tables import TABLES_BY_KEY, Period, _age_band_sql, statement_groups, tables_for

TOTAL_RATIO = 1.5
TOTAL_SECONDS = 5.0
MEMORY_RATIO = 1.5
MARK = "BENCH-"

# The fair floor of each statement the report runs: the same figures, the same grouping sets and
# the same aggregates in ONE hand-written statement straight over the tables (no base subquery,
# no imported lines' UNION, no names). Each is (dimensions in order, SQL); the SQL selects the
# dimensions, the measures of the report's first table, then GROUPING() over the dimensions.
_AGE = _age_band_sql("d.departed_on", "i.date_of_birth")
_DEPARTED = """
  FROM movements_departure d JOIN movements_traveller t ON t.booking_id = d.booking_id
  JOIN cases_individual i ON i.id = t.individual_id
  JOIN cases_case c ON c.id = d.case_id
 WHERE d.departed_on BETWEEN %(first)s AND %(last)s
"""
DEPARTURE_DIMS = [
    "destination",
    "camp",
    "sex",
    "age_band",
    "movement_type",
    "month",
    "nationality",
    "submission_category",
]
_DEPARTURE_EXPR = {
    "destination": "d.destination_country_id",
    "camp": "d.location_id",
    "sex": "i.sex",
    "age_band": f"({_AGE})",
    "movement_type": "d.movement_type_id",
    "month": "extract(month FROM d.departed_on)::int",
    "nationality": "i.nationality_id",
    "submission_category": "c.submission_category_id",
}


def _grouped(dims: dict[str, str], measures: str, source: str, sets: list[tuple]) -> str:
    columns = ", ".join(dims.values())
    grouping = ", ".join("(" + ", ".join(dims[k] for k in s) + ")" for s in sets)
    return (
        f"SELECT {columns}, {measures}, GROUPING({columns}) "
        f"{source} GROUP BY GROUPING SETS ({grouping})"
    )


FLOORS = {
    # The eight departure tables: one statement, as the report counts them.
    "departures_by_destination": (
        DEPARTURE_DIMS,
        _grouped(
            _DEPARTURE_EXPR,
            "count(*), 0",
            _DEPARTED,
            [
                ("destination",),
                ("camp", "destination"),
                ("camp",),
                (),
                ("sex",),
                ("age_band",),
                ("movement_type",),
                ("month",),
                ("nationality",),
                ("submission_category",),
            ],
        ),
    ),
    "departures_cases": (
        ["destination"],
        _grouped(
            {"destination": "d.destination_country_id"},
            "count(*), count(DISTINCT d.case_id), 0",
            """FROM movements_departure d JOIN movements_traveller t ON t.booking_id = d.booking_id
              WHERE d.departed_on BETWEEN %(first)s AND %(last)s""",
            [("destination",), ()],
        ),
    ),
    # Both assessment tables count the same rows with the same measure: one statement.
    "assisted_voluntary_returns": (
        ["destination"],
        _grouped(
            {"destination": "d.destination_country_id"},
            "count(*), 0",
            """FROM movements_departure d JOIN movements_traveller t ON t.booking_id = d.booking_id
              JOIN cases_movementtype m ON m.id = d.movement_type_id
             WHERE d.departed_on BETWEEN %(first)s AND %(last)s
               AND m.code = 'assisted_voluntary_return'""",
            [("destination",), ()],
        ),
    ),
    "assessments": (
        ["programme_country", "group", "programme"],
        _grouped(
            {
                "programme_country": "p.country_id",
                "group": 'a."group"',
                "programme": "a.programme_id",
            },
            "count(*)",
            """FROM medical_healthassessment a JOIN cases_programme p ON p.id = a.programme_id
              WHERE a.assessed_on BETWEEN %(first)s AND %(last)s""",
            [
                ("programme_country", "group"),
                ("programme_country",),
                (),
                ("programme", "group"),
                ("programme",),
            ],
        ),
    ),
    "interviews": (
        ["kind"],
        _grouped(
            {"kind": "v.kind"},
            "count(DISTINCT v.id), count(DISTINCT v.case_id), count(DISTINCT m.id)",
            """FROM cases_interview v JOIN cases_individual m ON m.case_id = v.case_id
              WHERE v.outcome = 'completed' AND v.scheduled_for >= %(starts)s
                AND v.scheduled_for < %(ends)s""",
            [("kind",), ()],
        ),
    ),
    "interview_decisions": (
        ["kind", "decision"],
        _grouped(
            {"kind": "v.kind", "decision": "v.decision"},
            "count(DISTINCT v.case_id), count(DISTINCT m.id)",
            """FROM cases_interview v JOIN cases_individual m ON m.case_id = v.case_id
              WHERE v.decision <> '' AND v.decided_on BETWEEN %(first)s AND %(last)s""",
            [("kind", "decision"), ("kind",), ()],
        ),
    ),
    "cases_by_status_at_year_end": (
        ["case_status"],
        _grouped(
            {"case_status": "coalesce(s.to_status, 'referred')"},
            "count(*)",
            """FROM cases_case c LEFT JOIN LATERAL (
                   SELECT e.to_status FROM cases_caseevent e
                    WHERE e.case_id = c.id AND e.to_status <> '' AND e.at < %(ends)s
                    ORDER BY e.at DESC, e.id DESC LIMIT 1) s ON true
              WHERE c.referral_date <= %(last)s""",
            [("case_status",), ()],
        ),
    ),
    "orientation": (
        ["destination"],
        _grouped(
            {"destination": "c.destination_country_id"},
            "count(DISTINCT e.individual_id), count(DISTINCT s.id)",
            """FROM orientation_attendance a JOIN orientation_enrollment e ON e.id = a.enrollment_id
              JOIN orientation_orientationsession s ON s.id = e.session_id
              JOIN orientation_curriculum c ON c.id = s.curriculum_id
             WHERE a.present AND s.start_date BETWEEN %(first)s AND %(last)s""",
            [("destination",), ()],
        ),
    ),
    "orientation_by_sex": (
        ["sex"],
        _grouped(
            {"sex": "i.sex"},
            "count(DISTINCT e.individual_id), count(*)",
            """FROM orientation_attendance a JOIN orientation_enrollment e ON e.id = a.enrollment_id
              JOIN orientation_orientationsession s ON s.id = e.session_id
              JOIN cases_individual i ON i.id = e.individual_id
             WHERE a.present AND s.start_date BETWEEN %(first)s AND %(last)s""",
            [("sex",), ()],
        ),
    ),
    # Both vaccination tables: one statement.
    "vaccinations": (
        ["destination", "vaccine"],
        _grouped(
            {"destination": "c.destination_country_id", "vaccine": "v.vaccine"},
            "count(*), count(DISTINCT v.individual_id)",
            """FROM medical_vaccination v JOIN cases_individual i ON i.id = v.individual_id
              JOIN cases_case c ON c.id = i.case_id
             WHERE v.given_on BETWEEN %(first)s AND %(last)s""",
            [("destination",), (), ("vaccine",)],
        ),
    ),
    "pre_embarkation_checks": (
        ["result"],
        _grouped(
            {"result": "k.result"},
            "count(*), count(DISTINCT k.individual_id)",
            """FROM medical_preembarkationcheck k
              WHERE k.checked_on BETWEEN %(first)s AND %(last)s""",
            [("result",), ()],
        ),
    ),
}


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _detail(rows: list[tuple], dims: list[str], keys: list[str]) -> dict[tuple, int]:
    """The rows of a grouping-sets result whose present dimensions are exactly `keys`: the
    first measure by the values of `keys`."""
    width = len(dims)
    out = {}
    for row in rows:
        grouping = row[-1]
        present = {k for i, k in enumerate(dims) if not (grouping >> (width - 1 - i)) & 1}
        if present == set(keys):
            out[tuple(row[dims.index(k)] for k in keys)] = row[width]
    return out


def _verdict(ok: bool) -> str:
    return "OK  " if ok else "MISS"


class Command(BaseCommand):
    help = "Benchmark the yearly report against raw SQL, and the streamed export's memory."

    def add_arguments(self, parser):
        parser.add_argument("--size", type=int, default=1_000_000, help="individuals to seed")
        parser.add_argument("--db", help="scratch database (default <database>_reports_bench)")
        parser.add_argument("--year", type=int, help="the report's year (default: last year)")
        parser.add_argument("--repeat", type=int, default=5, help="measured runs (medians)")

    def handle(self, *args, size, db, year, repeat, **options):
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
        report_total, raw_total = self._tables(year, repeat)
        export = self._export()
        self.stdout.write("")
        ratio = report_total / raw_total if raw_total else float("inf")
        self.stdout.write(
            f"{_verdict(ratio <= TOTAL_RATIO and report_total <= TOTAL_SECONDS)} whole yearly "
            f"report {report_total * 1000:.0f} ms (median, names included) = {ratio:.2f}x its fair "
            f"floor ({raw_total * 1000:.0f} ms); target <= {TOTAL_RATIO}x and "
            f"< {TOTAL_SECONDS:.0f} s"
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

    def _tables(self, year: int, repeat: int) -> tuple[float, float]:
        """Each statement of the yearly report against its fair floor (FLOORS), the medians of
        `repeat` runs of each after one warm-up, and whether both give the same figures."""
        period = Period(year, year)
        params = {
            "first": period.first_day,
            "last": period.last_day,
            "starts": period.starts_at,
            "ends": period.ends_before,
        }
        connection = connections[DEFAULT_DB_ALIAS]
        groups = statement_groups(tables_for(ReportKind.YEARLY))
        missing = [g[0].key for g in groups if g[0].key not in FLOORS]
        if missing:
            raise CommandError(f"No fair floor written for: {', '.join(missing)}")
        compute_figures(kind=ReportKind.YEARLY, year_from=year, year_to=year)  # warm-up
        floor_seconds: dict[str, list[float]] = {key: [] for key in FLOORS}
        floor_rows: dict[str, list] = {}
        report_seconds: list[float] = []
        statement_seconds: list[list[float]] = [[] for _group in groups]
        with connection.cursor() as cursor:
            for _sql_dims, sql in FLOORS.values():
                cursor.execute(sql, params)  # warm-up
                cursor.fetchall()
            for _run in range(repeat):
                started = time.perf_counter()
                figures = compute_figures(kind=ReportKind.YEARLY, year_from=year, year_to=year)
                report_seconds.append(time.perf_counter() - started)
                for n, statement in enumerate(figures["statements"]):
                    statement_seconds[n].append(statement["seconds"])
                for key, (_dims, sql) in FLOORS.items():
                    started = time.perf_counter()
                    cursor.execute(sql, params)
                    floor_rows[key] = cursor.fetchall()
                    floor_seconds[key].append(time.perf_counter() - started)
        self.stdout.write(
            f"\nYearly report {year}: each statement against its fair floor (one raw statement "
            f"of the same grouping sets), medians of {repeat} runs"
        )
        self.stdout.write(
            f"{'statement':34} {'report ms':>10} {'floor ms':>9} {'ratio':>6}  figures"
        )
        for n, group in enumerate(groups):
            dims, _sql = FLOORS[group[0].key]
            report = _median(statement_seconds[n])
            floor = _median(floor_seconds[group[0].key])
            label = group[0].key if len(group) == 1 else f"{len(group)} tables ({group[0].key}...)"
            self.stdout.write(
                f"{label:34} {report * 1000:10.1f} {floor * 1000:9.1f} "
                f"{report / floor if floor else 0:6.2f}"
            )
            for table in group:
                keys = table.dimension_keys()
                measure = table.measures[0].key
                mine = {
                    tuple(r["dims"][k] for k in keys): r["values"][measure]
                    for r in figures["tables"][table.key]
                    if r["level"] == "detail" and r["values"][measure]
                }
                theirs = {
                    k: v for k, v in _detail(floor_rows[group[0].key], dims, keys).items() if v
                }
                same = "same" if mine == theirs else "DIFFERENT"
                self.stdout.write(f"  {table.key:32} {same} ({sum(mine.values()):,})")
        floor_total = sum(_median(v) for v in floor_seconds.values())
        statements_total = sum(_median(v) for v in statement_seconds)
        self.stdout.write(
            f"{'sum of statements':34} {statements_total * 1000:10.1f} {floor_total * 1000:9.1f} "
            f"{statements_total / floor_total if floor_total else 0:6.2f}"
        )
        return _median(report_seconds), floor_total

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
                recorded_after_the_fact, no_show, cancelled_reason, created_at, updated_at,
                case_id)
            SELECT {bb} + g, 'flown', {day % 13}, '', false, false, '', now(), now(), {cb} + g
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
            f"""INSERT INTO orientation_orientationsession (id, start_date, venue, "group",
                language, capacity, status, created_at, updated_at, curriculum_id,
                facilitator_id)
            SELECT {sb} + g, {day % 29}, 'Hall', '', 'Kinyarwanda', 500, 'held', now(), now(),
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
