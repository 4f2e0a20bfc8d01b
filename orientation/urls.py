from django.urls import path

from . import views

app_name = "orientation"

urlpatterns = [
    path("", views.session_list, name="session_list"),
    path("sessions/new/", views.session_plan, name="session_plan"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<int:pk>/enroll/", views.session_enroll, name="session_enroll"),
    path(
        "sessions/<int:pk>/cases/<int:case_pk>/remove/",
        views.enrollment_remove,
        name="enrollment_remove",
    ),
    path("sessions/<int:pk>/cancel/", views.session_cancel, name="session_cancel"),
    path("sessions/<int:pk>/days/<int:number>/", views.attendance_day, name="attendance_day"),
    path(
        "sessions/<int:pk>/days/<int:number>/attendance/",
        views.attendance_record,
        name="attendance_record",
    ),
]
