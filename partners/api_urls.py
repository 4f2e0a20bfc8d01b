"""/api/v1/ routes of the partners API (included by the API's urls)."""

from django.urls import path

from . import api

urlpatterns = [
    path("referral-files/", api.IntakeBatchListApi.as_view(), name="api-referral-files"),
    path(
        "referral-files/<int:pk>/",
        api.IntakeBatchDetailApi.as_view(),
        name="api-referral-file",
    ),
    path(
        "referral-files/<int:pk>/errors/",
        api.IntakeRowErrorListApi.as_view(),
        name="api-referral-file-errors",
    ),
    path("webhook-endpoints/", api.WebhookEndpointListApi.as_view(), name="api-webhook-endpoints"),
    path(
        "webhook-endpoints/<int:pk>/",
        api.WebhookEndpointDetailApi.as_view(),
        name="api-webhook-endpoint",
    ),
    path(
        "webhook-endpoints/<int:pk>/rotate-secret/",
        api.WebhookEndpointRotateApi.as_view(),
        name="api-webhook-endpoint-rotate",
    ),
    path("webhook-messages/", api.WebhookMessageListApi.as_view(), name="api-webhook-messages"),
    path(
        "webhook-messages/<int:pk>/replay/",
        api.WebhookMessageReplayApi.as_view(),
        name="api-webhook-message-replay",
    ),
]
