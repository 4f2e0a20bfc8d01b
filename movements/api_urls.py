"""/api/v1/movements/... routes (included by config/api/urls.py)."""

from django.urls import path

from . import api

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
]
