"""The REST API: /api/v1/... for data, /api/schema/ and /api/docs/ for its description."""

from django.urls import include, path

urlpatterns = [
    path("v1/", include("cases.api_urls")),
    path("v1/", include("cases.interviews.api_urls")),
    path("v1/", include("medical.api_urls")),
    path("v1/", include("orientation.api_urls")),
    path("v1/", include("movements.api_urls")),
]
