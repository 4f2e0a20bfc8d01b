"""Intake that never fails part-way and that a caseworker can fix (issue 15, item 7): a bad
row is a refusal of that row in words on the bad line, a batch is run by one worker and
resumes, the same file sent twice at once is one batch, references by code or name in JSON,
the refused rows come back ready to fix, a template, a possible duplicate saved anyway."""

import csv
import datetime
import io
import json

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from cases.models import Case, Individual
from partners import intake
from partners.intake import CSV_HEADER, INTAKE_LOCK_CLASS, intake_batch_run
from partners.models import IntakeBatch, IntakeRowError, IntakeStatus
from partners.uploads import CappedUploadHandler
from tests.api.test_cases_api import referral
from tests.api_clients import session_client
from tests.factories import CaseFactory
from tests.partners.test_intake import csv_file, person_line, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    def run(call):
        with django_capture_on_commit_callbacks(execute=True):
            return call()

    return run


def json_file(referrals, name="referrals.json"):
    return SimpleUploadedFile(name, json.dumps(referrals).encode(), content_type="application/json")


def refusals(batch):
    return list(
        IntakeRowError.objects.filter(batch=batch)
        .order_by("line")
        .values_list("line", "field", "message")
    )


def test_an_escaped_nul_is_a_refusal_of_its_row_and_the_file_finishes(unhcr_client, run_tasks):
    """Today's main: 202, then `failed` after 1 of 6, the database's error text shown."""
    bodies = [referral(unhcr_case_number=f"RWA-26-00070{i}") for i in range(6)]
    for i, body in enumerate(bodies):
        for member in body["members"]:
            member.pop("unhcr_individual_number", None)
            member["family_name"] = f"Nul{i}"
    bodies[1]["members"][1]["given_name"] = "Er\u0000ic"
    bodies[4]["notes"] = "a\u0000b"
    answer = run_tasks(lambda: upload(unhcr_client, json_file(bodies)))
    assert answer.status_code == 202
    batch = IntakeBatch.objects.get()
    assert (batch.status, batch.created_rows, batch.error_rows) == (IntakeStatus.DONE, 4, 2)
    assert batch.failure == ""
    rows = refusals(batch)
    assert [(line, field) for line, field, _m in rows] == [
        (2, "members[1].given_name"),
        (5, "notes"),
    ]
    assert rows[0][2].startswith("Er")  # the person named (NUL left out)
    assert "NUL" in rows[0][2]
    assert all("\x00" not in message and "0x00" not in message for _l, _f, message in rows)
    assert Case.objects.count() == 4


def test_refusals_are_in_words_on_the_bad_line_naming_the_person(unhcr_client, run_tasks):
    lines = [
        person_line("RWA-26-000201", "Aline"),  # line 2
        person_line("RWA-26-000201", "Eric", relationship="CHILD", date_of_birth="2015-02-30"),
        person_line("RWA-26-000202", "Bosco", location="Nowhere camp"),  # line 4
    ]
    run_tasks(lambda: upload(unhcr_client, csv_file(lines)))
    batch = IntakeBatch.objects.get()
    rows = refusals(batch)
    assert [(line, field) for line, field, _m in rows] == [
        (3, "members[1].date_of_birth"),
        (4, "location"),
    ]
    assert rows[0][2].startswith("Eric Uwimana: ")
    assert "2015-02-30" in rows[0][2] and "YYYY-MM-DD" in rows[0][2]
    assert rows[1][2].startswith("Bosco Uwimana: ")
    assert "Nowhere camp" in rows[1][2]
    for _line, _field, message in rows:
        assert "Incorrect type" not in message
        assert "wrong format" not in message


def test_json_takes_camps_countries_and_programmes_by_code_or_name(unhcr_client, run_tasks):
    by_name = referral(unhcr_case_number="RWA-26-000301", location="Kiziba")
    by_name["destination_country"] = "united states"
    by_name["members"][0]["nationality"] = "cod"
    by_id = referral(unhcr_case_number="RWA-26-000302")  # the camp's id, as before
    for body in (by_name, by_id):
        for member in body["members"]:
            member.pop("unhcr_individual_number", None)
    by_id["members"][0]["family_name"] = "Other"
    by_id["members"][1]["family_name"] = "Other"
    unknown = referral(unhcr_case_number="RWA-26-000303", location="Atlantis")
    answer = run_tasks(lambda: upload(unhcr_client, json_file([by_name, by_id, unknown])))
    status = unhcr_client.get(answer["Location"]).json()
    if status["error_rows"] != 1:
        pytest.fail(str(refusals(IntakeBatch.objects.get())))
    assert status["created_rows"] == 2
    case = Case.objects.get(unhcr_case_number="RWA-26-000301")
    assert (case.location.name, case.destination_country.iso_code) == ("Kiziba", "USA")
    [(line, field, message)] = refusals(IntakeBatch.objects.get())
    assert (line, field) == (3, "location") and "Atlantis" in message


def test_refusals_are_written_in_the_senders_language(caseworker, run_tasks):
    client = session_client(caseworker)
    lines = [person_line("RWA-26-000401", "Aline", date_of_birth="2015-02-30")]
    run_tasks(
        lambda: client.post(
            "/partners/referral-files/",
            {"file": csv_file(lines)},
            HTTP_ACCEPT_LANGUAGE="fr",
        )
    )
    batch = IntakeBatch.objects.get()
    assert batch.language == "fr"
    from django.utils import translation

    with translation.override("fr"):
        expected_label = translation.gettext("Date of birth")
    [(_line, _field, message)] = refusals(batch)
    assert expected_label in message


def test_a_batch_is_run_by_one_worker_at_a_time(caseworker, django_db_blocker):
    content = csv_file([person_line("RWA-26-000501", "Aline")]).read()
    batch = IntakeBatch.objects.create(
        created_by=caseworker, format="csv", content=content, total_rows=1
    )
    settings = connection.settings_dict
    other = psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        autocommit=True,
    )
    try:
        other.execute("SELECT pg_advisory_lock(%s, %s)", [INTAKE_LOCK_CLASS, batch.pk])
        # Another worker holds it: this run leaves it alone, nothing counted or reset.
        intake_batch_run(batch_id=batch.pk)
        batch.refresh_from_db()
        assert (batch.status, batch.processed_rows) == (IntakeStatus.QUEUED, 0)
        assert not Case.objects.exists()
        other.execute("SELECT pg_advisory_unlock(%s, %s)", [INTAKE_LOCK_CLASS, batch.pk])
    finally:
        other.close()
    intake_batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.created_rows) == (IntakeStatus.DONE, 1)


class WorkerLost(BaseException):
    """A worker killed mid-file (not an error the run could record)."""


def test_a_run_after_a_lost_worker_resumes_without_resetting_counts(
    caseworker, monkeypatch, django_capture_on_commit_callbacks
):
    from partners.tasks import intake_sweep

    monkeypatch.setattr(intake, "PROGRESS_EVERY", 2)
    lines = [person_line(f"RWA-26-00060{i}", "Aline", family_name=f"Lost{i}") for i in range(5)] + [
        person_line("RWA-26-000699", "Bad", sex="Q")
    ]
    batch = IntakeBatch.objects.create(
        created_by=caseworker, format="csv", content=csv_file(lines).read(), total_rows=6
    )
    real = intake._take_chunk
    calls = []

    def dies_on_the_second_chunk(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise WorkerLost
        return real(*args, **kwargs)

    monkeypatch.setattr(intake, "_take_chunk", dies_on_the_second_chunk)
    with pytest.raises(WorkerLost):
        intake_batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.processed_rows, batch.created_rows) == (IntakeStatus.RUNNING, 2, 2)
    # The sweep finds it stalled and queues it again; the re-run goes on from referral 3.
    monkeypatch.setattr(intake, "_take_chunk", real)
    IntakeBatch.objects.filter(pk=batch.pk).update(
        progressed_at=batch.progressed_at - datetime.timedelta(hours=2)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert intake_sweep() == 1
    batch.refresh_from_db()
    assert batch.status == IntakeStatus.DONE
    assert (batch.processed_rows, batch.created_rows, batch.present_rows, batch.error_rows) == (
        6,
        5,
        0,
        1,
    )
    assert Case.objects.count() == 5
    assert IntakeRowError.objects.count() == 1


def test_the_same_file_sent_twice_at_once_is_one_batch(unhcr_client, unhcr_account):
    lines = [person_line("RWA-26-000701", "Aline")]
    first = upload(unhcr_client, csv_file(lines))
    second = upload(unhcr_client, csv_file(lines))  # the first still queued
    assert (first.status_code, second.status_code) == (202, 202)
    assert first["Location"] == second["Location"]
    assert IntakeBatch.objects.count() == 1
    # Once it is done, sending it again is a new batch (whose referrals are then present).
    IntakeBatch.objects.update(status=IntakeStatus.DONE)
    third = upload(unhcr_client, csv_file(lines))
    assert third["Location"] != first["Location"]
    assert IntakeBatch.objects.count() == 2


def test_the_refused_rows_come_back_ready_to_fix_and_send_again(caseworker, run_tasks):
    client = session_client(caseworker)
    lines = [
        person_line("RWA-26-000801", "Aline", date_of_birth="1990-02-30"),  # line 2
        person_line("RWA-26-000801", "Eric", relationship="CHILD", date_of_birth="2015-03-01"),
        person_line("RWA-26-000802", "Bosco", family_name="Fine"),
    ]
    run_tasks(lambda: client.post("/partners/referral-files/", {"file": csv_file(lines)}))
    batch = IntakeBatch.objects.get()
    assert (batch.created_rows, batch.error_rows) == (1, 1)
    report = client.get(f"/partners/referral-files/{batch.pk}/errors.csv")
    assert report.status_code == 200
    rows = list(csv.DictReader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert [row["given_name"] for row in rows] == ["Aline", "Eric"]  # both lines of the referral
    assert list(rows[0]) == [*CSV_HEADER, "reason"]
    assert rows[0]["reason"].startswith("Line 2: Aline Uwimana")
    # Fixed in a spreadsheet and sent again, reason column and all.
    rows[0]["date_of_birth"] = "1990-02-28"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[*CSV_HEADER, "reason"])
    writer.writeheader()
    writer.writerows(rows)
    fixed = SimpleUploadedFile("fixed.csv", out.getvalue().encode(), content_type="text/csv")
    run_tasks(lambda: client.post("/partners/referral-files/", {"file": fixed}))
    again = IntakeBatch.objects.order_by("-pk").first()
    assert (again.created_rows, again.error_rows) == (1, 0)
    assert Individual.objects.filter(case__unhcr_case_number="RWA-26-000801").count() == 2


def test_the_template_is_on_the_page_and_is_a_file_that_goes_in(caseworker, run_tasks):
    client = session_client(caseworker)
    page = client.get("/partners/referral-files/").content.decode()
    assert 'href="/partners/referral-files/template.csv"' in page
    template = client.get("/partners/referral-files/template.csv")
    assert template.status_code == 200
    rows = list(csv.DictReader(io.StringIO(template.content.decode())))
    assert list(rows[0]) == list(CSV_HEADER)
    file = SimpleUploadedFile("t.csv", template.content, content_type="text/csv")
    run_tasks(lambda: client.post("/partners/referral-files/", {"file": file}))
    batch = IntakeBatch.objects.get()
    assert (batch.created_rows, batch.error_rows) == (1, 0), refusals(batch)
    assert Individual.objects.count() == 2


def test_a_possible_duplicate_links_to_the_people_and_is_saved_anyway(
    caseworker, clinician, run_tasks
):
    case = CaseFactory(
        principal__given_name="Aline",
        principal__family_name="Uwimana",
        principal__date_of_birth=datetime.date(1990, 1, 1),
    )
    existing = case.members.get()
    client = session_client(caseworker)
    lines = [person_line("RWA-26-000901", "Aline")]  # same names and birth date
    run_tasks(lambda: client.post("/partners/referral-files/", {"file": csv_file(lines)}))
    batch = IntakeBatch.objects.get()
    [error] = IntakeRowError.objects.all()
    assert (batch.error_rows, error.code, error.possible_duplicates) == (
        1,
        "possible_duplicate",
        [existing.pk],
    )
    assert "acknowledged_duplicates" not in error.message
    assert existing.case.case_number in error.message
    page = client.get(f"/partners/referral-files/{batch.pk}/").content.decode()
    assert f'href="{existing.case.get_absolute_url()}"' in page
    save_url = f"/partners/referral-files/{batch.pk}/refused/{error.pk}/save-anyway/"
    assert f'action="{save_url}"' in page
    # Anyone but a household editor: refused, nothing changed.
    assert session_client(clinician).post(save_url).status_code == 403
    assert not Case.objects.filter(unhcr_case_number="RWA-26-000901").exists()
    answer = client.post(save_url)
    assert answer.status_code == 302
    case = Case.objects.get(unhcr_case_number="RWA-26-000901")
    batch.refresh_from_db()
    error.refresh_from_db()
    assert (batch.created_rows, batch.error_rows, error.saved_case) == (1, 0, case)
    page = client.get(f"/partners/referral-files/{batch.pk}/").content.decode()
    assert case.case_number in page
    # Twice is refused in words; nothing more written; the fix file leaves it out.
    client.post(save_url)
    assert Case.objects.filter(unhcr_case_number="RWA-26-000901").count() == 1
    report = client.get(f"/partners/referral-files/{batch.pk}/errors.csv")
    assert len(list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))) == 1


def test_only_a_possible_duplicate_is_saved_anyway(caseworker, run_tasks):
    client = session_client(caseworker)
    lines = [person_line("RWA-26-000951", "Aline", sex="Q")]
    run_tasks(lambda: client.post("/partners/referral-files/", {"file": csv_file(lines)}))
    batch = IntakeBatch.objects.get()
    error = IntakeRowError.objects.get()
    page = client.post(
        f"/partners/referral-files/{batch.pk}/refused/{error.pk}/save-anyway/", follow=True
    )
    assert "possible duplicate" in page.content.decode()
    assert not Case.objects.exists()
    batch.refresh_from_db()
    assert batch.error_rows == 1


def test_the_file_page_with_refusals_has_a_fixed_number_of_queries(
    caseworker, run_tasks, django_assert_max_num_queries
):
    client = session_client(caseworker)
    for index in range(3):
        CaseFactory(
            principal__given_name=f"Dup{index}",
            principal__family_name="Same",
            principal__date_of_birth=datetime.date(1980, 1, 1),
        )
    lines = [
        person_line(f"RWA-26-00098{i}", f"Dup{i}", family_name="Same", date_of_birth="1980-01-01")
        for i in range(3)
    ]
    run_tasks(lambda: client.post("/partners/referral-files/", {"file": csv_file(lines)}))
    batch = IntakeBatch.objects.get()
    assert batch.error_rows == 3
    url = f"/partners/referral-files/{batch.pk}/"
    client.get(url)
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(db) as three:
        client.get(url)
    IntakeRowError.objects.filter(pk=IntakeRowError.objects.first().pk).delete()
    with CaptureQueriesContext(db) as two:
        client.get(url)
    assert len(three) == len(two)


def test_an_upload_is_read_at_most_to_the_limit_plus_one_byte(unhcr_client, monkeypatch):
    handler = CappedUploadHandler(limit=10)
    handler.new_file("file", "big.csv", "text/csv", 100)
    for start in range(0, 100, 7):
        assert handler.receive_data_chunk(b"x" * 7, start) is None
    kept = handler.file_complete(100)
    assert (kept.size, len(kept.read())) == (11, 11)
    # Through the API: a file over the (lowered) limit is refused by size, nothing queued.
    monkeypatch.setattr(intake, "MAX_FILE_BYTES", 1000)
    big = SimpleUploadedFile("big.csv", b"unhcr_case_number\n" + b"x" * 5000, "text/csv")
    answer = upload(unhcr_client, big)
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "too_large"
    assert not IntakeBatch.objects.exists()
    # With an Idempotency-Key the middleware reads the body before the view: the same cap holds.
    big.seek(0)
    answer = upload(unhcr_client, big, HTTP_IDEMPOTENCY_KEY="big-file-1")
    assert answer.status_code == 413
    assert not IntakeBatch.objects.exists()


def test_every_upload_goes_through_the_capped_handler(settings):
    assert settings.FILE_UPLOAD_HANDLERS == ["partners.uploads.CappedUploadHandler"]


def test_intake_takes_plain_data_not_the_api_serializers():
    import ast
    from pathlib import Path

    source = Path(intake.__file__).read_text()
    imported = {
        node.module
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert "cases.serializers" not in imported
    assert not any(name.startswith("rest_framework") for name in imported)


def test_a_case_recorded_in_the_browser_meanwhile_is_present(unhcr_client, run_tasks):
    CaseFactory(unhcr_case_number="RWA-26-000990")
    lines = [person_line("RWA-26-000990", "Aline"), person_line("RWA-26-000991", "Bea")]
    answer = run_tasks(lambda: upload(unhcr_client, csv_file(lines)))
    status = unhcr_client.get(answer["Location"]).json()
    assert (status["created_rows"], status["present_rows"], status["error_rows"]) == (1, 1, 0)


def test_the_database_holds_one_active_batch_per_file_and_sender(caseworker):
    """Two sends at the same moment both pass the look-up: the constraint keeps one."""
    from django.db import IntegrityError, transaction

    first = IntakeBatch.objects.create(
        created_by=caseworker, format="csv", content=b"x", content_sha256="a" * 64
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        IntakeBatch.objects.create(
            created_by=caseworker, format="csv", content=b"x", content_sha256="a" * 64
        )
    IntakeBatch.objects.filter(pk=first.pk).update(status=IntakeStatus.DONE)
    IntakeBatch.objects.create(
        created_by=caseworker, format="csv", content=b"x", content_sha256="a" * 64
    )
    assert IntakeBatch.objects.count() == 2


def test_the_api_names_the_people_a_possible_duplicate_may_be(unhcr_client, run_tasks):
    case = CaseFactory(
        principal__given_name="Aline",
        principal__family_name="Uwimana",
        principal__date_of_birth=datetime.date(1990, 1, 1),
    )
    answer = run_tasks(
        lambda: upload(unhcr_client, csv_file([person_line("RWA-26-000961", "Aline")]))
    )
    errors = unhcr_client.get(answer["Location"] + "errors/").json()["results"]
    assert [(e["line"], e["code"], e["possible_duplicates"]) for e in errors] == [
        (2, "possible_duplicate", [case.members.get().pk])
    ]
    assert errors[0]["message"].startswith("Aline Uwimana")
