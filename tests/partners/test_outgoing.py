"""Outgoing webhooks cannot be aimed inward (partners.outgoing), and the drain holds no lock
while it waits on a partner (partners.delivery)."""

import http.server
import socket
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings

from cases.workflow import case_transition
from core.roles import Role
from partners import delivery
from partners.models import OutboxStatus, WebhookDelivery, WebhookEndpoint, WebhookMessage
from partners.outgoing import webhook_url_problem
from tests.factories import CaseFactory, user_with_role

from .conftest import Receiver

PRODUCTION_RULES = override_settings(WEBHOOK_ALLOW_HTTP=False, WEBHOOK_ALLOW_LOOPBACK=False)

REFUSED = [
    "http://partner.example/hook",  # plain http
    "ftp://partner.example/hook",
    "file:///etc/passwd",
    "https://user:secret@partner.example/hook",
    "https://user@partner.example/hook",
    "https://127.0.0.1/hook",
    "https://127.0.0.1:6379/",  # the app's own Redis
    "https://127.0.0.1:5432/",  # and PostgreSQL
    "https://localhost/hook",
    "https://0.0.0.0/hook",
    "https://10.0.0.8/hook",
    "https://172.16.4.1/hook",
    "https://192.168.1.1/hook",
    "https://169.254.169.254/latest/meta-data/",  # cloud metadata
    "https://100.64.0.1/hook",  # carrier-grade NAT
    "https://[::1]/hook",
    "https://[fe80::1]/hook",
    "https://[fd00::1]/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://224.0.0.1/hook",
    "https://no-such-host.invalid/hook",
    "https:///hook",
    "not a url",
]


@PRODUCTION_RULES
@pytest.mark.parametrize("url", REFUSED)
def test_inward_or_unsafe_urls_are_refused(url):
    assert webhook_url_problem(url) is not None


@PRODUCTION_RULES
def test_a_public_https_url_is_taken():
    assert webhook_url_problem("https://partner.example/hooks?x=1") is None


@PRODUCTION_RULES
def test_a_name_that_resolves_to_a_private_address_is_refused(monkeypatch):
    def resolve(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port))]

    monkeypatch.setattr("partners.outgoing.socket.getaddrinfo", resolve)
    assert "private" in webhook_url_problem("https://innocent.example/hook")


@PRODUCTION_RULES
@pytest.mark.django_db
def test_the_model_refuses_an_inward_url_at_every_save_through_full_clean(unhcr):
    endpoint = WebhookEndpoint(organisation=unhcr, url="https://169.254.169.254/")
    with pytest.raises(ValidationError) as refused:
        endpoint.full_clean()
    assert "url" in refused.value.message_dict


@pytest.fixture
def loopback_receiver():
    server = Receiver()
    yield server
    server.close()


@PRODUCTION_RULES
@pytest.mark.django_db
def test_delivery_refuses_at_connect_time_what_resolves_inward(
    unhcr, loopback_receiver, monkeypatch
):
    """Saved while it resolved to a public address, the name now resolves to loopback (DNS
    rebinding): the connection is refused, the receiver is sent nothing."""
    port = loopback_receiver.server.server_address[1]
    endpoint = WebhookEndpoint.objects.create(
        organisation=unhcr, url=f"https://rebind.example:{port}/hook"
    )
    message = WebhookMessage.objects.create(
        endpoint=endpoint, msg_id="msg_rebind", event_type="case.status_changed", payload={}
    )

    def resolve(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr("socket.getaddrinfo", resolve)
    assert delivery.drain_endpoint(endpoint.pk) == 0
    assert loopback_receiver.received == []
    attempt = WebhookDelivery.objects.get(message=message)
    assert attempt.status_code is None
    assert "127.0.0.1" in attempt.error or "Invalid" in attempt.error


@PRODUCTION_RULES
@pytest.mark.django_db
def test_an_old_http_or_credentialed_url_is_not_posted_to(unhcr, loopback_receiver):
    endpoint = WebhookEndpoint.objects.create(organisation=unhcr, url=loopback_receiver.url)
    WebhookMessage.objects.create(
        endpoint=endpoint, msg_id="msg_old_url", event_type="case.status_changed", payload={}
    )
    assert delivery.drain_endpoint(endpoint.pk) == 0
    assert loopback_receiver.received == []


@pytest.mark.django_db
def test_redirects_are_never_followed(unhcr, loopback_receiver):
    target = loopback_receiver

    class Redirect(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            self.rfile.read(int(self.headers.get("content-length", 0)))
            self.send_response(307)
            self.send_header("location", target.url)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        endpoint = WebhookEndpoint.objects.create(
            organisation=unhcr, url=f"http://127.0.0.1:{server.server_address[1]}/hook"
        )
        message = WebhookMessage.objects.create(
            endpoint=endpoint, msg_id="msg_redirect", event_type="case.status_changed", payload={}
        )
        assert delivery.drain_endpoint(endpoint.pk) == 0
    finally:
        server.shutdown()
        server.server_close()
    assert target.received == []
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING
    assert WebhookDelivery.objects.get(message=message).status_code == 307


class SlowReceiver(Receiver):
    """Answers after `delay` seconds."""

    def __init__(self, delay: float):
        super().__init__()
        handler = self.server.RequestHandlerClass
        original = handler.do_POST

        def slow(handler_self):
            time.sleep(delay)
            original(handler_self)

        handler.do_POST = slow


@pytest.mark.django_db(transaction=True)
def test_a_case_write_is_not_blocked_while_the_drain_waits_on_a_slow_partner(monkeypatch):
    from cases.reference_data import load_reference_data
    from tests.partners.conftest import organisation

    load_reference_data()  # a transactional test starts from an empty database
    # Tasks run eagerly in tests: the drains a write queues are noted, not run in its thread.
    queued = []
    monkeypatch.setattr("partners.outbox._queue_drains", queued.append)
    officer = user_with_role(Role.CASEWORKER, username="officer-slow")
    unhcr = organisation("UNHCR slow", "unhcr")
    slow = SlowReceiver(delay=2.0)
    try:
        endpoint = WebhookEndpoint.objects.create(organisation=unhcr, url=slow.url)
        cases = CaseFactory.create_batch(2)
        # The first change is queued for the slow partner (tasks run eagerly in tests: the
        # drain is started by hand in a thread instead).
        WebhookMessage.objects.create(
            endpoint=endpoint, msg_id="msg_slow", event_type="case.status_changed", payload={}
        )
        drained = {}

        def drain():
            try:
                drained["count"] = delivery.drain_endpoint(endpoint.pk)
            finally:
                connection.close()

        thread = threading.Thread(target=drain)
        thread.start()
        time.sleep(0.5)  # the drain is now waiting on the partner
        assert thread.is_alive()
        started = time.perf_counter()
        # A workflow step that emits an event for the same endpoint, and a read, meanwhile.
        from django.db import transaction

        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '1s'")
            case_transition(case=cases[0], transition="start_pre_screening", actor=officer)
        took = time.perf_counter() - started
        thread.join(timeout=30)
        assert took < 1.0, took
        assert queued == [{endpoint.pk}]  # the write told the endpoint of its event
        assert WebhookMessage.objects.filter(endpoint=endpoint).count() == 2
        assert drained["count"] >= 1
        assert len(slow.received) >= 1
    finally:
        slow.close()
