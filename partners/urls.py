from django.urls import path

from . import views

app_name = "partners"

urlpatterns = [
    path("referral-files/", views.referral_files_view, name="referral_files"),
    path(
        "referral-files/template.csv", views.referral_file_template, name="referral_file_template"
    ),
    path("referral-files/<int:pk>/", views.referral_file_view, name="referral_file"),
    path(
        "referral-files/<int:pk>/refused/<int:error_pk>/save-anyway/",
        views.referral_save_anyway_view,
        name="referral_save_anyway",
    ),
    path(
        "referral-files/<int:pk>/errors.csv",
        views.referral_file_errors_csv,
        name="referral_file_errors",
    ),
]
