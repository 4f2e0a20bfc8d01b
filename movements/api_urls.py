from django.urls import path

from . import groups_api, notices_api

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
    path(
        "movements/travel-groups/",
        groups_api.TravelGroupListApi.as_view(),
        name="api-travel-groups",
    ),
    path(
        "movements/travel-groups/<int:pk>/",
        groups_api.TravelGroupDetailApi.as_view(),
        name="api-travel-group",
    ),
    path(
        "movements/travel-groups/<int:pk>/bookings/",
        groups_api.TravelGroupBookingsApi.as_view(),
        name="api-travel-group-bookings",
    ),
    path(
        "movements/travel-groups/<int:pk>/bookings/<int:booking_pk>/",
        groups_api.TravelGroupBookingApi.as_view(),
        name="api-travel-group-booking",
    ),
    path(
        "movements/travel-groups/<int:pk>/escorts/",
        groups_api.TravelGroupEscortsApi.as_view(),
        name="api-travel-group-escorts",
    ),
]
