from cases.models import Programme
from cases.reference_data import PROGRAMMES
from medical.choices import CHEST_XRAY, LabTest
from medical.models import MedicalProtocol, ProtocolRequirement
from medical.reference_data import load_medical_protocols


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


def test_an_administrator_edits_protocols_and_their_parts_in_the_admin(admin_client):
    protocol = MedicalProtocol.objects.get(programme__code="USRAP")

    changelist = admin_client.get("/admin/medical/medicalprotocol/")
    change = admin_client.get(f"/admin/medical/medicalprotocol/{protocol.pk}/change/")

    assert changelist.status_code == 200
    assert "USRAP" in changelist.content.decode()
    assert change.status_code == 200
    assert 'name="requirements-0-from_age"' in change.content.decode()


def test_the_access_log_is_read_only_in_the_admin(admin_client):
    assert admin_client.get("/admin/medical/medicalrecordaccess/").status_code == 200
    assert admin_client.get("/admin/medical/medicalrecordaccess/add/").status_code == 403
