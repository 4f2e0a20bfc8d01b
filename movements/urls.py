from django.urls import path

from .bookings import views
from .groups import views as group_views
from .notices import views as notice_views

app_name = "movements"

urlpatterns = [
    # Travel groups and manifests (movements/groups/views.py)
    path("groups/", group_views.group_list, name="group_list"),
    path("groups/<int:pk>/", group_views.group_detail, name="group_detail"),
    path("groups/<int:pk>/add/", group_views.group_add_booking, name="group_add_booking"),
    path(
        "groups/<int:pk>/bookings/<int:booking_pk>/remove/",
        group_views.group_remove_booking,
        name="group_remove_booking",
    ),
    path("groups/<int:pk>/escorts/", group_views.group_add_escort, name="group_add_escort"),
    path("groups/<int:pk>/manifest/", group_views.manifest_page, name="manifest"),
    path("groups/<int:pk>/manifest.pdf", group_views.manifest_pdf, name="manifest_pdf"),
    path("groups/<int:pk>/manifest.csv", group_views.manifest_csv, name="manifest_csv"),
    # Advance booking notices (movements/notices/views.py)
    path("notices/", notice_views.notice_list, name="notice_list"),
    path("notices/<int:pk>/", notice_views.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/resend/", notice_views.notice_resend, name="notice_resend"),
    path("bookings/<int:booking_pk>/notice/", notice_views.notice_send, name="notice_send"),
    path("notices/ack/<str:token>/", notice_views.notice_ack_link, name="notice_ack_link"),
    # Board, bookings, departure, arrival, escorts, transit (movements/bookings/views.py)
    path("", views.board, name="board"),
    path("bookings/", views.booking_list, name="bookings"),
    path("bookings/<int:pk>/", views.booking_detail, name="booking"),
    path("bookings/<int:pk>/tickets/", views.booking_tickets, name="booking_tickets"),
    path("bookings/<int:pk>/cancel/", views.booking_cancel, name="booking_cancel"),
    path("bookings/<int:pk>/departure/", views.departure, name="departure"),
    path("bookings/<int:pk>/no-show/", views.no_show, name="no_show"),
    path("bookings/<int:pk>/arrival/", views.arrival, name="arrival"),
    path("bookings/<int:pk>/escorts/", views.escort_add, name="escort_add"),
    path("bookings/<int:pk>/check-in/", views.transit_check_in, name="check_in"),
    path("cases/<int:pk>/book/", views.book, name="book"),
    path("escorts/", views.escorts, name="escorts"),
    path("escorts/<int:pk>/remove/", views.escort_remove, name="escort_remove"),
    path("transit/", views.transit, name="transit"),
    path("transit/<int:pk>/check-out/", views.transit_check_out, name="check_out"),
]
