from django.urls import path

from . import notices_api

urlpatterns = [
    path("movements/notices/", notices_api.NoticeListApi.as_view(), name="api-movement-notices"),
    path(
        "movements/notices/<int:pk>/",
        notices_api.NoticeDetailApi.as_view(),
        name="api-movement-notice",
    ),
    path(
        "movements/notices/<int:pk>/acknowledge/",
        notices_api.NoticeAcknowledgeApi.as_view(),
        name="api-movement-notice-acknowledge",
    ),
]
