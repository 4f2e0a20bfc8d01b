from django.urls import path

from . import views

app_name = "medical"

urlpatterns = [
    path("", views.today, name="today"),
    path("expiring/", views.expiring, name="expiring"),
    path("cases/<int:pk>/", views.case_clinic, name="case"),
    path("cases/<int:pk>/schedule/", views.schedule, name="schedule"),
    path("assessments/<int:pk>/", views.assessment, name="assessment"),
    path("assessments/<int:pk>/parts/", views.assessment_parts, name="assessment_parts"),
    path("assessments/<int:pk>/lab-results/", views.lab_result_add, name="lab_result_add"),
    path("assessments/<int:pk>/treatments/", views.treatment_add, name="treatment_add"),
    path("assessments/<int:pk>/outcome/", views.outcome, name="outcome"),
    path("assessments/<int:pk>/vaccinations/", views.vaccination_add, name="vaccination_add"),
    path("assessments/<int:pk>/checks/", views.check_add, name="check_add"),
]
