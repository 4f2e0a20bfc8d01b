"""Partner systems' two heavy paths, each against its floor, in one run.

    manage.py bench_partners [--rows 10000] [--events 10000] [--skip-intake] [--skip-webhooks]
                             [--database-name resettle_bench] [--rollback]

(1) Bulk referral intake: a CSV of `--rows` referrals (four people each: about 40,000 people)
    is sent through the bulk endpoint (the API view, then the task's body, as the worker runs
    it) and its rows per second are printed next to PostgreSQL's COPY of the same rows (cases,
    people, timeline entries) into the same tables, triggers in place and the same deferred
    checks run at its commit. Target: at least 1/4 of COPY.
(2) Webhook delivery: an outbox of `--events` messages is drained to a receiver on 127.0.0.1
    (a bounded local server started here) and events per second are printed next to a bare
    loop of the same signed POSTs over one kept-alive connection. Target: within 2x.

By default everything happens in a scratch database that is created, migrated and dropped
(bench_demo_data's), and each path commits as it would in production: the intake one referral
at a time, COPY in one transaction (its time includes the commit, when the deferred
one-principal check runs). `--rollback` instead works inside the current database in one
transaction rolled back at the end (the test suite's smoke test; much slower per row, since the
deferred checks pile up in the one transaction).
"""

from __future__ import annotations

import csv
import datetime
import http.server
import io
import threading
import time
import uuid

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.test import APIRequestFactory, force_authenticate

from cases.choices import PartnerKind
from cases.models import Case, Country, Location, PartnerOrganisation, PartnerProfile
from cases.reference_data import load_reference_data
from core.roles import Role
from partners.api import IntakeBatchListApi
from partners.delivery import Poster, drain_endpoint, message_body
from partners.intake import CSV_HEADER, intake_batch_run
from partners.models import IntakeBatch, WebhookEndpoint, WebhookMessage
from partners.signing import signed_headers

INTAKE_TARGET = 1 / 4
WEBHOOK_TARGET = 2.0
GIVEN = ["Aline", "Bosco", "Claude", "Divine", "Eric", "Fabrice", "Grace", "Honore", "Iris"]
FAMILY = ["Uwimana", "Habimana", "Niyonsaba", "Mukamana", "Bizimana", "Ndayisaba", "Kabera"]


class _Rollback(Exception):
    pass


def referral_lines(rows: int, prefix: str) -> list[dict]:
    """`rows` referrals of four people each, with names and birth dates that never repeat."""
    lines = []
    base = datetime.date(1960, 1, 1)
    for index in range(rows):
        number = f"{prefix}-{index:06d}"
        family = f"{FAMILY[index % len(FAMILY)]}{index}"
        for position, (relationship, sex, age_days) in enumerate(
            (("PA", "F", 0), ("SPOUSE", "M", 400), ("CHILD", "F", 9000), ("CHILD", "M", 9900))
        ):
            lines.append(
                {
                    "unhcr_case_number": number,
                    "location": "Mahama",
                    "destination_country": "USA",
                    "programme": "USRAP",
                    "movement_type": "refugee_resettlement",
                    "submission_category": "LPN",
                    "urgency": "normal",
                    "referral_date": "2026-10-01",
                    "given_name": GIVEN[(index + position) % len(GIVEN)],
                    "family_name": family,
                    "sex": sex,
                    "date_of_birth": (
                        base + datetime.timedelta(days=age_days + index % 3000)
                    ).isoformat(),
                    "nationality": "COD",
                    "relationship": relationship,
                    "unhcr_individual_number": f"{number}-{position}",
                    "languages": "Kinyarwanda;Swahili",
                }
            )
    return lines


def csv_bytes(lines: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_HEADER, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(lines)
    return out.getvalue().encode()


class _Receiver:
    """A webhook receiver bound to 127.0.0.1 only, answering 204, for at most `limit` posts."""

    def __init__(self, limit: int):
        self.count = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                length = int(self.headers.get("content-length", 0))
                self.rfile.read(min(length, 1024 * 1024))
                outer.count += 1
                self.send_response(204 if outer.count <= limit else 503)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Command(BaseCommand):
    help = "Bulk referral intake vs COPY, and webhook delivery vs a bare loop of signed POSTs."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=10_000)
        parser.add_argument("--events", type=int, default=10_000)
        parser.add_argument("--skip-intake", action="store_true")
        parser.add_argument("--skip-webhooks", action="store_true")
        parser.add_argument("--database-name", default="")
        parser.add_argument("--rollback", action="store_true")

    def handle(self, *args, rows, events, skip_intake, skip_webhooks, rollback, **options):
        def run():
            load_reference_data()
            user = self._partner()
            if not skip_intake:
                results["intake"] = self._intake(user, rows, committed=not rollback)
            if not skip_webhooks:
                results["webhooks"] = self._webhooks(user, events)

        results = {}
        if rollback:
            try:
                with transaction.atomic():
                    run()
                    raise _Rollback
            except _Rollback:
                pass
        else:
            from benchmarks.management.commands.bench_demo_data import scratch_database

            name = options["database_name"] or f"{connection.settings_dict['NAME']}_bench"
            with scratch_database(name, replace=True, stdout=self.stdout):
                run()
        if "intake" in results:
            r = results["intake"]
            self.stdout.write(
                f"Bulk intake: {r['referrals']} referrals, {r['people']} people, "
                f"{r['created']} taken in"
            )
            self.stdout.write(
                f"  bulk endpoint path: {r['intake_s']:.2f} s, {r['intake_rate']:,.0f} rows/s "
                f"({r['referral_rate']:,.0f} referrals/s)"
            )
            self.stdout.write(
                f"  PostgreSQL COPY:    {r['copy_s']:.2f} s, {r['copy_rate']:,.0f} rows/s"
            )
            ratio = r["intake_rate"] / r["copy_rate"]
            verdict = "meets" if ratio >= INTAKE_TARGET else "misses"
            self.stdout.write(f"  ratio {ratio:.3f} of COPY ({verdict} the 1/4 target)")
        if "webhooks" in results:
            r = results["webhooks"]
            self.stdout.write(f"Webhooks: {r['events']} events to {r['url']}")
            self.stdout.write(
                f"  outbox drain: {r['drain_s']:.2f} s, {r['drain_rate']:,.0f} events/s "
                f"({r['delivered']} delivered)"
            )
            self.stdout.write(
                f"  bare loop:    {r['bare_s']:.2f} s, {r['bare_rate']:,.0f} events/s"
            )
            slower = r["bare_rate"] / r["drain_rate"]
            verdict = "meets" if slower <= WEBHOOK_TARGET else "misses"
            self.stdout.write(f"  the drain is {slower:.2f}x the bare loop ({verdict} 2x)")

    def _partner(self):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group

        organisation = PartnerOrganisation.objects.create(
            name=f"Bench UNHCR {uuid.uuid4().hex[:8]}", kind=PartnerKind.UNHCR
        )
        user = get_user_model().objects.create_user(username=f"bench-{uuid.uuid4().hex[:8]}")
        user.groups.add(Group.objects.get_or_create(name=Role.PARTNER_SYSTEM)[0])
        PartnerProfile.objects.create(
            user=user, organisation=organisation.name, partner_organisation=organisation
        )
        return user

    def _token(self, user):
        from oauth2_provider.models import AccessToken, Application

        application = Application.objects.create(
            name="bench",
            user=user,
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        )
        return AccessToken.objects.create(
            user=user,
            application=application,
            token=uuid.uuid4().hex,
            expires=timezone.now() + datetime.timedelta(hours=1),
            scope="cases:read cases:write",
        )

    # -----------------------------------------------------------------------------------------

    def _intake(self, user, rows: int, *, committed: bool) -> dict:
        prefix = f"BENCH{uuid.uuid4().hex[:6].upper()}"
        lines = referral_lines(rows, prefix)
        content = csv_bytes(lines)
        sid = None if committed else transaction.savepoint()
        started = time.perf_counter()
        request = APIRequestFactory().post(
            "/api/v1/referral-files/",
            {"file": SimpleUploadedFile("bench.csv", content, content_type="text/csv")},
            format="multipart",
        )
        force_authenticate(request, user=user, token=self._token(user))
        response = IntakeBatchListApi.as_view()(request)
        if response.status_code != 202:
            raise RuntimeError(f"upload refused: {response.status_code} {response.data}")
        batch = intake_batch_run(batch_id=response.data["id"])
        intake_s = time.perf_counter() - started
        batch = IntakeBatch.objects.get(pk=batch.pk)
        if batch.error_rows:
            first = batch.row_errors.first()
            raise RuntimeError(f"{batch.error_rows} referrals refused, e.g. {first}")
        if committed:
            with connection.cursor() as cursor:
                cursor.execute("TRUNCATE cases_case CASCADE")
        else:
            transaction.savepoint_rollback(sid)

        copy_s = self._copy(lines, rows, committed=committed, actor_id=user.pk)
        people = len(lines)
        table_rows = rows + people + rows  # cases, people, timeline entries
        return {
            "referrals": rows,
            "people": people,
            "created": batch.created_rows,
            "intake_s": intake_s,
            "intake_rate": table_rows / intake_s,
            "referral_rate": rows / intake_s,
            "copy_s": copy_s,
            "copy_rate": table_rows / copy_s,
        }

    def _copy(self, lines: list[dict], rows: int, *, committed: bool, actor_id=None) -> float:
        """COPY the same rows the intake writes: cases, people and each case's timeline entry
        (cases_case, cases_individual, cases_caseevent), triggers in place."""
        location = Location.objects.get(name="Mahama").pk
        usa = Country.objects.get(iso_code="USA")
        cod = Country.objects.get(iso_code="COD").pk
        programme = usa.programmes.get(code="USRAP").pk
        from cases.models import MovementType, SubmissionCategory

        movement = MovementType.objects.get(code="refugee_resettlement").pk
        category = SubmissionCategory.objects.get(code="LPN").pk
        now = timezone.now()
        sid = None if committed else transaction.savepoint()
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence('cases_case', 'id')) "
                "FROM generate_series(1, %s)",
                [rows],
            )
            ids = [row[0] for row in cursor.fetchall()]
            raw = cursor.cursor
            with raw.copy(
                "COPY cases_case (id, unhcr_case_number, location_id, destination_country_id, "
                "programme_id, movement_type_id, submission_category_id, urgency, "
                "referral_date, status, resume_status, status_changed_at, notes, created_at, "
                "updated_at) FROM STDIN"
            ) as copy:
                for index, case_id in enumerate(ids):
                    line = lines[index * 4]
                    copy.write_row(
                        (
                            case_id,
                            line["unhcr_case_number"],
                            location,
                            usa.pk,
                            programme,
                            movement,
                            category,
                            "normal",
                            line["referral_date"],
                            "referred",
                            "",
                            now,
                            "",
                            now,
                            now,
                        )
                    )
            with raw.copy(
                "COPY cases_individual (case_id, given_name, family_name, sex, date_of_birth, "
                "date_of_birth_estimated, nationality_id, relationship, "
                "unhcr_individual_number, languages, special_needs, created_at, updated_at) "
                "FROM STDIN"
            ) as copy:
                for index, line in enumerate(lines):
                    copy.write_row(
                        (
                            ids[index // 4],
                            line["given_name"],
                            line["family_name"],
                            line["sex"],
                            line["date_of_birth"],
                            False,
                            cod,
                            line["relationship"],
                            line["unhcr_individual_number"],
                            line["languages"].split(";"),
                            [],
                            now,
                            now,
                        )
                    )
            # Each case's "created" entry on its timeline, as the intake writes it.
            with raw.copy(
                "COPY cases_caseevent (case_id, kind, actor_id, at, from_status, to_status, "
                "transition, reason, data) FROM STDIN"
            ) as copy:
                for case_id in ids:
                    copy.write_row(
                        (
                            case_id,
                            "created",
                            actor_id,
                            now,
                            "",
                            "referred",
                            "",
                            "",
                            '{"members": 4}',
                        )
                    )
            if not committed:
                # The deferred one-principal check runs at commit: run it now, and count it.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        elapsed = time.perf_counter() - started
        if Case.objects.filter(pk__in=ids[:1]).count() != 1:
            raise RuntimeError("COPY wrote nothing")
        if committed:
            with connection.cursor() as cursor:
                cursor.execute("TRUNCATE cases_case CASCADE")
        else:
            transaction.savepoint_rollback(sid)
        return elapsed

    # -----------------------------------------------------------------------------------------

    def _webhooks(self, user, events: int) -> dict:
        receiver = _Receiver(limit=3 * events)
        try:
            organisation = user.partner_profile.partner_organisation
            endpoint = WebhookEndpoint.objects.create(organisation=organisation, url=receiver.url)
            now = timezone.now()
            WebhookMessage.objects.bulk_create(
                WebhookMessage(
                    endpoint=endpoint,
                    msg_id=f"msg_bench_{index}",
                    event_type="case.status_changed",
                    payload={
                        "type": "case.status_changed",
                        "timestamp": now.isoformat(),
                        "data": {"case_id": index, "from_status": "referred", "to_status": "x"},
                    },
                    created_at=now,
                    next_attempt_at=now,
                )
                for index in range(events)
            )
            messages = list(WebhookMessage.objects.filter(endpoint=endpoint).order_by("id"))

            # The bare loop: the same signed POSTs over one kept-alive connection.
            poster = Poster(receiver.url)
            started = time.perf_counter()
            for message in messages:
                body = message_body(message)
                poster.post(body, signed_headers(endpoint.secret, message.msg_id, body))
            bare_s = time.perf_counter() - started
            poster.close()

            started = time.perf_counter()
            delivered = drain_endpoint(endpoint.pk)
            drain_s = time.perf_counter() - started
        finally:
            receiver.close()
        return {
            "events": events,
            "url": receiver.url,
            "delivered": delivered,
            "drain_s": drain_s,
            "drain_rate": delivered / drain_s if drain_s else 0.0,
            "bare_s": bare_s,
            "bare_rate": events / bare_s,
        }
