from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("cases/", views.case_list_view, name="list"),
    path("cases/new/", views.case_create_view, name="create"),
    path("cases/<int:pk>/", views.case_detail_view, name="detail"),
    path("cases/<int:pk>/edit/", views.case_edit_view, name="edit"),
    path("cases/<int:pk>/step/", views.case_step_view, name="step"),
    path("cases/<int:pk>/members/add/", views.member_add_view, name="member_add"),
    path(
        "cases/<int:pk>/members/<int:member_pk>/edit/",
        views.member_edit_view,
        name="member_edit",
    ),
    path(
        "cases/<int:pk>/members/<int:member_pk>/remove/",
        views.member_remove_view,
        name="member_remove",
    ),
    path(
        "cases/<int:pk>/members/<int:member_pk>/documents/add/",
        views.document_add_view,
        name="document_add",
    ),
]
