"""Reads of the partners app, scoped to what the caller may see."""

from __future__ import annotations

from django.db.models import QuerySet

from cases.models import Individual
from cases.selectors import partner_scope
from core.roles import HOUSEHOLD_EDITORS, Role, has_role

from .models import IntakeBatch, IntakeRowError, WebhookEndpoint, WebhookMessage


def intake_batch_visible_to(user) -> QuerySet[IntakeBatch]:
    """Referral files `user` may follow: caseworkers and administrators see every file; a
    partner system sees the files its organisation's accounts sent (its own when it has no
    organisation); anyone else none."""
    if user is None or not user.is_authenticated:
        return IntakeBatch.objects.none()
    batches = IntakeBatch.objects.defer("content")
    if user.is_superuser or has_role(user, *HOUSEHOLD_EDITORS):
        return batches
    if has_role(user, Role.PARTNER_SYSTEM):
        scope = partner_scope(user)
        if not scope.active:
            return IntakeBatch.objects.none()
        organisation_id = scope.organisation_id
        if organisation_id is not None:
            return batches.filter(
                created_by__partner_profile__partner_organisation_id=organisation_id
            )
        return batches.filter(created_by=user)
    return IntakeBatch.objects.none()


def intake_row_errors(batch: IntakeBatch) -> QuerySet[IntakeRowError]:
    """The refusals of a file, by line."""
    return IntakeRowError.objects.filter(batch=batch).order_by("line", "id")


def intake_refusals_to_fix(batch: IntakeBatch) -> QuerySet[IntakeRowError]:
    """The refusals of a file still to fix (not saved anyway since), by line."""
    return intake_row_errors(batch).filter(saved_case__isnull=True)


def intake_possible_duplicate_people(errors) -> dict[int, Individual]:
    """The recorded people the refused referrals `errors` may be, by id, with their case (one
    query for all)."""
    ids = {pk for error in errors for pk in error.possible_duplicates if isinstance(pk, int)}
    if not ids:
        return {}
    return {p.pk: p for p in Individual.objects.filter(pk__in=ids).select_related("case")}


def webhook_messages_visible_to(user) -> QuerySet[WebhookMessage]:
    """The webhook messages sent to the endpoints of the caller's organisation (partners only;
    administrators read every message in the admin)."""
    organisation_id = webhook_organisation_of(user)
    if organisation_id is None:
        return WebhookMessage.objects.none()
    return WebhookMessage.objects.filter(endpoint__organisation_id=organisation_id).select_related(
        "endpoint"
    )


def webhook_organisation_of(user) -> int | None:
    """The organisation whose webhook endpoints and messages `user` manages: a partner system's
    active organisation (None: no one's; an inactive organisation manages nothing)."""
    if user is None or not user.is_authenticated or not has_role(user, Role.PARTNER_SYSTEM):
        return None
    scope = partner_scope(user)
    return scope.organisation_id if scope.active else None


def webhook_endpoints_visible_to(user) -> QuerySet[WebhookEndpoint]:
    """The webhook endpoints of the caller's organisation (partners only)."""
    organisation_id = webhook_organisation_of(user)
    if organisation_id is None:
        return WebhookEndpoint.objects.none()
    return WebhookEndpoint.objects.filter(organisation_id=organisation_id)
