"""`Idempotency-Key` on every POST of the API, kept 24 hours.

A partner system that timed out sends the same POST again with the same key; it must get the
first answer, not a second record. The middleware:

1. names the caller (the OAuth2 client of a token, or the signed-in user; the key is theirs
   only) and fingerprints the request (method, path, query, body; for a file upload its fields
   and the files' contents, not the random multipart boundary);
2. claims the key by inserting a row: the unique constraint on (caller, key) lets one request
   through; a second one with the key finds the row;
3. the first request runs as usual and a final answer is stored in the row, with the headers
   that belong to it (Location, ...). An answer that says "try again" (408, 425, 429, any 5xx)
   is not final: it forgets the key, so the retry runs afresh;
4. a later request with the key and the same fingerprint gets the stored answer and headers
   (header `Idempotent-Replayed: true`); with another fingerprint, 422; while the first is
   still running, 409 at once (no web worker waits on another request).

POSTs without the header run as before. Keys are up to 255 printable characters.
"""

from __future__ import annotations

import datetime
import hashlib

from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import IdempotencyKey

HEADER = "Idempotency-Key"
KEEP = datetime.timedelta(hours=24)
# A claim with no answer after this long belongs to a request that died: it may be retaken.
ABANDONED_AFTER = datetime.timedelta(minutes=10)
API_PREFIX = "/api/"
# Answers that tell the caller to try again: never kept as the key's answer.
NOT_FINAL = frozenset({408, 425, 429})
# Headers of an answer that are part of it and replayed with it.
KEPT_HEADERS = (
    "Location",
    "Content-Location",
    "Content-Language",
    "Content-Disposition",
    "ETag",
    "Last-Modified",
    "Link",
)


def is_final(status_code: int) -> bool:
    return status_code < 500 and status_code not in NOT_FINAL


def _error(status: int, code: str, message: str, **extra) -> JsonResponse:
    body = {"code": code, "message": message, "field": HEADER, **extra}
    return JsonResponse({"error": body}, status=status)


def caller_of(request) -> str | None:
    """Whose key it is: `client:<client_id>` for a token, `user:<id>` for a session."""
    authorization = request.META.get("HTTP_AUTHORIZATION", "")
    if authorization.lower().startswith("bearer "):
        from oauth2_provider.oauth2_backends import get_oauthlib_core

        valid, oauth_request = get_oauthlib_core().verify_request(request, scopes=[])
        if not valid or oauth_request.access_token is None:
            return None
        # A replayed answer never reaches DRF: the access log reads the token from here.
        request.partner_token = oauth_request.access_token
        application = oauth_request.access_token.application
        if application is not None:
            return f"client:{application.client_id}"
        return f"user:{oauth_request.access_token.user_id}"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return None


def fingerprint(request) -> str:
    digest = hashlib.sha256()
    digest.update(
        f"{request.method} {request.path}?{request.META.get('QUERY_STRING', '')}\n".encode()
    )
    if request.content_type == "multipart/form-data":
        for name in sorted(request.POST):
            for value in request.POST.getlist(name):
                digest.update(f"field {name}={value}\n".encode())
        for name in sorted(request.FILES):
            for upload in request.FILES.getlist(name):
                content = hashlib.sha256()
                for chunk in upload.chunks():
                    content.update(chunk)
                upload.seek(0)
                digest.update(f"file {name} {upload.name} {content.hexdigest()}\n".encode())
    else:
        digest.update(request.body)
    return digest.hexdigest()


def _replay(record: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(
        bytes(record.response_body or b""),
        status=record.status_code,
        content_type=record.content_type or "application/json",
    )
    for name, value in (record.response_headers or {}).items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    response["Cache-Control"] = "no-store"
    return response


class IdempotencyKeyMiddleware:
    """See the module's docstring. Place it after AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get(HEADER)
        if request.method != "POST" or key is None or not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        key = key.strip()
        if not key or len(key) > 255 or not key.isprintable():
            return _error(
                400,
                "invalid",
                _("An Idempotency-Key is 1 to 255 printable characters."),
            )
        caller = caller_of(request)
        if caller is None:
            return self.get_response(request)  # the view answers 401
        try:
            request_hash = fingerprint(request)
        except (MultiPartParserError, ValueError, OSError):
            return self.get_response(request)  # the view refuses the body its own way
        from django.core.exceptions import RequestDataTooBig

        try:
            record, claimed = self._claim(caller, key, request, request_hash)
        except RequestDataTooBig:  # pragma: no cover
            return self.get_response(request)
        if not claimed:
            return self._answer_existing(record, request_hash)
        try:
            response = self.get_response(request)
        except Exception:
            IdempotencyKey.objects.filter(pk=record.pk).delete()
            raise
        if not is_final(response.status_code) or getattr(response, "streaming", False):
            IdempotencyKey.objects.filter(pk=record.pk).delete()
            return response
        IdempotencyKey.objects.filter(pk=record.pk).update(
            status_code=response.status_code,
            response_body=bytes(response.content),
            content_type=response.get("Content-Type", ""),
            response_headers={h: response[h] for h in KEPT_HEADERS if response.has_header(h)},
        )
        return response

    def _claim(self, caller, key, request, request_hash) -> tuple[IdempotencyKey, bool]:
        """(the row, True) when this request holds the key; (the other's row, False) if not."""
        for _attempt in range(3):
            try:
                with transaction.atomic():
                    record = IdempotencyKey.objects.create(
                        caller=caller,
                        key=key,
                        method=request.method,
                        path=request.path[:500],
                        request_hash=request_hash,
                    )
                return record, True
            except IntegrityError:
                existing = IdempotencyKey.objects.filter(caller=caller, key=key).first()
                if existing is None:
                    continue  # forgotten meanwhile (a 5xx): claim it again
                now = timezone.now()
                expired = existing.created_at < now - KEEP
                abandoned = (
                    existing.status_code is None and existing.created_at < now - ABANDONED_AFTER
                )
                if expired or abandoned:
                    IdempotencyKey.objects.filter(pk=existing.pk).delete()
                    continue
                return existing, False
        return existing, False

    def _answer_existing(self, record: IdempotencyKey, request_hash: str):
        if record.request_hash != request_hash:
            return _error(
                422,
                "idempotency_key_reused",
                _(
                    "This Idempotency-Key was used for a different request in the last 24 "
                    "hours: use a new key for a new request."
                ),
            )
        if record.status_code is None:
            # Still running: answered at once, never waited on in a web worker.
            response = _error(
                409,
                "idempotency_key_in_use",
                _("A request with this Idempotency-Key is still being processed: retry later."),
            )
            response["Retry-After"] = "1"
            return response
        return _replay(record)


def purge_expired() -> int:
    """Forget keys older than 24 hours; returns how many."""
    deleted, _detail = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - KEEP).delete()
    return deleted
