from django.urls import path

from . import api

urlpatterns = [
    path("reports/runs/", api.RunListCreateApi.as_view(), name="api-report-runs"),
    path("reports/runs/<int:pk>/", api.RunDetailApi.as_view(), name="api-report-run"),
    path("reports/runs/<int:pk>/approve/", api.RunApproveApi.as_view(), name="api-report-approve"),
    path("reports/runs/<int:pk>/cells/", api.DrillDownApi.as_view(), name="api-report-cells"),
    path(
        "reports/runs/<int:pk>/files/<str:edition>/<str:fmt>/",
        api.RunFileApi.as_view(),
        name="api-report-run-file",
    ),
    path("reports/approved/", api.ApprovedListApi.as_view(), name="api-report-approved"),
    path("reports/years/<int:year>/", api.YearApi.as_view(), name="api-report-year"),
    path(
        "reports/years/<int:year>/files/<str:fmt>/",
        api.YearFileApi.as_view(),
        name="api-report-year-file",
    ),
    path("reports/history-imports/", api.HistoryImportApi.as_view(), name="api-report-history"),
]
