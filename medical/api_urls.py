from django.urls import path

from . import api

urlpatterns = [
    path(
        "medical/assessments/",
        api.AssessmentListCreateApi.as_view(),
        name="medical-assessments",
    ),
    path(
        "medical/assessments/<int:pk>/",
        api.AssessmentDetailApi.as_view(),
        name="medical-assessment-detail",
    ),
    path(
        "medical/assessments/<int:pk>/outcome/",
        api.AssessmentOutcomeApi.as_view(),
        name="medical-assessment-outcome",
    ),
    path(
        "medical/assessments/<int:pk>/lab-results/",
        api.AssessmentLabResultApi.as_view(),
        name="medical-assessment-lab-results",
    ),
    path(
        "medical/assessments/<int:pk>/treatments/",
        api.AssessmentTreatmentApi.as_view(),
        name="medical-assessment-treatments",
    ),
    path(
        "medical/vaccinations/", api.VaccinationListCreateApi.as_view(), name="medical-vaccinations"
    ),
    path(
        "medical/pre-embarkation-checks/",
        api.PreEmbarkationCheckListCreateApi.as_view(),
        name="medical-pre-embarkation-checks",
    ),
    path(
        "medical/clearances/expiring/",
        api.ClearancesExpiringApi.as_view(),
        name="medical-clearances-expiring",
    ),
]
