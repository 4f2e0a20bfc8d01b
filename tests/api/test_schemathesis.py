"""Schemathesis against our own OpenAPI schema, through the WSGI application (no server).

Every operation of /api/v1/ is called with generated input, valid and invalid, by a session of
each staff role and a token of each partner scope. Every answer must be no 5xx, a status the
schema documents for the operation, of the documented content type and matching the documented
body. An endpoint added later is fuzzed from its first day: it only has to be in the schema.

Path ids are drawn from records that exist (and one that does not), so reads answer 200 with
real bodies; the rest of the input is generated. Examples per operation are few (EXAMPLES) to
keep the run within a couple of minutes (SCHEMATHESIS_EXAMPLES=50 for a deeper run by hand);
failures are gathered and reported together.
"""

from __future__ import annotations

import datetime
import json
import os
import secrets

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from oauth2_provider.models import AccessToken, Application
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cases.choices import CaseStatus, PartnerKind
from core.roles import STAFF_ROLES, Role
from tests.factories import CaseFactory, InterviewFactory, user_with_role
from tests.medical.factories import (
    ClearedAssessmentFactory,
    PreEmbarkationCheckFactory,
    VaccinationFactory,
)

pytestmark = pytest.mark.django_db

# Per operation and generation mode; SCHEMATHESIS_EXAMPLES=50 for a deeper run by hand.
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "5"))
ABSENT_ID = 2_000_000_000
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
PARTNER_SCOPES = [
    "cases:read",
    "cases:write",
    "interviews:write",
    "medical:read",
    "movements:read",
    "movements:write",
]


def _schema_dict() -> dict:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema))


def _records() -> dict[str, list[int]]:
    """A few records of each kind; their ids are the path ids the operations are called with."""
    case = CaseFactory(status=CaseStatus.HEALTH_ASSESSMENT)
    other = CaseFactory(status=CaseStatus.PRE_SCREENING, caseworker=None)
    member = case.members.first()
    interview = InterviewFactory(case=other)
    assessment = ClearedAssessmentFactory(individual=member)
    VaccinationFactory(individual=member)
    PreEmbarkationCheckFactory(individual=member)
    from orientation.models import OrientationSession

    sessions = list(OrientationSession.objects.values_list("pk", flat=True)[:1])
    partner_files, partner_messages, partner_endpoints = _partner_records(case)
    notice_booking, notice = _notice_records()
    return {
        "/api/v1/webhook-endpoints/": partner_endpoints,
        # Sending a booking's notice, re-sending and reading a notice: on records that exist.
        "/api/v1/movements/bookings/{id}/notice/": [notice_booking],
        "/api/v1/movements/notices/": [notice],
        "/api/v1/referral-files/": partner_files,
        "/api/v1/webhook-messages/": partner_messages,
        "/api/v1/cases/{id}/members/{member_pk}/": [member.pk],
        "/api/v1/cases/": [case.pk, other.pk],
        "/api/v1/individuals/": [member.pk],
        "/api/v1/interviews/": [interview.pk],
        "/api/v1/medical/assessments/": [assessment.pk],
        "/api/v1/orientation/sessions/": sessions,
    }


def _notice_records() -> tuple[int, int]:
    """A booking not notified yet (its notice can be sent), and a failed notice of another (it
    can be sent again); the mission of their country has an address."""
    from movements.models import BookingNotice
    from tests.movements.booked import booked_case, mission

    mission()
    day = timezone.localdate() + datetime.timedelta(days=10)
    fresh, notified = booked_case(day=day), booked_case(day=day)
    failed = BookingNotice.objects.create(
        booking=notified,
        sequence=1,
        kind="original",
        status="failed",
        recipient="abn@usmission.example",
        subject="Advance booking notification #1",
        body="-",
    )
    return fresh.pk, failed.pk


def _pin_path_ids(schema: dict, records: dict[str, list[int]]) -> None:
    """Draw each path id from records that exist, or ABSENT_ID."""
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] != "path":
                    continue
                if parameter["name"] == "member_pk":
                    ids = records["/api/v1/cases/{id}/members/{member_pk}/"]
                else:
                    prefix = next((p for p in records if path.startswith(p)), None)
                    ids = records.get(prefix) or []
                parameter["schema"] = {"type": "integer", "enum": [*ids, ABSENT_ID]}


# Each kind of partner organisation (partners' data scopes), with the scopes its token holds.
PARTNER_KINDS = {
    PartnerKind.UNHCR: ("cases:read cases:write webhooks:manage", ()),
    PartnerKind.SUPPORT_CENTRE: ("cases:read interviews:write webhooks:manage", ("USA",)),
    PartnerKind.MISSION: ("cases:read movements:read movements:write webhooks:manage", ("CAN",)),
}


def _partner_records(case) -> tuple[list[int], list[int], list[int]]:
    """A referral file, a webhook message and its endpoint of the UNHCR organisation (the fuzzed
    partners)."""
    from partners.models import IntakeBatch, WebhookEndpoint, WebhookMessage
    from tests.partners.conftest import account, organisation

    accounts = {
        kind: account(organisation(f"fuzz {kind}", kind, *countries), f"fuzz_{kind}")
        for kind, (_scopes, countries) in PARTNER_KINDS.items()
    }
    unhcr = accounts[PartnerKind.UNHCR]
    batch = IntakeBatch.objects.create(
        created_by=unhcr, format="csv", content=b"", status="done", total_rows=1
    )
    endpoint = WebhookEndpoint.objects.create(
        organisation=unhcr.partner_profile.partner_organisation, url="http://127.0.0.1:9/x"
    )
    message = WebhookMessage.objects.create(
        endpoint=endpoint,
        msg_id="msg_fuzz",
        event_type="case.status_changed",
        payload={"type": "case.status_changed", "data": {"case_id": case.pk}},
    )
    return [batch.pk], [message.pk], [endpoint.pk]


def _token(user, scope: str) -> str:
    application = Application.objects.create(
        name=f"{user.username} {scope}",
        user=user,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
    )
    token = secrets.token_urlsafe(24)
    AccessToken.objects.create(
        user=user,
        application=application,
        token=token,
        expires=timezone.now() + datetime.timedelta(hours=1),
        scope=scope,
    )
    return token


def _callers() -> dict[str, dict]:
    """How each caller calls: a session of each staff role (cookies, and the CSRF header its
    writes need), a token of each partner scope."""
    callers = {}
    for role in sorted(STAFF_ROLES):
        client = Client()
        client.force_login(user_with_role(role, username=f"fuzz_{role}"))
        csrf = _get_new_csrf_string()
        session = client.cookies["sessionid"].value
        callers[f"session:{role}"] = {
            "cookies": {"sessionid": session, "csrftoken": csrf},
            "headers": {"X-CSRFToken": csrf},
        }
    partner = user_with_role(Role.PARTNER_SYSTEM, username="fuzz_partner")
    for scope in PARTNER_SCOPES:
        callers[f"token:{scope}"] = {
            "headers": {"Authorization": f"Bearer {_token(partner, scope)}"}
        }
    # A token of each kind of partner organisation, limited to its data scope.
    from django.contrib.auth import get_user_model

    for kind, (scopes, _countries) in PARTNER_KINDS.items():
        user = get_user_model().objects.get(username=f"fuzz_{kind}")
        callers[f"token:{kind}"] = {"headers": {"Authorization": f"Bearer {_token(user, scopes)}"}}
    # A deactivated mission's token, issued before it was deactivated: refused everywhere.
    from cases.models import PartnerOrganisation
    from tests.partners.conftest import account, organisation

    gone = organisation("fuzz inactive mission", PartnerKind.MISSION, "CAN")
    inactive = account(gone, "fuzz_inactive_mission")
    token = _token(inactive, PARTNER_KINDS[PartnerKind.MISSION][0])
    PartnerOrganisation.objects.filter(pk=gone.pk).update(is_active=False)
    callers["token:inactive_mission"] = {"headers": {"Authorization": f"Bearer {token}"}}
    return callers


@pytest.fixture
def wsgi_app():
    """Django's WSGI handler in the test's transaction: like Django's test client, it must not
    close the connection at the end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _describe(error) -> str:
    if isinstance(error, BaseExceptionGroup):
        return "\n".join(_describe(e) for e in error.exceptions)
    return str(error)[:1500]


def _fuzz(operation, mode, callers, failures: dict[str, list[str]]) -> None:
    strategy = operation.as_strategy(generation_mode=mode)

    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case):
        for name, how in callers.items():
            try:
                case.call_and_validate(checks=CHECKS, **how)
            # Schemathesis raises a FailureGroup (a BaseExceptionGroup): gathered, reported below.
            except (Exception, BaseExceptionGroup) as error:
                where = f"{operation.label} ({mode.value} input)"
                failures.setdefault(f"{where}:\n{_describe(error)}", []).append(name)

    run()


def _resolve_without_dns(real):
    """Webhook URLs are resolved when saved (partners.outgoing): generated host names resolve to
    a public address at once instead of waiting on DNS; addresses and localhost as usual."""
    import ipaddress
    import socket

    def resolve(host, port, *args, **kwargs):
        try:
            ipaddress.ip_address(str(host).strip("[]"))
        except ValueError:
            if host not in ("localhost",):
                return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port))]
        return real(host, port, *args, **kwargs)

    return resolve


def test_every_operation_keeps_to_the_schema_for_every_caller(wsgi_app, monkeypatch):
    import socket

    monkeypatch.setattr(socket, "getaddrinfo", _resolve_without_dns(socket.getaddrinfo))
    records = _records()
    schema_dict = _schema_dict()
    _pin_path_ids(schema_dict, records)
    schema = schemathesis.openapi.from_dict(schema_dict)
    schema.app = wsgi_app
    callers = _callers()
    failures: dict[str, list[str]] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, mode, callers, failures)
    # Each distinct fault once, with the callers who met it.
    report = [f"{fault}\n  callers: {', '.join(names)}" for fault, names in failures.items()]
    assert not report, f"{len(report)} failures:\n\n" + "\n\n".join(report[:30])
