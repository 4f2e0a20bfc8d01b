"""How fast the case list and the name search are, against raw SQL doing the same work.

    manage.py bench_case_list [--cases 250000] [--db NAME] [--runs 30]

Seeds (or reuses) a scratch database with N demo households (~4 people each, `cases.demo`;
idempotent, so a second run reuses them; loaded with row triggers off, since the audit trail is
not what is measured, then the status tally recounted), then prints, each the median of --runs
runs:

- the list endpoint: GET /api/v1/cases/ for 50 cases with members, filtered by camp and status
  (in-process through DRF's APIClient: routing, permission, filter, paginator with its COUNT,
  serializer, JSON), and its number of queries at several page sizes and pages;
- the browser's case list page (view "cases:list"), the same filter, through Django's test
  client (middleware, session, filter panel, per-status counts, rows), the htmx request that
  refreshes only the results, and the dashboard every user lands on (no target);
- the same work in raw SQL: 2 queries (the page of cases with their references, their members);
- name search for a common two-letter prefix, the commonest family name and a rare prefix: the
  whole list page for that search (its first 50 cases and their count) next to the same work in
  raw SQL, done the same way (a common term walks the cases in the list's order and counts up to
  1,000; a rare one collects its matches and counts them by status); with the EXPLAIN line of
  the page query, and the API's search, which collects every match (no target).

Targets: list endpoint and list page each within 5x of raw and under 50 ms; each search page
under 100 ms; the same number of queries whatever the page size.

--db names the scratch database (default: <database>_case_list_bench); it is created and
migrated when missing and never dropped. Naming the database already in use (the test suite
does) seeds and measures there.
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Q, Sum
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import NoReverseMatch, reverse
from rest_framework.test import APIClient

from cases.models import Case, CaseTally, Individual
from cases.reference_data import load_reference_data
from cases.selectors import (
    SEARCH_COUNT_CAP,
    case_list,
    case_rows,
    case_search,
    case_search_q,
    name_key,
)
from cases.services import case_tally_rebuild
from core.roles import Role

LIST_TARGET_MS = 50.0
LIST_TARGET_RATIO = 5.0
SEARCH_PAGE_TARGET_MS = 100.0
OTHER_SORTS = ("urgency", "-status_changed_at", "case_number")
PAGE = 50

RAW_PAGE_SQL = """
SELECT c.id, c.case_number, c.unhcr_case_number, c.status, c.urgency, c.referral_date,
       c.status_changed_at, l.id, l.name, d.id, d.iso_code, d.name, p.id, p.code, p.name,
       m.id, m.code, m.name, s.id, s.code, s.name, u.username
  FROM cases_case c
  JOIN cases_location l ON l.id = c.location_id
  JOIN cases_country d ON d.id = c.destination_country_id
  JOIN cases_programme p ON p.id = c.programme_id
  JOIN cases_movementtype m ON m.id = c.movement_type_id
  JOIN cases_submissioncategory s ON s.id = c.submission_category_id
  LEFT JOIN auth_user u ON u.id = c.caseworker_id
 WHERE {where}
 ORDER BY c.referral_date DESC, c.id DESC
 LIMIT %s
"""

RAW_MEMBERS_SQL = """
SELECT i.id, i.case_id, i.given_name, i.family_name, i.sex, i.date_of_birth,
       i.date_of_birth_estimated, i.relationship, i.unhcr_individual_number, i.languages,
       i.special_needs, n.iso_code
  FROM cases_individual i
  JOIN cases_country n ON n.id = i.nationality_id
 WHERE i.case_id = ANY(%s)
 ORDER BY i.case_id, i.date_of_birth, i.id
"""

# A common term's search: walk the cases in the list's order, probing each case's members.
RAW_WALK_WHERE = """
(c.unhcr_case_number LIKE %s OR c.case_number LIKE %s OR (
    SELECT true FROM cases_individual i
     WHERE i.case_id = c.id
       AND (i.family_name_key LIKE %s OR i.given_name_key LIKE %s
            OR i.unhcr_individual_number LIKE %s)
     LIMIT 1))
"""

# A rare term's search as an index-backed query: each arm is a prefix scan of one
# text_pattern_ops index, the arms are UNIONed into an array of case ids, each looked up by key.
RAW_SEARCH_WHERE = """
c.id = ANY(ARRAY(
    SELECT case_id FROM cases_individual WHERE family_name_key LIKE %s
    UNION SELECT case_id FROM cases_individual WHERE given_name_key LIKE %s
    UNION SELECT case_id FROM cases_individual WHERE unhcr_individual_number LIKE %s
    UNION SELECT id FROM cases_case WHERE unhcr_case_number LIKE %s
    UNION SELECT id FROM cases_case WHERE case_number LIKE %s
))
"""

RAW_CAPPED_COUNT_SQL = "SELECT count(*) FROM (SELECT 1 FROM cases_case c WHERE {where} LIMIT %s) s"
RAW_STATUS_COUNT_SQL = "SELECT c.status, count(*) FROM cases_case c WHERE {where} GROUP BY 1"


def median_ms(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm caches (plans, connections, Python imports)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def count_queries(fn: Callable[[], object]) -> int:
    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as captured:
        fn()
    return len(captured)


def _verdict(ok: bool) -> str:
    return "OK  " if ok else "MISS"


class Command(BaseCommand):
    help = "Benchmark the case list endpoint, the list page and name search against raw SQL."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=250_000)
        parser.add_argument("--db", help="scratch database (default <database>_case_list_bench)")
        parser.add_argument("--runs", type=int, default=30)

    def handle(self, *args, cases, db, runs, **options):
        if cases < 1 or runs < 1:
            raise CommandError("--cases and --runs must be at least 1.")
        connection = connections[DEFAULT_DB_ALIAS]
        current = connection.settings_dict["NAME"]
        name = db or f"{current}_case_list_bench"
        if name != current:
            self._use_scratch_database(name)
        self._seed(cases)
        # In-process requests come from "testserver"; DEBUG would log every query.
        with override_settings(DEBUG=False, ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
            self._measure(runs)

    # -- database ------------------------------------------------------------------------------

    def _use_scratch_database(self, name: str) -> None:
        if not name.replace("_", "").isalnum():
            raise CommandError("--db: letters, digits and _ only.")
        connection = connections[DEFAULT_DB_ALIAS]
        # The maintenance database, as Django's test runner does: the configured database need
        # not exist yet on a fresh machine.
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
        have = Case.objects.count()
        if have < cases:
            from cases.demo import demo_data_load

            self.stdout.write(f"Seeding {cases - have:,} cases with cases.demo ...")
            with _triggers_off():
                summary = demo_data_load(cases=cases)
            self.stdout.write(
                f"  {summary.cases:,} cases, {summary.people:,} people in {summary.seconds:.0f} s"
            )
        # Loaded with triggers off, the status tally must be recounted (as an operator would
        # with `manage.py rebuild_case_tally`).
        tallied = CaseTally.objects.aggregate(n=Sum("cases"))["n"] or 0
        if tallied != Case.objects.count():
            self.stdout.write(f"Case tally rebuilt: {case_tally_rebuild():,} rows")
        self._vacuum()
        people = Individual.objects.count()
        total = Case.objects.count()
        self.stdout.write(f"Data: {total:,} cases, {people:,} people ({people / total:.1f} each)")

    def _vacuum(self) -> None:
        """Fresh statistics and visibility map after a bulk load, as autovacuum would leave them
        (index-only scans for the page COUNT). Skipped inside a transaction (the test suite)."""
        connection = connections[DEFAULT_DB_ALIAS]
        if connection.in_atomic_block:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relname FROM pg_stat_user_tables WHERE relname IN "
                "('cases_case', 'cases_individual') AND (n_mod_since_analyze > n_live_tup / 10 "
                "OR coalesce(last_vacuum, last_autovacuum) IS NULL)"
            )
            stale = [row[0] for row in cursor.fetchall()]
            if stale:
                self.stdout.write(f"VACUUM ANALYZE {', '.join(stale)}")
                cursor.execute(f"VACUUM (ANALYZE) {', '.join(stale)}")

    # -- measurements --------------------------------------------------------------------------

    def _measure(self, runs: int) -> None:
        user, _ = get_user_model().objects.get_or_create(username="bench-caseworker")
        user.groups.add(Group.objects.get_or_create(name=Role.CASEWORKER)[0])
        location_id, status, matching = self._busiest_camp_and_status()
        self.stdout.write(
            f"List filter: location={location_id} status={status} ({matching:,} matching cases)"
        )
        params = {"location": location_id, "status": status, "page_size": PAGE}
        api = APIClient()
        api.force_authenticate(user)

        def call_api(**extra):
            response = api.get("/api/v1/cases/", {**params, **extra})
            assert response.status_code == 200, response.content[:300]
            return response

        api_ms = median_ms(call_api, runs)
        body = call_api().json()
        queries = {
            (size, page): count_queries(lambda s=size, p=page: call_api(page_size=s, page=p))
            for size in (5, 50, 200)
            for page in (1, 2)
            if (page - 1) * size < matching
        }

        def raw_list():
            return self._raw_page("c.location_id = %s AND c.status = %s", [location_id, status])

        raw_ms = median_ms(raw_list, runs)
        rows, members = raw_list()
        assert [r[0] for r in rows] == [c["id"] for c in body["results"]], "raw != API"

        page_ms, page_queries, fragment_ms = self._browser_page(user, location_id, status, runs)

        self.stdout.write("")
        self.stdout.write(f"Case list, {PAGE} cases with members (median of {runs} runs)")
        self.stdout.write(f"  API /api/v1/cases/        {api_ms:8.2f} ms")
        if page_ms is None:
            self.stdout.write("  page cases:list           not available")
        else:
            self.stdout.write(
                f"  page cases:list           {page_ms:8.2f} ms  ({page_queries} queries)"
            )
            self.stdout.write(f"  page, htmx results only   {fragment_ms:8.2f} ms")
            self.stdout.write(
                f"  dashboard (landing page)  {self._dashboard_ms(user, runs):8.2f} ms  "
                "(no target: my cases by status, the cases waiting longest per status)"
            )
        self.stdout.write(
            f"  raw SQL (2 queries)       {raw_ms:8.2f} ms  ({len(rows)} cases, "
            f"{len(members)} people)"
        )
        ratio = api_ms / raw_ms
        self.stdout.write(
            f"  {_verdict(ratio <= LIST_TARGET_RATIO and api_ms < LIST_TARGET_MS)} "
            f"API/raw = {ratio:.1f}x (target <= {LIST_TARGET_RATIO:.0f}x), "
            f"API {api_ms:.1f} ms (target < {LIST_TARGET_MS:.0f} ms)"
        )
        if page_ms is not None:
            ratio = page_ms / raw_ms
            self.stdout.write(
                f"  {_verdict(ratio <= LIST_TARGET_RATIO and page_ms < LIST_TARGET_MS)} "
                f"page/raw = {ratio:.1f}x (target <= {LIST_TARGET_RATIO:.0f}x), "
                f"page {page_ms:.1f} ms (target < {LIST_TARGET_MS:.0f} ms)"
            )
        counts = sorted(set(queries.values()))
        self.stdout.write(
            f"  {_verdict(len(counts) == 1)} queries per request by (page_size, page): "
            + ", ".join(f"{k}={v}" for k, v in sorted(queries.items()))
        )
        self._explain_list(location_id, status)
        self._search(user, runs)

    def _busiest_camp_and_status(self):
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute(
                "SELECT location_id, status, count(*) FROM cases_case "
                "GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1"
            )
            return cursor.fetchone()

    def _raw_page(self, where: str, args, limit: int = PAGE):
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute(RAW_PAGE_SQL.format(where=where), [*args, limit])
            rows = cursor.fetchall()
            cursor.execute(RAW_MEMBERS_SQL, [[r[0] for r in rows]])
            return rows, cursor.fetchall()

    def _browser_page(self, user, location_id, status, runs):
        try:
            url = reverse("cases:list")
        except NoReverseMatch:
            return None, None, None
        client = Client()
        client.force_login(user)
        query = {"location": location_id, "status": status, "per_page": PAGE}

        def page(**headers):
            response = client.get(url, query, headers=headers)
            assert response.status_code == 200, response.status_code
            return response

        def fragment():
            return page(**{"HX-Request": "true"})

        return median_ms(page, runs), count_queries(page), median_ms(fragment, runs)

    def _dashboard_ms(self, user, runs) -> float:
        client = Client()
        client.force_login(user)
        url = reverse("cases:dashboard")

        def page():
            response = client.get(url)
            assert response.status_code == 200, response.status_code

        return median_ms(page, runs)

    def _explain_list(self, location_id, status):
        qs = Case.objects.filter(location_id=location_id, status=status)
        plan = qs.order_by("-referral_date", "-id")[:PAGE].explain()
        self.stdout.write("  EXPLAIN page query: " + _plan_summary(plan))

    def _search(self, user, runs):
        client = Client()
        client.force_login(user)
        url = reverse("cases:list")
        self.stdout.write("")
        self.stdout.write(
            f"Name search, the whole list page and the same work in raw SQL (median of {runs}); "
            f"target: page under {SEARCH_PAGE_TARGET_MS:.0f} ms each"
        )
        for label, term in self._search_terms():
            search = case_search(term)
            key, upper = name_key(term), term.upper()
            people = Individual.objects.filter(
                Q(family_name_key__startswith=key) | Q(given_name_key__startswith=key)
            ).count()

            def page_sorted(term, sort):
                response = client.get(url, {"q": term, "sort": sort})
                assert response.status_code == 200, response.status_code
                return response

            def page(term=term):
                return page_sorted(term, "")

            def raw(search=search, key=key, upper=upper):
                return self._raw_search_page(search.common, key, upper)

            page_ms = median_ms(page, runs)
            raw_ms = median_ms(raw, runs)
            rows, _members, count = raw()
            # The page's own query (the view runs it on case_rows, ordered as the list is).
            shown = case_rows(user=user).filter(search.q).order_by("-referral_date", "-id")
            assert list(shown.values_list("pk", flat=True)[:PAGE]) == [r[0] for r in rows], (
                "raw search != page"
            )
            way = (
                f"walked, {'more than ' if count > SEARCH_COUNT_CAP else ''}"
                f"{min(count, SEARCH_COUNT_CAP):,} cases counted"
                if search.common
                else f"collected, {count:,} cases counted by status"
            )
            self.stdout.write(
                f"  {_verdict(page_ms < SEARCH_PAGE_TARGET_MS)} {label} {term!r} "
                f"({people:,} people match; {way})"
            )
            self.stdout.write(
                f"      page cases:list {page_ms:8.2f} ms  ({len(rows)} rows)"
                f"   raw SQL (3 queries) {raw_ms:8.2f} ms  -> {page_ms / raw_ms:.1f}x"
            )
            plan = Case.objects.filter(search.q).order_by("-referral_date", "-id")[:PAGE].explain()
            self.stdout.write("      EXPLAIN page query: " + _plan_summary(plan))

            # The API's search collects every match (its page numbers need the full count).
            def api_search(term=term):
                return [
                    len(c.members.all())
                    for c in case_list(user=user).filter(case_search_q(term, common=False))[:PAGE]
                ]

            self.stdout.write(
                f"      API search (collects every match, no target) "
                f"{median_ms(api_search, max(1, runs // 3)):8.2f} ms"
            )
            # The page in the list's other orders (no target): each walks its own index.
            sorted_ms = [
                (sort, median_ms(lambda sort=sort, term=term: page_sorted(term, sort), runs))
                for sort in OTHER_SORTS
            ]
            self.stdout.write(
                "      page in other orders (no target): "
                + ", ".join(f"{sort} {ms:.2f} ms" for sort, ms in sorted_ms)
            )

    def _raw_search_page(self, common: bool, key: str, upper: str):
        """The search page's data in raw SQL, the same way the page finds it: its 50 cases, their
        members, and the count (capped for a walked term, by status for a collected one)."""
        like_key, like_upper = key + "%", upper + "%"
        if common:
            where, args = RAW_WALK_WHERE, [like_upper, like_upper, like_key, like_key, like_upper]
        else:
            where, args = RAW_SEARCH_WHERE, [like_key, like_key, like_upper, like_upper, like_upper]
        rows, members = self._raw_page(where, args)
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            if common:
                cursor.execute(
                    RAW_CAPPED_COUNT_SQL.format(where=where),
                    [*args, SEARCH_COUNT_CAP + 1],
                )
                count = cursor.fetchone()[0]
            else:
                cursor.execute(RAW_STATUS_COUNT_SQL.format(where=where), args)
                count = sum(n for _status, n in cursor.fetchall())
        return rows, members, count

    def _search_terms(self) -> list[tuple[str, str]]:
        """A common two-letter prefix, the commonest family name, and a rare prefix."""
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute(
                "SELECT left(family_name_key, 2) FROM cases_individual "
                "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
            )
            common = cursor.fetchone()[0]
            cursor.execute(
                "SELECT family_name_key FROM cases_individual "
                "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
            )
            family = cursor.fetchone()[0]
            cursor.execute(
                "SELECT family_name_key FROM cases_individual WHERE length(family_name_key) >= 5 "
                "GROUP BY 1 ORDER BY count(*), 1 LIMIT 1"
            )
            rare = cursor.fetchone()[0][:5]
        return [
            ("two-letter prefix", common),
            ("family name", family),
            ("rare prefix", rare),
        ]


@contextlib.contextmanager
def _triggers_off():
    """Load without row triggers (audit trail, one-principal check): this is a scratch database
    for timing reads, and the triggers cost more than the load itself. Needs a superuser."""
    connection = connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        cursor.execute("SHOW is_superuser")
        allowed = cursor.fetchone()[0] == "on"
        if allowed:
            cursor.execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        if allowed:
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")


def _plan_summary(plan: str) -> str:
    """The plan's scan lines (which index or sequential scan each part uses), one line."""
    scans = []
    for line in plan.splitlines():
        text = line.strip().lstrip("-> ").strip()
        if "Scan" in text:
            scans.append(text.split("  (")[0])
    return " | ".join(scans) or plan.splitlines()[0]
