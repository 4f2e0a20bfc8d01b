from django.urls import path

from . import group_views, notice_views

app_name = "movements"

urlpatterns = [
    # Travel groups and manifests (movements/group_views.py)
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
    # Advance booking notices (movements/notice_views.py)
    path("notices/", notice_views.notice_list, name="notice_list"),
    path("notices/<int:pk>/", notice_views.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/resend/", notice_views.notice_resend, name="notice_resend"),
    path("bookings/<int:booking_pk>/notice/", notice_views.notice_send, name="notice_send"),
    path("notices/ack/<str:token>/", notice_views.notice_ack_link, name="notice_ack_link"),
]
