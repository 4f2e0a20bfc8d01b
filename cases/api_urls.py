"""/api/v1/ routes of the cases API (included by config/api/urls.py)."""

from django.urls import path

from . import api

urlpatterns = [
    path("cases/", api.CaseListApi.as_view(), name="api-case-list"),
    path("cases/<int:pk>/", api.CaseDetailApi.as_view(), name="api-case-detail"),
    path("cases/<int:pk>/members/", api.CaseMemberCreateApi.as_view(), name="api-case-members"),
    path(
        "cases/<int:pk>/members/<int:member_pk>/",
        api.CaseMemberApi.as_view(),
        name="api-case-member",
    ),
    path(
        "cases/<int:pk>/members/<int:member_pk>/documents/",
        api.MemberDocumentsApi.as_view(),
        name="api-member-documents",
    ),
    path(
        "cases/<int:pk>/members/<int:member_pk>/documents/<int:document_pk>/",
        api.MemberDocumentApi.as_view(),
        name="api-member-document",
    ),
    path(
        "cases/<int:pk>/transitions/",
        api.CaseTransitionApi.as_view(),
        name="api-case-transitions",
    ),
    path("cases/<int:pk>/timeline/", api.CaseTimelineApi.as_view(), name="api-case-timeline"),
    path("individuals/", api.IndividualListApi.as_view(), name="api-individual-list"),
    path("individuals/<int:pk>/", api.IndividualDetailApi.as_view(), name="api-individual-detail"),
    path("countries/", api.CountryListApi.as_view(), name="api-country-list"),
    path("programmes/", api.ProgrammeListApi.as_view(), name="api-programme-list"),
    path("locations/", api.LocationListApi.as_view(), name="api-location-list"),
]
