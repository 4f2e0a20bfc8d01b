import http.server
import socket
import threading

import pytest

from cases.choices import PartnerKind
from cases.models import Country, PartnerOrganisation, PartnerProfile
from core.roles import Role
from partners.models import WebhookEndpoint
from tests.api_clients import bearer_client
from tests.factories import user_with_role

# A public address for the made-up hosts of the tests (no DNS on the test machines).
PUBLIC_ADDRESS = "93.184.215.14"
_real_getaddrinfo = socket.getaddrinfo


def _getaddrinfo(host, port, *args, **kwargs):
    if isinstance(host, str) and host.endswith((".example", ".example.org", ".example.com")):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (PUBLIC_ADDRESS, port or 443))]
    return _real_getaddrinfo(host, port, *args, **kwargs)


@pytest.fixture(autouse=True)
def _made_up_hosts_resolve(monkeypatch):
    """Webhook URLs are resolved when saved (partners.outgoing): the tests' example hosts
    resolve to a public address, every other name as usual."""
    monkeypatch.setattr("partners.outgoing.socket.getaddrinfo", _getaddrinfo)


def organisation(name, kind, *isos):
    org = PartnerOrganisation.objects.create(name=name, kind=kind)
    if isos:
        org.countries.set(Country.objects.filter(iso_code__in=isos))
    return org


def account(org, username):
    user = user_with_role(Role.PARTNER_SYSTEM, username=username)
    PartnerProfile.objects.create(user=user, organisation=org.name, partner_organisation=org)
    return user


@pytest.fixture
def unhcr(db):
    return organisation("UNHCR Rwanda", PartnerKind.UNHCR)


@pytest.fixture
def support_centre(db):
    return organisation("RSC Africa", PartnerKind.SUPPORT_CENTRE, "USA")


@pytest.fixture
def us_mission(db):
    return organisation("US Embassy Kigali", PartnerKind.MISSION, "USA")


@pytest.fixture
def canada_mission(db):
    return organisation("High Commission of Canada", PartnerKind.MISSION, "CAN")


@pytest.fixture
def unhcr_account(unhcr):
    return account(unhcr, "unhcr-system")


@pytest.fixture
def unhcr_client(unhcr_account):
    return bearer_client(unhcr_account, "cases:read cases:write webhooks:manage")


@pytest.fixture
def canada_account(canada_mission):
    return account(canada_mission, "canada-system")


@pytest.fixture
def canada_client(canada_account):
    return bearer_client(canada_account, "cases:read webhooks:manage")


class Receiver:
    """A webhook receiver on 127.0.0.1 that records what it is sent and answers `status`."""

    def __init__(self):
        self.received = []
        self.status = 204
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                length = int(self.headers.get("content-length", 0))
                body = self.rfile.read(length)
                outer.received.append((dict(self.headers.items()), body))
                self.send_response(outer.status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def endpoint_for():
    def make(org, url, events=()):
        return WebhookEndpoint.objects.create(organisation=org, url=url, events=list(events))

    return make
