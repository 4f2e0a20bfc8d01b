from django.urls import path

from . import views

app_name = "interviews"

urlpatterns = [
    path("", views.interview_list_page, name="list"),
    path("case/<int:case_pk>/schedule/", views.interview_schedule_page, name="schedule"),
    path("<int:pk>/reschedule/", views.interview_reschedule_page, name="reschedule"),
    path("<int:pk>/outcome/", views.interview_outcome_page, name="outcome"),
]
