"""Webhooks: written to the outbox in the transaction of the change, only for the partners
whose data scope holds the case, delivered signed, retried with backoff, paused, replayed."""

import datetime
import json
import time

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from cases.choices import CaseStatus, InterviewDecision, InterviewOutcome
from cases.interviews.services import interview_record_outcome
from cases.models import Country
from cases.workflow import case_transition
from core.roles import Role
from partners import delivery
from partners.models import OutboxStatus, WebhookDelivery, WebhookEvent, WebhookMessage
from partners.signing import SignatureInvalid, verify
from tests.factories import CaseFactory, InterviewFactory, user_with_role

pytestmark = pytest.mark.django_db

QUERIES_MESSAGE_LIST = 6


@pytest.fixture
def officer(db):
    return user_with_role(Role.CASEWORKER, username="officer")


def test_a_status_change_is_told_only_to_partners_whose_scope_holds_the_case(
    officer, unhcr, us_mission, canada_mission, endpoint_for, django_capture_on_commit_callbacks
):
    unhcr_hook = endpoint_for(unhcr, "http://127.0.0.1:9/unhcr")
    us_hook = endpoint_for(us_mission, "http://127.0.0.1:9/us")
    canada_hook = endpoint_for(canada_mission, "http://127.0.0.1:9/ca")
    case = CaseFactory(destination_country=Country.objects.get(iso_code="USA"))
    with django_capture_on_commit_callbacks() as queued:
        case_transition(case=case, transition="start_pre_screening", actor=officer)
    messages = WebhookMessage.objects.order_by("endpoint_id")
    assert {m.endpoint_id for m in messages} == {unhcr_hook.pk, us_hook.pk}
    assert not WebhookMessage.objects.filter(endpoint=canada_hook).exists()
    payload = messages[0].payload
    assert payload["type"] == WebhookEvent.CASE_STATUS_CHANGED
    assert payload["data"]["case_id"] == case.pk
    assert (payload["data"]["from_status"], payload["data"]["to_status"]) == (
        CaseStatus.REFERRED,
        CaseStatus.PRE_SCREENING,
    )
    assert len(queued) == 2  # one drain per endpoint, after commit


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_leaves_nothing_in_the_outbox(unhcr, endpoint_for, officer):
    from cases.reference_data import load_reference_data

    load_reference_data()  # a transactional test starts from an empty database
    endpoint_for(unhcr, "http://127.0.0.1:9/unhcr")
    case = CaseFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        case_transition(case=case, transition="start_pre_screening", actor=officer)
        raise RuntimeError("something after the step failed")
    assert not WebhookMessage.objects.exists()
    case.refresh_from_db()
    assert case.status == CaseStatus.REFERRED


def test_an_interview_decision_is_an_event_of_its_own(unhcr, endpoint_for):
    endpoint_for(
        unhcr, "http://127.0.0.1:9/unhcr", events=[WebhookEvent.INTERVIEW_DECISION_RECORDED]
    )
    centre = user_with_role(Role.CASEWORKER, username="centre")
    case = CaseFactory()
    interview = InterviewFactory(
        case=case, scheduled_for=timezone.now() - datetime.timedelta(days=2)
    )
    interview_record_outcome(
        actor=centre,
        interview=interview,
        outcome=InterviewOutcome.COMPLETED,
        decision=InterviewDecision.APPROVED,
        decided_on=timezone.localdate(),
    )
    # The endpoint asked only for decisions: the two status changes that followed are not sent.
    message = WebhookMessage.objects.get()
    assert message.event_type == WebhookEvent.INTERVIEW_DECISION_RECORDED
    assert message.payload["data"]["decision"] == InterviewDecision.APPROVED
    assert message.payload["data"]["interview_id"] == interview.pk


def test_messages_are_delivered_signed_the_standard_webhooks_way(
    unhcr, endpoint_for, receiver, officer
):
    hook = endpoint_for(unhcr, receiver.url)
    case = CaseFactory()
    case_transition(case=case, transition="start_pre_screening", actor=officer)
    assert delivery.drain_endpoint(hook.pk) == 1
    headers, body = receiver.received[0]
    message = WebhookMessage.objects.get()
    assert headers["webhook-id"] == message.msg_id
    verify(hook.secret, headers, body)  # raises if not signed with the endpoint's secret
    assert json.loads(body)["data"]["to_status"] == CaseStatus.PRE_SCREENING
    assert message.status == OutboxStatus.DELIVERED
    assert message.deliveries.get().status_code == 204


def test_a_receiver_rejects_a_tampered_body_a_wrong_secret_and_a_replay(unhcr, endpoint_for):
    from partners.signing import signed_headers

    hook = endpoint_for(unhcr, "http://127.0.0.1:9/x")
    body = b'{"type":"case.status_changed"}'
    headers = signed_headers(hook.secret, "msg_1", body)
    verify(hook.secret, headers, body)
    with pytest.raises(SignatureInvalid):
        verify(hook.secret, headers, body.replace(b"case", b"cose"))
    other = endpoint_for(unhcr, "http://127.0.0.1:9/y")
    with pytest.raises(SignatureInvalid):
        verify(other.secret, headers, body)
    with pytest.raises(SignatureInvalid):
        verify(hook.secret, headers, body, now=time.time() + 3600)
    with pytest.raises(SignatureInvalid):
        verify(hook.secret, {k: v for k, v in headers.items() if k != "webhook-id"}, body)


def test_a_failed_delivery_waits_longer_each_time_and_the_endpoint_pauses(
    unhcr, endpoint_for, receiver, officer
):
    receiver.status = 503
    hook = endpoint_for(unhcr, receiver.url)
    case = CaseFactory()
    case_transition(case=case, transition="start_pre_screening", actor=officer)
    message = WebhookMessage.objects.get()
    waits = []
    now = timezone.now()
    with time_machine.travel(now, tick=False) as clock:
        for _attempt in range(3):
            delivery.drain_endpoint(hook.pk)
            message.refresh_from_db()
            waits.append((message.next_attempt_at - timezone.now()).total_seconds())
            assert delivery.drain_endpoint(hook.pk) == 0  # not due yet: nothing sent
            clock.shift(message.next_attempt_at - timezone.now())
    assert waits == [30, 60, 120]
    assert message.status == OutboxStatus.PENDING
    assert WebhookDelivery.objects.filter(message=message, status_code=503).count() == 3
    hook.refresh_from_db()
    assert hook.failures_in_a_row == 3 and hook.paused_at is None

    hook.failures_in_a_row = delivery.PAUSE_AFTER_FAILURES - 1
    hook.save()
    WebhookMessage.objects.update(next_attempt_at=timezone.now())
    delivery.drain_endpoint(hook.pk)
    hook.refresh_from_db()
    assert hook.paused_at is not None
    sent = len(receiver.received)
    WebhookMessage.objects.update(next_attempt_at=timezone.now())
    assert delivery.drain_endpoint(hook.pk) == 0
    assert len(receiver.received) == sent  # paused: nothing more is sent

    receiver.status = 200
    delivery.endpoint_resume(endpoint_ids=[hook.pk])
    assert delivery.drain_endpoint(hook.pk) == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED


def test_a_message_failing_every_attempt_is_failed_and_an_administrator_replays_it(
    unhcr, endpoint_for, receiver, officer, django_capture_on_commit_callbacks
):
    receiver.status = 500
    hook = endpoint_for(unhcr, receiver.url)
    case_transition(case=CaseFactory(), transition="start_pre_screening", actor=officer)
    message = WebhookMessage.objects.get()
    message.attempts = delivery.MAX_ATTEMPTS - 1
    message.save()
    delivery.drain_endpoint(hook.pk)
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED
    receiver.status = 204
    with django_capture_on_commit_callbacks(execute=True):
        assert delivery.message_replay(message_ids=[message.pk]) == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED
    ids = {headers["webhook-id"] for headers, _body in receiver.received}
    assert ids == {message.msg_id}  # the same id: the receiver can tell it is the same event


def test_the_sweep_queues_endpoints_with_messages_due(unhcr, endpoint_for, officer):
    from partners.tasks import webhook_sweep

    hook = endpoint_for(unhcr, "http://127.0.0.1:9/x")
    case_transition(case=CaseFactory(), transition="start_pre_screening", actor=officer)
    assert delivery.endpoints_due() == [hook.pk]
    WebhookMessage.objects.update(next_attempt_at=timezone.now() + datetime.timedelta(hours=1))
    assert delivery.endpoints_due() == []
    assert webhook_sweep() == 0


def test_a_partner_lists_and_replays_only_its_own_messages(
    unhcr, canada_mission, endpoint_for, officer, unhcr_client, canada_client
):
    endpoint_for(unhcr, "http://127.0.0.1:9/x")
    case_transition(case=CaseFactory(), transition="start_pre_screening", actor=officer)
    message = WebhookMessage.objects.get()
    mine = unhcr_client.get("/api/v1/webhook-messages/")
    assert mine.status_code == 200
    assert [row["msg_id"] for row in mine.json()["results"]] == [message.msg_id]
    assert canada_client.get("/api/v1/webhook-messages/").json()["count"] == 0
    refused = canada_client.post(f"/api/v1/webhook-messages/{message.pk}/replay/")
    assert refused.status_code == 404
    message.refresh_from_db()
    assert message.attempts == 0


def test_the_message_list_has_a_fixed_number_of_queries(
    unhcr, endpoint_for, officer, unhcr_client, django_assert_num_queries
):
    endpoint_for(unhcr, "http://127.0.0.1:9/x")
    case_transition(case=CaseFactory(), transition="start_pre_screening", actor=officer)
    with django_assert_num_queries(QUERIES_MESSAGE_LIST):
        assert unhcr_client.get("/api/v1/webhook-messages/").json()["count"] == 1
    for case in CaseFactory.create_batch(3):
        case_transition(case=case, transition="start_pre_screening", actor=officer)
    with django_assert_num_queries(QUERIES_MESSAGE_LIST):
        assert unhcr_client.get("/api/v1/webhook-messages/").json()["count"] == 4
