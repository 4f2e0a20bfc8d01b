from django.urls import path

from . import views

app_name = "movements"

urlpatterns = [
    path("", views.board, name="board"),
    path("bookings/", views.booking_list, name="bookings"),
    path("bookings/<int:pk>/", views.booking_detail, name="booking"),
    path("bookings/<int:pk>/tickets/", views.booking_tickets, name="booking_tickets"),
    path("bookings/<int:pk>/cancel/", views.booking_cancel, name="booking_cancel"),
    path("bookings/<int:pk>/departure/", views.departure, name="departure"),
    path("bookings/<int:pk>/arrival/", views.arrival, name="arrival"),
    path("bookings/<int:pk>/escorts/", views.escort_add, name="escort_add"),
    path("bookings/<int:pk>/check-in/", views.transit_check_in, name="check_in"),
    path("cases/<int:pk>/book/", views.book, name="book"),
    path("escorts/", views.escorts, name="escorts"),
    path("escorts/<int:pk>/remove/", views.escort_remove, name="escort_remove"),
    path("transit/", views.transit, name="transit"),
    path("transit/<int:pk>/check-out/", views.transit_check_out, name="check_out"),
]
