"""The audit trail: every insert, update and delete of cases and people, bulk ones too, with who."""

from django.apps import apps
from django.db import connection

from cases.audit import acting_as
from cases.choices import Urgency
from cases.models import Case
from cases.services import case_update, individual_update
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


def test_the_admin_audit_trail_shows_case_changes_but_no_medical_history(client, caseworker):
    from tests.medical.factories import HealthAssessmentFactory

    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True)
    case = CaseFactory()
    case_update(actor=caseworker, case=case, notes="Visible audit note")
    HealthAssessmentFactory(individual=case.members.get(), medical_history="Secret-diagnosis-XYZ")
    client.force_login(admin_user)

    page = client.get("/admin/pghistory/events/")

    assert page.status_code == 200
    assert b"Visible audit note" in page.content
    assert b"Secret-diagnosis-XYZ" not in page.content
