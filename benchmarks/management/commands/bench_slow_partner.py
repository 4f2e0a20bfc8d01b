"""A slow partner must not stall the office: workflow steps and reads while webhook drains wait
on a receiver that answers after `--delay` seconds, against the same with no drain running.

    manage.py bench_slow_partner [--steps 40] [--delay 10] [--drains 2] [--database-name NAME]

In a scratch database (bench_demo_data's, created, migrated and dropped): a UNHCR organisation
with an endpoint on a local receiver that sleeps `--delay` seconds before answering, and a
backlog of due messages. Each of `--steps` rounds times one workflow step (a case's transition,
which writes its event to the outbox of the slow endpoint) and one API read (the case list as a
caseworker). First with no drain running, then with `--drains` drains posting to the slow
receiver in threads. Prints each p50/p95, their ratio (target: p95 within 1.5x) and how many
answers were 5xx (target: none). The drains a step would queue are counted, not sent to the
broker (the drains here are the threads).
"""

from __future__ import annotations

import http.server
import statistics
import threading
import time
import uuid

from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client

from cases.choices import PartnerKind
from cases.models import Case, PartnerOrganisation
from cases.reference_data import load_reference_data
from cases.workflow import case_transition
from core.roles import Role

TARGET = 1.5


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


class _SlowReceiver:
    def __init__(self, delay: float):
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                self.rfile.read(int(self.headers.get("content-length", 0)))
                time.sleep(delay)
                self.send_response(204)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Command(BaseCommand):
    help = "Workflow steps and reads while webhook drains wait on a slow partner, vs none."

    def add_arguments(self, parser):
        parser.add_argument("--steps", type=int, default=40)
        parser.add_argument("--delay", type=float, default=10.0)
        parser.add_argument("--drains", type=int, default=2)
        parser.add_argument("--database-name", default="")

    def handle(self, *args, steps, delay, drains, **options):
        from benchmarks.management.commands.bench_demo_data import scratch_database

        name = options["database_name"] or f"{connection.settings_dict['NAME']}_bench_slow"
        with scratch_database(name, replace=True, stdout=self.stdout):
            self._run(steps, delay, drains)

    def _run(self, steps, delay, drains):
        from partners import delivery, outbox
        from partners.delivery import drain_endpoint
        from partners.models import WebhookEndpoint, WebhookMessage
        from tests.factories import CaseFactory, user_with_role

        load_reference_data()
        queued = []
        outbox._queue_drains = queued.append  # the drains here are the threads below
        # Small batches, so the drains stop soon after the rounds (each POST waits `delay`).
        delivery.BATCH = 2
        officer = user_with_role(Role.CASEWORKER, username=f"bench-{uuid.uuid4().hex[:6]}")
        reader = Client(HTTP_HOST="localhost")
        reader.force_login(officer)
        organisation = PartnerOrganisation.objects.create(
            name=f"Bench UNHCR {uuid.uuid4().hex[:6]}", kind=PartnerKind.UNHCR
        )
        receiver = _SlowReceiver(delay)
        endpoint = WebhookEndpoint.objects.create(organisation=organisation, url=receiver.url)
        cases = CaseFactory.create_batch(2 * steps)
        self.stdout.write(f"Receiver answers after {delay:.1f} s; {steps} rounds each way.")
        try:
            quiet = self._rounds(cases[:steps], officer, reader)
            WebhookMessage.objects.bulk_create(
                WebhookMessage(
                    endpoint=endpoint,
                    msg_id=f"msg_bench_{n}_{uuid.uuid4().hex[:8]}",
                    event_type="case.status_changed",
                    payload={"n": n},
                )
                for n in range(200)
            )
            stop = threading.Event()

            def drain():
                try:
                    while not stop.is_set():
                        drain_endpoint(endpoint.pk)
                        time.sleep(0.1)
                finally:
                    connection.close()

            threads = [threading.Thread(target=drain, daemon=True) for _ in range(drains)]
            for thread in threads:
                thread.start()
            time.sleep(1.0)  # the drains are waiting on the partner now
            busy = self._rounds(cases[steps:], officer, reader)
            stop.set()
            self.stdout.write("Waiting for the drains to finish their POST ...")
            for thread in threads:
                thread.join()
        finally:
            receiver.close()
        for what in ("step", "read"):
            q, b = quiet[what], busy[what]
            ratio = _p95(b) / _p95(q)
            verdict = "meets" if ratio <= TARGET else "misses"
            self.stdout.write(
                f"  {what:4}: no drain p50 {statistics.median(q) * 1000:.1f} ms, "
                f"p95 {_p95(q) * 1000:.1f} ms | slow partner draining p50 "
                f"{statistics.median(b) * 1000:.1f} ms, p95 {_p95(b) * 1000:.1f} ms "
                f"| p95 ratio {ratio:.2f} ({verdict} {TARGET}x)"
            )
        errors = quiet["errors"] + busy["errors"]
        self.stdout.write(f"  server errors: {errors} (target: none)")
        self.stdout.write(f"  events written to the slow endpoint's outbox: {len(queued)} steps")

    def _rounds(self, cases: list[Case], officer, reader) -> dict:
        result = {"step": [], "read": [], "errors": 0}
        for case in cases:
            started = time.perf_counter()
            try:
                case_transition(case=case, transition="start_pre_screening", actor=officer)
            except Exception:
                result["errors"] += 1
            result["step"].append(time.perf_counter() - started)
            started = time.perf_counter()
            answer = reader.get("/api/v1/cases/?page_size=50")
            result["read"].append(time.perf_counter() - started)
            if answer.status_code >= 500:
                result["errors"] += 1
        return result
