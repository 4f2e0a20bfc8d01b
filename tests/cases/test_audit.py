"""The audit trail: every insert, update and delete of cases and people, bulk ones too, with who."""

import html

from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.formats import date_format
from django.utils.timezone import localtime

from cases.audit import acting_as
from cases.choices import Urgency
from cases.models import Case
from cases.services import case_update, individual_update
from core.roles import Role
from tests.factories import CaseFactory, IndividualFactory, UserFactory


def test_a_service_update_is_audited_with_the_acting_user(caseworker):
    case = CaseFactory()
    case_update(actor=caseworker, case=case, urgency=Urgency.URGENT)
    rows = case.history.order_by("pgh_id")
    assert [r.pgh_label for r in rows] == ["insert", "update"]
    assert rows.last().urgency == Urgency.URGENT
    assert rows.last().pgh_context.metadata["user"] == caseworker.pk


def test_bulk_updates_and_raw_sql_reach_the_audit_trail(caseworker):
    cases = CaseFactory.create_batch(3)
    with acting_as(caseworker):
        Case.objects.filter(pk__in=[c.pk for c in cases]).update(urgency=Urgency.EMERGENCY)
        with connection.cursor() as cursor:
            cursor.execute("UPDATE cases_case SET notes = 'raw' WHERE id = %s", [cases[0].pk])
    updates = apps.get_model("cases", "CaseHistory").objects.filter(pgh_label="update")
    assert updates.count() == 4
    assert {row.pgh_context.metadata["user"] for row in updates} == {caseworker.pk}
    assert updates.filter(pgh_obj_id=cases[0].pk, notes="raw").exists()


def test_deleting_a_member_is_audited(caseworker):
    case = CaseFactory()
    person = IndividualFactory(case=case)
    person_id = person.pk
    with acting_as(caseworker):
        person.delete()
    history = apps.get_model("cases", "IndividualHistory")
    assert history.objects.filter(pgh_obj_id=person_id, pgh_label="delete").count() == 1


def test_member_changes_are_audited_and_on_the_timeline(caseworker):
    case = CaseFactory()
    person = case.members.get()
    individual_update(actor=caseworker, individual=person, given_name="Josiane")
    assert person.history.filter(pgh_label="update", given_name="Josiane").exists()
    event = case.events.get(kind="member_updated")
    assert (event.actor, event.data["fields"]) == (caseworker, ["given_name"])


def _administrator_at_the_admin(client):
    """An administrator as the role makes one: staff, with the role's own permissions only."""
    administrator = UserFactory(username="admin-officer", is_staff=True, roles=[Role.ADMINISTRATOR])
    assert not administrator.is_superuser
    client.force_login(administrator)
    return administrator


def test_the_admin_audit_trail_shows_case_changes_but_no_medical_history(client, caseworker):
    from tests.medical.factories import HealthAssessmentFactory

    case = CaseFactory()
    case_update(actor=caseworker, case=case, notes="Visible audit note")
    HealthAssessmentFactory(individual=case.members.get(), medical_history="Secret-diagnosis-XYZ")
    _administrator_at_the_admin(client)

    page = client.get("/admin/pghistory/events/")

    assert page.status_code == 200
    assert "Visible audit note" in page.content.decode()
    assert "Secret-diagnosis-XYZ" not in page.content.decode()


def test_the_admin_audit_trail_says_who_when_what_and_each_change_in_words(client, caseworker):
    caseworker.first_name, caseworker.last_name = "Claudine", "Uwase"
    caseworker.save(update_fields=["first_name", "last_name"])
    case = CaseFactory(urgency=Urgency.NORMAL)
    case_update(actor=caseworker, case=case, urgency=Urgency.URGENT, notes="Needs a ramp")
    _administrator_at_the_admin(client)

    response = client.get("/admin/pghistory/events/", {"event_model": "cases.casehistory"})

    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    update = case.history.get(pgh_label="update")
    assert date_format(localtime(update.pgh_created_at), "DATETIME_FORMAT") in page
    assert "Claudine Uwase" in page
    assert f"Case {case.pk} changed" in page
    assert f"Case {case.pk} created" in page
    assert "urgency: Normal → Urgent" in page
    assert "notes: – → Needs a ramp" in page
    # Raw columns and bookkeeping stay out.
    assert "updated_at" not in page
    assert '"urgency"' not in page


def test_the_audit_trail_reads_foreign_keys_by_field_name(client, caseworker):
    case = CaseFactory(caseworker=None)
    case_update(actor=caseworker, case=case, caseworker=caseworker)
    _administrator_at_the_admin(client)

    page = html.unescape(client.get("/admin/pghistory/events/").content.decode())

    assert "caseworker: – → caseworker" in page  # the user, by name
    assert "caseworker_id" not in page


def test_other_staff_cannot_open_the_audit_trail(client, db):
    client.force_login(UserFactory(username="nosy", is_staff=True, roles=[Role.CASEWORKER]))
    assert client.get("/admin/pghistory/events/").status_code == 403


def test_the_audit_trail_page_costs_the_same_for_few_or_many_actors(
    client, db, django_assert_max_num_queries
):
    _administrator_at_the_admin(client)
    url = "/admin/pghistory/events/"
    first = UserFactory(username="first-actor")
    case_update(actor=first, case=CaseFactory(caseworker=None), caseworker=first, notes="first")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(6):
        actor = UserFactory(username=f"actor-{n}")
        case_update(actor=actor, case=CaseFactory(caseworker=None), caseworker=actor, notes="n")
    with django_assert_max_num_queries(len(few)):
        response = client.get(url)
    assert response.status_code == 200
    assert "caseworker: – → actor-5" in html.unescape(response.content.decode())
