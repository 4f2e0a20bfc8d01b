from django.urls import path

from . import api

urlpatterns = [
    path("orientation/sessions/", api.SessionListApi.as_view(), name="orientation-session-list"),
    path(
        "orientation/sessions/<int:pk>/",
        api.SessionDetailApi.as_view(),
        name="orientation-session-detail",
    ),
    path(
        "orientation/sessions/<int:pk>/attendance/",
        api.AttendanceRecordApi.as_view(),
        name="orientation-attendance-record",
    ),
]
