from django.urls import path

from . import api

urlpatterns = [
    path("interviews/", api.InterviewListApi.as_view(), name="api-interview-list"),
    path("interviews/<int:pk>/", api.InterviewDetailApi.as_view(), name="api-interview-detail"),
    path(
        "interviews/<int:pk>/reschedule/",
        api.InterviewRescheduleApi.as_view(),
        name="api-interview-reschedule",
    ),
    path(
        "interviews/<int:pk>/outcome/",
        api.InterviewOutcomeApi.as_view(),
        name="api-interview-outcome",
    ),
]
