"""Delivering the webhook outbox: signed POSTs, retries with exponential backoff, pausing an
endpoint that keeps failing, and the administrator's replay.

A drain takes the due messages of one endpoint in batches, oldest first, locked with SKIP
LOCKED (two workers never send one message twice at once), posts each on one kept-alive
connection, and writes the outcome of the batch in three statements (the deliveries, the
delivered messages, the endpoint). The first failure ends the drain: the endpoint is down or
refusing, and the message waits out its backoff; the others stay due for the next drain.
"""

from __future__ import annotations

import datetime
import http.client
import json
import time
import urllib.parse
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from .models import OutboxStatus, WebhookDelivery, WebhookEndpoint, WebhookMessage
from .signing import signed_headers

BATCH = 500
TIMEOUT_SECONDS = 10
MAX_ATTEMPTS = 8
# An endpoint is paused after this many failed attempts in a row (any messages).
PAUSE_AFTER_FAILURES = 10
FIRST_BACKOFF_SECONDS = 30
MAX_BACKOFF_SECONDS = 6 * 60 * 60


def backoff(attempts: int) -> datetime.timedelta:
    """Wait before the next attempt after `attempts` failed ones: 30 s, 1 min, 2 min, ... 6 h."""
    seconds = FIRST_BACKOFF_SECONDS * 2 ** max(0, attempts - 1)
    return datetime.timedelta(seconds=min(seconds, MAX_BACKOFF_SECONDS))


def message_body(message: WebhookMessage) -> bytes:
    return json.dumps(message.payload, cls=DjangoJSONEncoder, separators=(",", ":")).encode()


@dataclass
class Answer:
    status_code: int | None
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class Poster:
    """POSTs to one endpoint over one kept-alive connection (never follows redirects)."""

    def __init__(self, url: str, timeout: float = TIMEOUT_SECONDS):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url}")
        self.parts = parts
        self.timeout = timeout
        self.path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.connection = None

    def _connect(self):
        cls = (
            http.client.HTTPSConnection
            if self.parts.scheme == "https"
            else http.client.HTTPConnection
        )
        return cls(self.parts.hostname, self.parts.port, timeout=self.timeout)

    def post(self, body: bytes, headers: dict) -> Answer:
        started = time.perf_counter()
        for retry in (False, True):
            if self.connection is None:
                self.connection = self._connect()
            try:
                self.connection.request("POST", self.path, body=body, headers=headers)
                response = self.connection.getresponse()
                response.read(64 * 1024)
                if response.will_close:
                    self.close()
                return Answer(response.status, "", _ms(started))
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A kept-alive connection the server closed meanwhile: once more, afresh.
                self.close()
                if retry:
                    return Answer(None, "connection closed by the receiver", _ms(started))
            except (OSError, http.client.HTTPException) as error:
                self.close()
                return Answer(None, f"{type(error).__name__}: {error}"[:500], _ms(started))
        return Answer(None, "unreachable", _ms(started))  # pragma: no cover

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


def drain_endpoint(endpoint_id: int, *, poster: Poster | None = None) -> int:
    """Deliver the due messages of one endpoint; returns how many were delivered."""
    holder = {"poster": poster}
    delivered = 0
    try:
        while True:
            sent, stop = _drain_batch(endpoint_id, holder)
            delivered += sent
            if stop:
                return delivered
    finally:
        if poster is None and holder["poster"] is not None:
            holder["poster"].close()


def _drain_batch(endpoint_id: int, holder: dict) -> tuple[int, bool]:
    now = timezone.now()
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().filter(pk=endpoint_id).first()
        if endpoint is None or not endpoint.is_active or endpoint.paused_at is not None:
            return 0, True
        batch = list(
            WebhookMessage.objects.select_for_update(skip_locked=True)
            .filter(endpoint=endpoint, status=OutboxStatus.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")[:BATCH]
        )
        if not batch:
            return 0, True
        if holder["poster"] is None:
            holder["poster"] = Poster(endpoint.url)
        poster = holder["poster"]
        deliveries, done, failed = [], [], None
        for message in batch:
            body = message_body(message)
            answer = poster.post(body, signed_headers(endpoint.secret, message.msg_id, body))
            message.attempts += 1
            deliveries.append(
                (
                    message.pk,
                    message.attempts,
                    timezone.now(),
                    answer.status_code,
                    answer.error,
                    answer.duration_ms,
                )
            )
            if answer.ok:
                message.status = OutboxStatus.DELIVERED
                message.delivered_at = timezone.now()
                done.append(message)
            else:
                failed = message
                break
        _log_deliveries(deliveries)
        if done:
            # One statement for the batch (bulk_update's CASE per row cost more than the POSTs).
            WebhookMessage.objects.filter(pk__in=[m.pk for m in done]).update(
                status=OutboxStatus.DELIVERED,
                attempts=F("attempts") + 1,
                delivered_at=timezone.now(),
            )
        if failed is None:
            if endpoint.failures_in_a_row:
                endpoint.failures_in_a_row = 0
                endpoint.save(update_fields=["failures_in_a_row"])
            return len(done), len(batch) < BATCH
        _record_failure(endpoint, failed)
        return len(done), True


def _log_deliveries(rows: list[tuple]) -> None:
    """The batch's delivery log in one statement (building a model object per attempt cost
    about as much as the POSTs themselves: bench_partners)."""
    columns = list(zip(*rows, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {WebhookDelivery._meta.db_table} "  # noqa: S608 (our own table name)
            "(message_id, attempt, at, status_code, error, duration_ms) "
            "SELECT * FROM unnest(%s::bigint[], %s::int[], %s::timestamptz[], %s::int[], "
            "%s::text[], %s::int[])",
            [list(column) for column in columns],
        )


def _record_failure(endpoint: WebhookEndpoint, message: WebhookMessage) -> None:
    if message.attempts >= MAX_ATTEMPTS:
        message.status = OutboxStatus.FAILED
    else:
        message.next_attempt_at = timezone.now() + backoff(message.attempts)
    message.save(update_fields=["status", "attempts", "next_attempt_at"])
    endpoint.failures_in_a_row += 1
    fields = ["failures_in_a_row"]
    if endpoint.failures_in_a_row >= PAUSE_AFTER_FAILURES:
        endpoint.paused_at = timezone.now()
        fields.append("paused_at")
    endpoint.save(update_fields=fields)


def endpoints_due() -> list[int]:
    """Endpoints with a message due now and deliveries not paused (for the periodic sweep)."""
    return list(
        WebhookMessage.objects.filter(
            status=OutboxStatus.PENDING,
            next_attempt_at__lte=timezone.now(),
            endpoint__is_active=True,
            endpoint__paused_at__isnull=True,
        )
        .order_by()
        .values_list("endpoint_id", flat=True)
        .distinct()
    )


def message_replay(*, message_ids: list[int]) -> int:
    """An administrator's replay: the messages are due again now (delivered ones are sent once
    more, with the same `webhook-id`); returns how many. Their endpoints' drains are queued."""
    from core.background import enqueue_on_commit

    from .tasks import webhook_drain

    with transaction.atomic():
        messages = WebhookMessage.objects.filter(pk__in=message_ids)
        endpoint_ids = set(messages.values_list("endpoint_id", flat=True))
        count = messages.update(
            status=OutboxStatus.PENDING, next_attempt_at=timezone.now(), attempts=0
        )
        for endpoint_id in sorted(endpoint_ids):
            enqueue_on_commit(webhook_drain, endpoint_id)
    return count


def endpoint_resume(*, endpoint_ids: list[int]) -> int:
    """Resume paused endpoints: deliveries start again with what waited."""
    from core.background import enqueue_on_commit

    from .tasks import webhook_drain

    with transaction.atomic():
        count = WebhookEndpoint.objects.filter(pk__in=endpoint_ids).update(
            paused_at=None, failures_in_a_row=0
        )
        WebhookMessage.objects.filter(
            endpoint_id__in=endpoint_ids, status=OutboxStatus.PENDING
        ).update(next_attempt_at=timezone.now())
        for endpoint_id in sorted(endpoint_ids):
            enqueue_on_commit(webhook_drain, endpoint_id)
    return count
