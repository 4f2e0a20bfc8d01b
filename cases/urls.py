from django.urls import path

from .views import case_list, case_page, desk, household, intake

app_name = "cases"

urlpatterns = [
    path("", desk.dashboard, name="dashboard"),
    path("partner/", desk.partner_scope, name="partner_scope"),
    path("cases/", case_list.case_list_view, name="list"),
    path("cases/new/", intake.case_create_view, name="create"),
    path("cases/<int:pk>/", case_page.case_detail_view, name="detail"),
    path("cases/<int:pk>/edit/", household.case_edit_view, name="edit"),
    path("cases/<int:pk>/step/", case_page.case_step_view, name="step"),
    path("cases/<int:pk>/members/add/", household.member_add_view, name="member_add"),
    path(
        "cases/<int:pk>/members/<int:member_pk>/edit/",
        household.member_edit_view,
        name="member_edit",
    ),
    path(
        "cases/<int:pk>/members/<int:member_pk>/remove/",
        household.member_remove_view,
        name="member_remove",
    ),
    path(
        "cases/<int:pk>/members/<int:member_pk>/documents/add/",
        household.document_add_view,
        name="document_add",
    ),
]
