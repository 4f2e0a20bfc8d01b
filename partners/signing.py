"""Webhook signatures, the Standard Webhooks way (https://www.standardwebhooks.com/).

Each message carries three headers:

    webhook-id:         the message id (the same on every retry)
    webhook-timestamp:  seconds since the epoch, when this attempt was signed
    webhook-signature:  "v1," + base64(HMAC-SHA256(key, f"{id}.{timestamp}.{body}"))

where `key` is the endpoint's secret less its `whsec_` prefix, base64-decoded. A receiver
recomputes the signature over the raw body it received, compares in constant time, and refuses
a timestamp more than a few minutes away from its clock (a replayed message). Any Standard
Webhooks library verifies these (the README shows it in a few lines without one).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

PREFIX = "whsec_"
TOLERANCE_SECONDS = 5 * 60


class SignatureInvalid(Exception):
    """The message is not signed with the secret, or its timestamp is too old or too new."""


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header value for this id, timestamp and body."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(
    secret: str | list[str], msg_id: str, body: bytes, timestamp: int | None = None
) -> dict:
    """The Standard Webhooks headers; with several secrets (a rotation's overlap), one
    signature per secret, space-separated, the newest first."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    secrets = [secret] if isinstance(secret, str) else list(secret)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(sign(s, msg_id, timestamp, body) for s in secrets),
        "content-type": "application/json",
    }


def verify(secret: str, headers: dict, body: bytes, *, now: float | None = None) -> None:
    """Raise SignatureInvalid unless `headers` sign `body` with `secret` within the tolerance."""
    lower = {k.lower(): v for k, v in headers.items()}
    try:
        msg_id = lower["webhook-id"]
        timestamp = int(lower["webhook-timestamp"])
        given = lower["webhook-signature"]
    except (KeyError, ValueError) as error:
        raise SignatureInvalid("missing or malformed webhook headers") from error
    now = time.time() if now is None else now
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        raise SignatureInvalid("timestamp outside the tolerance (replayed?)")
    expected = sign(secret, msg_id, timestamp, body)
    # The header may list several space-separated signatures (a secret being rotated).
    if not any(hmac.compare_digest(expected, candidate) for candidate in given.split()):
        raise SignatureInvalid("signature does not match")
