"""The partners API: bulk referral files and their progress, and the webhook messages a
partner's endpoints were sent (with a replay). Thin classes: parse, check access, call a
service or a selector, answer.

Who may call: `ScopedRoleAccess` (a token needs the scope, its account the role). Which files
and messages a caller sees: partners.selectors; anything else answers 404.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from core.api.schema import ErrorSerializer, error_responses
from core.api.views import BaseApi, ListApi, object_or_404
from core.roles import HOUSEHOLD_EDITORS, Role

from . import intake
from . import serializers as s
from .delivery import message_replay
from .intake import intake_batch_create
from .selectors import intake_batch_visible_to, intake_row_errors, webhook_messages_visible_to
from .throttling import DEFAULT_THROTTLES, BulkRateThrottle
from .uploads import cap_uploads

MORE_ERRORS = {
    413: _("The file is larger than the limit (20 MB)."),
    422: _("The Idempotency-Key was used with another request."),
    429: _("Too many requests: wait the seconds in Retry-After."),
}


def errors(*statuses: int) -> dict:
    """The documented error answers, with those of the partners API."""
    known = error_responses(*[code for code in statuses if code not in MORE_ERRORS])
    for code in statuses:
        if code in MORE_ERRORS:
            known[code] = OpenApiResponse(response=ErrorSerializer, description=MORE_ERRORS[code])
    return known


INTAKE_ROLES = HOUSEHOLD_EDITORS | {Role.PARTNER_SYSTEM}


class IntakeBatchListApi(ListApi):
    """Send a referral file (POST, bulk: its own lower rate) and list the files sent (GET)."""

    read_scope = "cases:write"
    write_scope = "cases:write"
    read_roles = INTAKE_ROLES
    write_roles = INTAKE_ROLES
    parser_classes = [MultiPartParser]

    def initial(self, request, *args, **kwargs):
        if request.method == "POST" and not hasattr(request._request, "_files"):
            cap_uploads(request._request)  # before the body is parsed
        super().initial(request, *args, **kwargs)

    def get_throttles(self):
        throttles = [throttle() for throttle in DEFAULT_THROTTLES]
        if self.request.method == "POST":
            throttles.append(BulkRateThrottle())
        return throttles

    @extend_schema(
        tags=["referral files"],
        summary="Referral files sent, newest first",
        responses={200: s.IntakeBatchOut(many=True), **errors(400, 404)},
    )
    def get(self, request):
        batches = intake_batch_visible_to(request.user).order_by("-created_at", "-id")
        return self.paginated(batches, s.IntakeBatchOut)

    @extend_schema(
        tags=["referral files"],
        summary="Send a file of referrals (CSV or JSON)",
        description=(
            "The file is checked at once (encoding, columns, size up to 20 MB): what cannot be "
            "read is refused (400, 413). Then every referral is taken in by a background task "
            "with the same rules as a single referral; poll the file (Location) for progress "
            "and read the refused referrals at errors_url (line, field, the reason in words). "
            "Camps, countries and programmes by code or name. A referral whose UNHCR case "
            "number is already recorded is counted as present, never stored twice; the same "
            "file sent again while it is being taken in answers the same file."
        ),
        request={"multipart/form-data": s.IntakeFileIn},
        responses={
            202: s.IntakeBatchOut,
            **errors(400, 413, 415, 422, 429),
        },
    )
    def post(self, request):
        given = s.IntakeFileIn(data=request.data)
        given.is_valid(raise_exception=True)
        upload = given.validated_data["file"]
        content = upload.read(intake.MAX_FILE_BYTES + 1)  # at most that much is kept (initial)
        batch = intake_batch_create(
            actor=request.user,
            file_name=upload.name,
            content_type=upload.content_type or "",
            content=content,
        )
        batch = intake_batch_visible_to(request.user).get(pk=batch.pk)
        response = Response(s.IntakeBatchOut(batch).data, status=status.HTTP_202_ACCEPTED)
        response["Location"] = f"/api/v1/referral-files/{batch.pk}/"
        return response


class IntakeBatchDetailApi(BaseApi):
    read_scope = "cases:write"
    write_scope = None
    read_roles = INTAKE_ROLES
    write_roles = INTAKE_ROLES

    @extend_schema(
        tags=["referral files"],
        summary="A referral file's progress and counts",
        responses={200: s.IntakeBatchOut, **errors(404)},
    )
    def get(self, request, pk: int):
        return Response(
            s.IntakeBatchOut(object_or_404(intake_batch_visible_to(request.user), pk)).data
        )


class IntakeRowErrorListApi(ListApi):
    read_scope = "cases:write"
    write_scope = None
    read_roles = INTAKE_ROLES
    write_roles = INTAKE_ROLES

    @extend_schema(
        tags=["referral files"],
        summary="The refused referrals of a file: line, field and reason",
        responses={200: s.IntakeRowErrorOut(many=True), **errors(400, 404)},
    )
    def get(self, request, pk: int):
        batch = object_or_404(intake_batch_visible_to(request.user), pk)
        return self.paginated(intake_row_errors(batch), s.IntakeRowErrorOut)


class WebhookMessageListApi(ListApi):
    read_scope = "webhooks:manage"
    write_scope = None
    read_roles = frozenset({Role.PARTNER_SYSTEM})
    write_roles = frozenset({Role.PARTNER_SYSTEM})

    @extend_schema(
        tags=["webhooks"],
        summary="Webhook messages sent to your endpoints, newest first",
        responses={200: s.WebhookMessageOut(many=True), **errors(400, 404)},
    )
    def get(self, request):
        messages = webhook_messages_visible_to(request.user).order_by("-created_at", "-id")
        return self.paginated(messages, s.WebhookMessageOut)


class WebhookMessageReplayApi(BaseApi):
    read_scope = "webhooks:manage"
    write_scope = "webhooks:manage"
    read_roles = frozenset({Role.PARTNER_SYSTEM})
    write_roles = frozenset({Role.PARTNER_SYSTEM})

    @extend_schema(
        tags=["webhooks"],
        summary="Send a message again (same webhook-id, signed afresh)",
        request=None,
        responses={
            202: OpenApiResponse(response=s.WebhookMessageOut),
            **errors(404, 422, 429),
        },
    )
    def post(self, request, pk: int):
        message = object_or_404(webhook_messages_visible_to(request.user), pk)
        message_replay(message_ids=[message.pk])
        message.refresh_from_db()
        return Response(s.WebhookMessageOut(message).data, status=status.HTTP_202_ACCEPTED)
