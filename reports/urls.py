from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("runs/", views.run_list, name="runs"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/progress/", views.run_progress, name="run_progress"),
    path("runs/<int:pk>/files/", views.run_files, name="run_files"),
    path("runs/<int:pk>/changes/", views.run_changes, name="run_changes"),
    path("runs/<int:pk>/approve/", views.run_approve, name="run_approve"),
    path("runs/<int:pk>/cells/", views.drill, name="drill"),
    path("runs/<int:pk>/files/<str:edition>/<str:fmt>/", views.run_file, name="run_file"),
    path("years/<int:year>/", views.year_report, name="year"),
    path("years/<int:year>/files/<str:fmt>/", views.year_file, name="year_file"),
    path("history/", views.history, name="history"),
]
