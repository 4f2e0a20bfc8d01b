"""The partners API: bulk referral files and their progress, and the webhook messages a
partner's endpoints were sent (with a replay). Thin classes: parse, check access, call a
service or a selector, answer.

Who may call: `ScopedRoleAccess` (a token needs the scope, its account the role). Which files
and messages a caller sees: partners.selectors; anything else answers 404.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from cases.roles import HOUSEHOLD_EDITORS, Role
from config.api.pagination import BoundedPageNumberPagination
from config.api.permissions import ScopedRoleAccess
from config.api.schema import ErrorSerializer, error_responses

from . import serializers as s
from .delivery import message_replay
from .intake import intake_batch_create
from .selectors import intake_batch_visible_to, intake_row_errors, webhook_messages_visible_to
from .throttling import DEFAULT_THROTTLES, BulkRateThrottle

MAX_ID = 2**63 - 1

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


def _get(queryset, pk: int):
    if pk > MAX_ID:
        raise NotFound()
    return get_object_or_404(queryset, pk=pk)


class PartnerApiView(GenericAPIView):
    permission_classes = [ScopedRoleAccess]
    parser_classes = [JSONParser]
    pagination_class = None
    filter_backends: list = []


class IntakeBatchListApi(PartnerApiView):
    """Send a referral file (POST, bulk: its own lower rate) and list the files sent (GET)."""

    read_scope = "cases:write"
    write_scope = "cases:write"
    read_roles = INTAKE_ROLES
    write_roles = INTAKE_ROLES
    parser_classes = [MultiPartParser]
    pagination_class = BoundedPageNumberPagination

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
        page = self.paginate_queryset(batches)
        return self.get_paginated_response(s.IntakeBatchOut(page, many=True).data)

    @extend_schema(
        tags=["referral files"],
        summary="Send a file of referrals (CSV or JSON)",
        description=(
            "The file is checked at once (encoding, columns, size up to 20 MB): what cannot be "
            "read is refused (400, 413). Then every referral is taken in by a background task "
            "with the same rules as a single referral; poll the file (Location) for progress "
            "and read the refused referrals at errors_url. A referral whose UNHCR case number "
            "is already recorded is counted as present, never stored twice."
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
        if upload.size > 20 * 1024 * 1024 + 1:
            content = upload.read(20 * 1024 * 1024 + 1)
        else:
            content = upload.read()
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


class IntakeBatchDetailApi(PartnerApiView):
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
        return Response(s.IntakeBatchOut(_get(intake_batch_visible_to(request.user), pk)).data)


class IntakeRowErrorListApi(PartnerApiView):
    read_scope = "cases:write"
    write_scope = None
    read_roles = INTAKE_ROLES
    write_roles = INTAKE_ROLES
    pagination_class = BoundedPageNumberPagination

    @extend_schema(
        tags=["referral files"],
        summary="The refused referrals of a file: line, field and reason",
        responses={200: s.IntakeRowErrorOut(many=True), **errors(400, 404)},
    )
    def get(self, request, pk: int):
        batch = _get(intake_batch_visible_to(request.user), pk)
        page = self.paginate_queryset(intake_row_errors(batch))
        return self.get_paginated_response(s.IntakeRowErrorOut(page, many=True).data)


class WebhookMessageListApi(PartnerApiView):
    read_scope = "webhooks:manage"
    write_scope = None
    read_roles = frozenset({Role.PARTNER_SYSTEM})
    write_roles = frozenset({Role.PARTNER_SYSTEM})
    pagination_class = BoundedPageNumberPagination

    @extend_schema(
        tags=["webhooks"],
        summary="Webhook messages sent to your endpoints, newest first",
        responses={200: s.WebhookMessageOut(many=True), **errors(400, 404)},
    )
    def get(self, request):
        messages = webhook_messages_visible_to(request.user).order_by("-created_at", "-id")
        page = self.paginate_queryset(messages)
        return self.get_paginated_response(s.WebhookMessageOut(page, many=True).data)


class WebhookMessageReplayApi(PartnerApiView):
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
        message = _get(webhook_messages_visible_to(request.user), pk)
        message_replay(message_ids=[message.pk])
        message.refresh_from_db()
        return Response(s.WebhookMessageOut(message).data, status=status.HTTP_202_ACCEPTED)
