"""Delivering the webhook outbox: signed POSTs, retries with exponential backoff, pausing an
endpoint that keeps failing, and the administrator's replay.

No lock is held while a partner is waited on. A drain takes the due messages of one endpoint in
small batches, oldest first, in three steps:

1. claim (a short transaction): the due messages are selected with SKIP LOCKED and leased (their
   `next_attempt_at` moved past the time the batch may take), so a second drain skips them;
2. POST each, outside any transaction, on one kept-alive connection (partners.outgoing: https,
   public addresses only, pinned, no redirects); the first failure ends the batch;
3. record (a second short transaction): the deliveries, the delivered messages, the failure
   and the endpoint's count, in a few statements.

A worker that dies between 1 and 3 leaves its messages leased: they are due again when the
lease ends and are sent again with the same `webhook-id` (the receiver ignores a message it has).
"""

from __future__ import annotations

import datetime
import json
import time
from dataclasses import dataclass

import requests
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from .models import OutboxStatus, WebhookDelivery, WebhookEndpoint, WebhookMessage
from .outgoing import hardened_session, webhook_url_problem
from .signing import signed_headers

BATCH = 20
TIMEOUT_SECONDS = 10
MAX_ATTEMPTS = 8
# An endpoint is paused after this many failed attempts in a row (any messages).
PAUSE_AFTER_FAILURES = 10
FIRST_BACKOFF_SECONDS = 30
MAX_BACKOFF_SECONDS = 6 * 60 * 60
# A drain stops after this long and queues another (well within the task's time limit).
DRAIN_SECONDS = 8 * 60


def lease() -> datetime.timedelta:
    """How long a claimed batch is kept from other drains: every POST timing out, and a margin."""
    return datetime.timedelta(seconds=BATCH * (TIMEOUT_SECONDS + 5) + 60)


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
    """POSTs to one endpoint over one kept-alive connection, through partners.outgoing: the URL
    and the address are checked at every connection, redirects never followed."""

    def __init__(self, url: str, timeout: float = TIMEOUT_SECONDS):
        self.url = url
        self.timeout = timeout
        self.session = None

    def post(self, body: bytes, headers: dict) -> Answer:
        started = time.perf_counter()
        problem = webhook_url_problem(self.url, resolve=False)
        if problem:
            return Answer(None, problem[:500], _ms(started))
        if self.session is None:
            self.session = hardened_session()
        try:
            response = self.session.post(
                self.url,
                data=body,
                headers=headers,
                timeout=(min(5, self.timeout), self.timeout),
                allow_redirects=False,
                stream=True,
            )
            try:
                # Read at most 64 KiB of the answer: it is not kept.
                next(response.iter_content(64 * 1024), b"")
            finally:
                response.close()
            return Answer(response.status_code, "", _ms(started))
        except (requests.RequestException, OSError, ValueError) as error:
            self.close()
            return Answer(None, f"{type(error).__name__}: {error}"[:500], _ms(started))

    def close(self):
        if self.session is not None:
            self.session.close()
            self.session = None


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


def drain_endpoint(endpoint_id: int, *, poster: Poster | None = None) -> int:
    """Deliver the due messages of one endpoint; returns how many were delivered. Holds no
    lock and no transaction while it waits on the partner."""
    own_poster = poster is None
    delivered = 0
    started = time.monotonic()
    try:
        while True:
            claimed = _claim(endpoint_id)
            if claimed is None:
                return delivered
            endpoint, batch = claimed
            if poster is None:
                poster = Poster(endpoint.url)
            results, failed = _post_batch(endpoint, batch, poster)
            _record(endpoint.pk, batch, results, failed)
            delivered += sum(1 for _message, answer in results if answer.ok)
            if failed is not None or len(batch) < BATCH:
                return delivered
            if time.monotonic() - started > DRAIN_SECONDS:
                _queue_next(endpoint_id)
                return delivered
    finally:
        if own_poster and poster is not None:
            poster.close()


def _queue_next(endpoint_id: int) -> None:
    from core.background import enqueue_on_commit

    from .tasks import webhook_drain

    enqueue_on_commit(webhook_drain, endpoint_id)


def _claim(endpoint_id: int) -> tuple[WebhookEndpoint, list[WebhookMessage]] | None:
    """Step 1, a short transaction: lease the next due messages (SKIP LOCKED)."""
    now = timezone.now()
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.filter(
            pk=endpoint_id, is_active=True, paused_at__isnull=True, organisation__is_active=True
        ).first()
        if endpoint is None:
            return None
        batch = list(
            WebhookMessage.objects.select_for_update(skip_locked=True)
            .filter(endpoint=endpoint, status=OutboxStatus.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")[:BATCH]
        )
        if not batch:
            return None
        WebhookMessage.objects.filter(pk__in=[m.pk for m in batch]).update(
            next_attempt_at=now + lease()
        )
    return endpoint, batch


def _post_batch(endpoint, batch, poster) -> tuple[list[tuple[WebhookMessage, Answer]], int | None]:
    """Step 2, no transaction: POST until the first failure. Returns (message, answer) for each
    message tried, and the position of the failed one (None: all delivered)."""
    results = []
    for position, message in enumerate(batch):
        body = message_body(message)
        answer = poster.post(body, endpoint_signed_headers(endpoint, message.msg_id, body))
        results.append((message, answer))
        if not answer.ok:
            return results, position
    return results, None


def endpoint_signed_headers(endpoint: WebhookEndpoint, msg_id: str, body: bytes) -> dict:
    """Signed with the endpoint's secret, and with the previous one too while a rotation's
    overlap lasts (Standard Webhooks: several space-separated signatures)."""
    secrets = [endpoint.secret, *endpoint.secrets_in_overlap()]
    return signed_headers(secrets, msg_id, body)


def _record(endpoint_id: int, batch, results, failed: int | None) -> None:
    """Step 3, a short transaction: what the batch did."""
    now = timezone.now()
    tried = [message for message, _answer in results]
    with transaction.atomic():
        if results:
            _log_deliveries(
                [
                    (m.pk, m.attempts + 1, now, a.status_code, a.error, a.duration_ms)
                    for m, a in results
                ]
            )
        done = [m.pk for m, a in results if a.ok]
        if done:
            WebhookMessage.objects.filter(pk__in=done).update(
                status=OutboxStatus.DELIVERED, attempts=F("attempts") + 1, delivered_at=now
            )
        if failed is None:
            WebhookEndpoint.objects.filter(pk=endpoint_id, failures_in_a_row__gt=0).update(
                failures_in_a_row=0
            )
            return
        message = tried[failed]
        attempts = message.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            WebhookMessage.objects.filter(pk=message.pk).update(
                status=OutboxStatus.FAILED, attempts=attempts
            )
        else:
            WebhookMessage.objects.filter(pk=message.pk).update(
                attempts=attempts, next_attempt_at=now + backoff(attempts)
            )
        # The claimed messages after the failure were not tried: due again now.
        untried = [m.pk for m in batch[len(results) :]]
        if untried:
            WebhookMessage.objects.filter(pk__in=untried).update(next_attempt_at=now)
        WebhookEndpoint.objects.filter(pk=endpoint_id).update(
            failures_in_a_row=F("failures_in_a_row") + 1,
            paused_at=Case(
                When(failures_in_a_row__gte=PAUSE_AFTER_FAILURES - 1, then=Value(now)),
                default=F("paused_at"),
                output_field=WebhookEndpoint._meta.get_field("paused_at"),
            ),
        )


def _log_deliveries(rows: list[tuple]) -> None:
    """The batch's delivery log in one statement."""
    columns = list(zip(*rows, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {WebhookDelivery._meta.db_table} "  # noqa: S608 (our own table name)
            "(message_id, attempt, at, status_code, error, duration_ms) "
            "SELECT * FROM unnest(%s::bigint[], %s::int[], %s::timestamptz[], %s::int[], "
            "%s::text[], %s::int[])",
            [list(column) for column in columns],
        )


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
