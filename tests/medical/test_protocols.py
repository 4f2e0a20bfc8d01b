import pytest

from cases.models import Programme
from cases.reference_data import PROGRAMMES
from core.roles import Role
from medical.choices import CHEST_XRAY, AccessChannel, LabTest, RecordKind
from medical.models import MedicalProtocol, MedicalRecordAccess, ProtocolRequirement
from medical.reference_data import load_medical_protocols
from tests.factories import UserFactory
from tests.medical.conftest import case_in


def test_every_destination_programme_has_a_medical_protocol(db):
    codes = {code for code, _iso, _name in PROGRAMMES}
    with_protocol = set(MedicalProtocol.objects.values_list("programme__code", flat=True))
    assert codes <= with_protocol
    assert MedicalProtocol.objects.get(programme__code="USRAP").clearance_validity_days == 180
    assert MedicalProtocol.objects.get(programme__code="CA-GAR").clearance_validity_days == 365


def test_loading_protocols_again_creates_nothing_and_keeps_an_administrators_change(db):
    protocol = MedicalProtocol.objects.get(programme__code="USRAP")
    protocol.clearance_validity_days = 90
    protocol.save()
    protocols, requirements = MedicalProtocol.objects.count(), ProtocolRequirement.objects.count()

    assert load_medical_protocols() == 0

    assert MedicalProtocol.objects.count() == protocols
    assert ProtocolRequirement.objects.count() == requirements
    protocol.refresh_from_db()
    assert protocol.clearance_validity_days == 90


def test_a_new_programme_gets_its_protocol_when_loaded(db):
    MedicalProtocol.objects.filter(programme__code="NO-QUOTA").delete()

    assert load_medical_protocols() == 1

    protocol = MedicalProtocol.objects.get(programme=Programme.objects.get(code="NO-QUOTA"))
    assert protocol.pre_embarkation_window_days == 3
    assert protocol.requirements.filter(part=CHEST_XRAY, from_age=15).exists()


def test_the_us_protocol_asks_for_the_tb_blood_test_from_two_and_the_x_ray_from_fifteen(db):
    protocol = MedicalProtocol.objects.prefetch_related("requirements").get(programme__code="USRAP")
    assert protocol.parts_for_age(1) == set()
    assert protocol.parts_for_age(8) == {LabTest.IGRA}
    assert protocol.parts_for_age(15) == {
        LabTest.IGRA,
        CHEST_XRAY,
        LabTest.SYPHILIS,
        LabTest.GONORRHOEA,
    }
    assert LabTest.HIV not in protocol.parts_for_age(40)


@pytest.fixture
def administrator_client(client, administrator):
    """The administrator as the role makes one: staff, with the role's own permissions only."""
    administrator.is_staff = True
    administrator.save(update_fields=["is_staff"])
    assert not administrator.is_superuser
    client.force_login(administrator)
    return client


def test_an_administrator_edits_protocols_and_their_parts_in_the_admin(administrator_client):
    protocol = MedicalProtocol.objects.get(programme__code="USRAP")
    url = f"/admin/medical/medicalprotocol/{protocol.pk}/change/"
    requirements = list(protocol.requirements.order_by("pk"))

    changelist = administrator_client.get("/admin/medical/medicalprotocol/")
    change = administrator_client.get(url)
    form = {
        "programme": protocol.programme_id,
        "clearance_validity_days": 200,
        "pre_embarkation_window_days": protocol.pre_embarkation_window_days,
        "requirements-TOTAL_FORMS": len(requirements),
        "requirements-INITIAL_FORMS": len(requirements),
        "requirements-MIN_NUM_FORMS": 0,
        "requirements-MAX_NUM_FORMS": 1000,
    }
    for n, requirement in enumerate(requirements):
        form |= {
            f"requirements-{n}-id": requirement.pk,
            f"requirements-{n}-protocol": protocol.pk,
            f"requirements-{n}-part": requirement.part,
            f"requirements-{n}-from_age": requirement.from_age,
        }
    form["requirements-0-from_age"] = 3
    # The rules for results are edited on the same page: an escort for TB class B1.
    rules = list(protocol.finding_rules.order_by("finding", "pk"))
    form |= {
        "finding_rules-TOTAL_FORMS": len(rules),
        "finding_rules-INITIAL_FORMS": len(rules),
        "finding_rules-MIN_NUM_FORMS": 0,
        "finding_rules-MAX_NUM_FORMS": 1000,
    }
    for n, rule in enumerate(rules):
        form |= {
            f"finding_rules-{n}-id": rule.pk,
            f"finding_rules-{n}-protocol": protocol.pk,
            f"finding_rules-{n}-finding": rule.finding,
            f"finding_rules-{n}-conditions": ",".join(rule.conditions),
        }
        if rule.treatment_before_travel:
            form[f"finding_rules-{n}-treatment_before_travel"] = "on"
        if rule.finding == "tb_B1":
            form[f"finding_rules-{n}-conditions"] = "follow_up,medical_escort"
    saved = administrator_client.post(url, form)

    assert changelist.status_code == 200
    assert "USRAP" in changelist.content.decode()
    assert change.status_code == 200
    assert 'name="requirements-0-from_age"' in change.content.decode()
    assert saved.status_code == 302
    protocol.refresh_from_db()
    assert protocol.clearance_validity_days == 200
    assert protocol.requirements.get(pk=requirements[0].pk).from_age == 3
    assert protocol.finding_rules.get(finding="tb_B1").conditions == [
        "follow_up",
        "medical_escort",
    ]


@pytest.fixture
def logged_access(db, clinician):
    person = case_in(adults=1).members.get()
    return MedicalRecordAccess.objects.create(
        user=clinician,
        individual=person,
        record_kind=RecordKind.ASSESSMENT,
        record_id=1,
        via=AccessChannel.PAGE,
    )


def test_an_administrator_reads_the_access_log_in_the_admin(administrator_client, logged_access):
    listing = administrator_client.get("/admin/medical/medicalrecordaccess/")
    detail = administrator_client.get(
        f"/admin/medical/medicalrecordaccess/{logged_access.pk}/change/"
    )

    assert listing.status_code == 200
    assert "clinician" in listing.content.decode()
    assert detail.status_code == 200
    assert 'type="submit"' not in detail.content.decode().split('id="content-main"')[1]


def test_the_access_log_cannot_be_added_to_changed_or_deleted_in_the_admin(
    administrator_client, logged_access
):
    base = "/admin/medical/medicalrecordaccess/"
    change = f"{base}{logged_access.pk}/change/"
    form = {
        "user": logged_access.user_id,
        "individual": logged_access.individual_id,
        "record_kind": RecordKind.VACCINATION,
        "record_id": 2,
        "via": AccessChannel.API,
        "at_0": "2026-01-01",
        "at_1": "10:00",
    }

    assert administrator_client.get(f"{base}add/").status_code == 403
    assert administrator_client.post(f"{base}add/", form).status_code == 403
    assert administrator_client.post(change, form).status_code == 403
    assert administrator_client.get(f"{base}{logged_access.pk}/delete/").status_code == 403
    assert (
        administrator_client.post(f"{base}{logged_access.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    bulk = administrator_client.post(
        base, {"action": "delete_selected", "_selected_action": [logged_access.pk], "post": "yes"}
    )
    assert bulk.status_code == 200  # no such action here: the list again, nothing deleted

    assert MedicalRecordAccess.objects.count() == 1
    logged_access.refresh_from_db()
    assert (logged_access.record_kind, logged_access.record_id, logged_access.via) == (
        RecordKind.ASSESSMENT,
        1,
        AccessChannel.PAGE,
    )


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMINISTRATOR])
def test_no_other_role_reads_the_access_log_even_with_staff_status(client, logged_access, role):
    client.force_login(UserFactory(username=f"staff-{role}", is_staff=True, roles=[role]))
    assert client.get("/admin/medical/medicalrecordaccess/").status_code == 403
