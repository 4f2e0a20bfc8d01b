"""The REST API: /api/v1/... for data, /api/schema/ and /api/docs/ for its description."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from core.api.docs import SwaggerUIView

urlpatterns = [
    path("v1/", include("cases.api_urls")),
    path("v1/", include("cases.interviews.api_urls")),
    path("v1/", include("medical.api_urls")),
    path("v1/", include("orientation.api_urls")),
    path("v1/", include("movements.api_urls")),
    path("v1/", include("reports.api_urls")),
    path("v1/", include("partners.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SwaggerUIView.as_view(url_name="api-schema"), name="api-docs"),
]
