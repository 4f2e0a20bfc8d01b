from django.urls import path

from . import api

urlpatterns = [
    path(
        "orientation/curricula/",
        api.CurriculumListApi.as_view(),
        name="orientation-curriculum-list",
    ),
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
    path(
        "orientation/sessions/<int:pk>/enrollments/",
        api.EnrollmentAddApi.as_view(),
        name="orientation-enrollment-add",
    ),
    path(
        "orientation/sessions/<int:pk>/enrollments/<int:case_pk>/",
        api.EnrollmentRemoveApi.as_view(),
        name="orientation-enrollment-remove",
    ),
    path(
        "orientation/sessions/<int:pk>/cancel/",
        api.SessionCancelApi.as_view(),
        name="orientation-session-cancel",
    ),
]
