"""/api/v1/movements/... routes (included by config/api/urls.py)."""

from django.urls import path

from .bookings import api
from .groups import api as groups_api
from .notices import api as notices_api

urlpatterns = [
    path("movements/bookings/", api.BookingListApi.as_view(), name="movements-bookings"),
    path(
        "movements/bookings/<int:pk>/",
        api.BookingDetailApi.as_view(),
        name="movements-booking-detail",
    ),
    path(
        "movements/bookings/<int:pk>/cancel/",
        api.BookingCancelApi.as_view(),
        name="movements-booking-cancel",
    ),
    path(
        "movements/bookings/<int:pk>/departure/",
        api.DepartureApi.as_view(),
        name="movements-booking-departure",
    ),
    path(
        "movements/bookings/<int:pk>/no-show/",
        api.NoShowApi.as_view(),
        name="movements-booking-no-show",
    ),
    path(
        "movements/bookings/<int:pk>/arrival/",
        api.ArrivalApi.as_view(),
        name="movements-booking-arrival",
    ),
    path(
        "movements/bookings/<int:pk>/escorts/",
        api.BookingEscortApi.as_view(),
        name="movements-booking-escorts",
    ),
    path(
        "movements/bookings/<int:pk>/transit-stays/",
        api.TransitCheckInApi.as_view(),
        name="movements-booking-check-in",
    ),
    path("movements/escorts/<int:pk>/", api.EscortDetailApi.as_view(), name="movements-escort"),
    path("movements/transit-stays/", api.TransitStayListApi.as_view(), name="movements-transit"),
    path(
        "movements/transit-stays/<int:pk>/check-out/",
        api.TransitCheckOutApi.as_view(),
        name="movements-check-out",
    ),
    path(
        "movements/cases/<int:pk>/readiness/",
        api.ReadinessApi.as_view(),
        name="movements-readiness",
    ),
    path("movements/board/", api.BoardApi.as_view(), name="movements-board"),
    # Travel groups and booking notices (movements/groups/api.py, movements/notices/api.py)
    path("movements/notices/", notices_api.NoticeListApi.as_view(), name="api-movement-notices"),
    path(
        "movements/notices/<int:pk>/",
        notices_api.NoticeDetailApi.as_view(),
        name="api-movement-notice",
    ),
    path(
        "movements/bookings/<int:pk>/notice/",
        notices_api.BookingNoticeSendApi.as_view(),
        name="api-movement-booking-notice",
    ),
    path(
        "movements/notices/<int:pk>/resend/",
        notices_api.NoticeResendApi.as_view(),
        name="api-movement-notice-resend",
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
