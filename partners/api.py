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
from core.api.throttling import DEFAULT_THROTTLES, BulkRateThrottle
from core.api.views import BaseApi, ListApi, object_or_404
from core.roles import HOUSEHOLD_EDITORS, Role

from . import intake
from . import serializers as s
from .delivery import message_replay
from .intake import intake_batch_create
from .selectors import (
    intake_batch_visible_to,
    intake_row_errors,
    webhook_endpoints_visible_to,
    webhook_messages_visible_to,
)
from .uploads import cap_uploads
from .webhooks import (
    webhook_endpoint_delete,
    webhook_endpoint_register,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_update,
)

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


WEBHOOK_ACCESS = {
    "read_scope": "webhooks:manage",
    "write_scope": "webhooks:manage",
    "read_roles": frozenset({Role.PARTNER_SYSTEM}),
    "write_roles": frozenset({Role.PARTNER_SYSTEM}),
}


class WebhookEndpointListApi(ListApi):
    """Your organisation's webhook endpoints (GET) and registering one (POST)."""

    read_scope = WEBHOOK_ACCESS["read_scope"]
    write_scope = WEBHOOK_ACCESS["write_scope"]
    read_roles = WEBHOOK_ACCESS["read_roles"]
    write_roles = WEBHOOK_ACCESS["write_roles"]

    @extend_schema(
        tags=["webhooks"],
        summary="Your organisation's webhook endpoints",
        responses={200: s.WebhookEndpointOut(many=True), **errors(400, 404)},
    )
    def get(self, request):
        endpoints = webhook_endpoints_visible_to(request.user).order_by("created_at", "id")
        return self.paginated(endpoints, s.WebhookEndpointOut)

    @extend_schema(
        tags=["webhooks"],
        summary="Register a webhook endpoint (its secret is shown this once)",
        request=s.WebhookEndpointIn,
        responses={201: s.WebhookEndpointWithSecretOut, **errors(400, 409, 422, 429)},
    )
    def post(self, request):
        given = self.validated(s.WebhookEndpointIn, request.data)
        endpoint, secret = webhook_endpoint_register(
            actor=request.user, url=given["url"], events=given.get("events")
        )
        body = s.WebhookEndpointOut(endpoint).data | {"secret": secret}
        response = Response(body, status=status.HTTP_201_CREATED)
        response["Location"] = f"/api/v1/webhook-endpoints/{endpoint.pk}/"
        return response


class WebhookEndpointDetailApi(BaseApi):
    read_scope = WEBHOOK_ACCESS["read_scope"]
    write_scope = WEBHOOK_ACCESS["write_scope"]
    read_roles = WEBHOOK_ACCESS["read_roles"]
    write_roles = WEBHOOK_ACCESS["write_roles"]

    @extend_schema(
        tags=["webhooks"],
        summary="One of your webhook endpoints",
        responses={200: s.WebhookEndpointOut, **errors(404)},
    )
    def get(self, request, pk: int):
        endpoint = object_or_404(webhook_endpoints_visible_to(request.user), pk)
        return Response(s.WebhookEndpointOut(endpoint).data)

    @extend_schema(
        tags=["webhooks"],
        summary="Change the URL or events, pause (paused: true) or resume (paused: false)",
        request=s.WebhookEndpointChangeIn,
        responses={200: s.WebhookEndpointOut, **errors(400, 404, 429)},
    )
    def patch(self, request, pk: int):
        endpoint = object_or_404(webhook_endpoints_visible_to(request.user), pk)
        given = self.validated(s.WebhookEndpointChangeIn, request.data)
        endpoint = webhook_endpoint_update(actor=request.user, endpoint=endpoint, **given)
        return Response(s.WebhookEndpointOut(endpoint).data)

    @extend_schema(
        tags=["webhooks"],
        summary="Delete an endpoint (with its undelivered messages)",
        responses={204: None, **errors(404, 429)},
    )
    def delete(self, request, pk: int):
        endpoint = object_or_404(webhook_endpoints_visible_to(request.user), pk)
        webhook_endpoint_delete(actor=request.user, endpoint=endpoint)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookEndpointRotateApi(BaseApi):
    read_scope = WEBHOOK_ACCESS["read_scope"]
    write_scope = WEBHOOK_ACCESS["write_scope"]
    read_roles = WEBHOOK_ACCESS["read_roles"]
    write_roles = WEBHOOK_ACCESS["write_roles"]

    @extend_schema(
        tags=["webhooks"],
        summary="A new signing secret (shown this once); the old one signs beside it a while",
        description=(
            "Messages are signed with both secrets (two signatures in webhook-signature, as "
            "Standard Webhooks allows) until previous_secret_signs_until: switch your receiver "
            "to the new secret before then."
        ),
        request=None,
        responses={200: s.WebhookSecretOut, **errors(404, 409, 422, 429)},
    )
    def post(self, request, pk: int):
        endpoint = object_or_404(webhook_endpoints_visible_to(request.user), pk)
        secret, until = webhook_endpoint_rotate_secret(actor=request.user, endpoint=endpoint)
        return Response(
            s.WebhookSecretOut({"secret": secret, "previous_secret_signs_until": until}).data
        )
