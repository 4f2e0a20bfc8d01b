from django.urls import path

from . import views

app_name = "partners"

urlpatterns = [
    path("referral-files/", views.referral_files_view, name="referral_files"),
    path("referral-files/<int:pk>/", views.referral_file_view, name="referral_file"),
    path(
        "referral-files/<int:pk>/errors.csv",
        views.referral_file_errors_csv,
        name="referral_file_errors",
    ),
]
