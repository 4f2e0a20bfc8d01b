"""Bulk referral intake: every valid referral taken, each invalid one reported with its line
and reason, a re-sent file creating nothing new, an unreadable file refused at once."""

import csv
import io
import json

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Case, CaseEvent, Individual
from core.roles import Role
from partners.models import IntakeBatch, IntakeRowError, IntakeStatus
from tests.api.test_cases_api import referral
from tests.api_clients import bearer_client, session_client
from tests.factories import CaseFactory, user_with_role

pytestmark = pytest.mark.django_db

URL = "/api/v1/referral-files/"
QUERIES_FILE_LIST = 6
HEADER = [
    "unhcr_case_number",
    "location",
    "destination_country",
    "programme",
    "movement_type",
    "submission_category",
    "urgency",
    "referral_date",
    "given_name",
    "family_name",
    "sex",
    "date_of_birth",
    "nationality",
    "relationship",
    "unhcr_individual_number",
    "languages",
]


def person_line(number, given, relationship="PA", **over):
    line = {
        "unhcr_case_number": number,
        "location": "Kiziba",
        "destination_country": "USA",
        "programme": "USRAP",
        "movement_type": "refugee_resettlement",
        "submission_category": "LPN",
        "urgency": "normal",
        "referral_date": "2026-10-01",
        "given_name": given,
        "family_name": "Uwimana",
        "sex": "F",
        "date_of_birth": "1990-01-01",
        "nationality": "COD",
        "relationship": relationship,
        "unhcr_individual_number": "",
        "languages": "Kinyarwanda;Swahili",
    }
    line.update(over)
    return line


def csv_file(lines, header=HEADER, name="referrals.csv"):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(lines)
    return SimpleUploadedFile(name, out.getvalue().encode(), content_type="text/csv")


def upload(client, file, **extra):
    return client.post(URL, {"file": file}, format="multipart", **extra)


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    """Run what is queued on commit (the intake task) as the worker would."""

    def run(call):
        with django_capture_on_commit_callbacks(execute=True):
            return call()

    return run


def test_a_csv_file_takes_every_valid_referral_and_reports_each_invalid_one(
    unhcr_client, unhcr_account, run_tasks
):
    lines = [
        person_line("RWA-26-000001", "Aline"),  # line 2
        person_line("RWA-26-000001", "Eric", relationship="CHILD", date_of_birth="2015-03-01"),
        person_line("RWA-26-000002", "Bosco", date_of_birth="2100-01-01"),  # line 4: future
        person_line("RWA-26-000003", "Claire", relationship="CHILD"),  # line 5: no principal
        person_line("rwa-26-000004 ", "Denise", sex="Q"),  # line 6: unknown sex
        person_line("RWA-26-000005", "Esther"),  # line 7
        person_line("RWA-26-000005", "Fils", relationship="CHILD"),
    ]
    answer = run_tasks(lambda: upload(unhcr_client, csv_file(lines)))
    assert answer.status_code == 202, answer.content
    batch_url = answer["Location"]
    status = unhcr_client.get(batch_url).json()
    assert status["status"] == IntakeStatus.DONE
    assert (status["total_rows"], status["created_rows"], status["error_rows"]) == (5, 2, 3)
    assert status["percent"] == 100
    assert set(Case.objects.values_list("unhcr_case_number", flat=True)) == {
        "RWA-26-000001",
        "RWA-26-000005",
    }
    assert Individual.objects.count() == 4
    assert CaseEvent.objects.filter(actor=unhcr_account).count() == 2  # on each timeline
    errors = unhcr_client.get(status["errors_url"]).json()["results"]
    assert [(e["line"], e["field"]) for e in errors] == [
        (4, "members[0].date_of_birth"),
        (5, "members"),
        (6, "members[0].sex"),
    ]
    assert "future" in errors[0]["message"]
    assert "principal" in errors[1]["message"]


def test_a_re_sent_file_creates_no_duplicates(unhcr_client, run_tasks):
    lines = [person_line("RWA-26-000010", "Aline"), person_line("RWA-26-000011", "Bea")]
    run_tasks(lambda: upload(unhcr_client, csv_file(lines)))
    # The same referrals again, one number typed in lower case with spaces.
    again = [person_line(" rwa-26-000010", "Aline"), person_line("RWA-26-000011", "Bea")]
    answer = run_tasks(lambda: upload(unhcr_client, csv_file(again)))
    status = unhcr_client.get(answer["Location"]).json()
    assert (status["created_rows"], status["present_rows"], status["error_rows"]) == (0, 2, 0)
    assert Case.objects.count() == 2


def test_the_same_case_number_twice_in_a_file_is_refused_naming_the_first_line(
    unhcr_client, run_tasks
):
    lines = [
        person_line("RWA-26-000020", "Aline"),
        person_line("RWA-26-000021", "Bea"),
        person_line("RWA-26-000020", "Aline"),
    ]
    answer = run_tasks(lambda: upload(unhcr_client, csv_file(lines)))
    status = unhcr_client.get(answer["Location"]).json()
    assert (status["created_rows"], status["error_rows"]) == (2, 1)
    error = IntakeRowError.objects.get()
    assert (error.line, error.code) == (4, "duplicate")
    assert "line 2" in error.message


def test_a_json_file_holds_the_bodies_of_single_referrals(unhcr_client, run_tasks):
    good = referral(unhcr_case_number="RWA-26-000030")
    bad = referral(unhcr_case_number="RWA-26-000031", programme="NOPE")
    unknown = referral(unhcr_case_number="RWA-26-000032", status="closed")
    body = json.dumps([good, bad, unknown]).encode()
    file = SimpleUploadedFile("referrals.json", body, content_type="application/json")
    answer = run_tasks(lambda: upload(unhcr_client, file))
    status = unhcr_client.get(answer["Location"]).json()
    assert (status["created_rows"], status["error_rows"]) == (1, 2)
    errors = list(IntakeRowError.objects.values_list("line", "field"))
    assert errors == [(2, "programme"), (3, "status")]


@pytest.mark.parametrize(
    ("content", "name", "code", "status"),
    [
        (b"unhcr_case_number,given_name\nRWA-1,\xff\xfe\n", "bad.csv", "bad_encoding", 400),
        (b"unhcr_case_number,given_name\nRWA-1,Aline\n", "cols.csv", "missing_columns", 400),
        (b"[{" * 10, "junk.json", "bad_json", 400),
        (b"", "empty.csv", "invalid", 400),
        (b"x" * (20 * 1024 * 1024 + 10), "huge.csv", "too_large", 413),
    ],
)
def test_an_unreadable_file_is_refused_at_once_and_nothing_is_queued(
    unhcr_client, content, name, code, status
):
    answer = upload(unhcr_client, SimpleUploadedFile(name, content, content_type="text/csv"))
    assert answer.status_code == status, answer.content
    assert answer.json()["error"]["code"] == code
    assert answer.json()["error"]["field"] == "file"
    assert not IntakeBatch.objects.exists()
    assert not Case.objects.exists()


def test_formula_like_cells_are_taken_as_text_and_neutralised_in_the_error_report(
    caseworker, run_tasks
):
    lines = [person_line("RWA-26-000040", '=HYPERLINK("http://x")', sex="=1+1")]
    client = session_client(caseworker)
    answer = run_tasks(lambda: upload(client, csv_file(lines)))
    batch = IntakeBatch.objects.get()
    assert answer.status_code == 202
    report = client.get(f"/partners/referral-files/{batch.pk}/errors.csv")
    assert report.status_code == 200
    rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert rows[0][0] == "unhcr_case_number"
    assert rows[0][-1] == "reason"
    assert rows[1][0] == "RWA-26-000040"
    assert rows[1][-1].startswith("Line 2: ")
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_who_may_send_and_follow_files(unhcr_client, canada_client, run_tasks, caseworker):
    lines = [person_line("RWA-26-000050", "Aline")]
    answer = run_tasks(lambda: upload(unhcr_client, csv_file(lines)))
    batch_url = answer["Location"]
    # A mission's token lacks cases:write: it may neither send nor read files.
    assert upload(canada_client, csv_file(lines)).status_code == 403
    assert canada_client.get(batch_url).status_code == 403
    # Another partner with the write scope does not see UNHCR's file.
    other = user_with_role(Role.PARTNER_SYSTEM, username="other-partner")
    other_client = bearer_client(other, "cases:read cases:write")
    assert other_client.get(batch_url).status_code == 404
    assert other_client.get(URL).json()["count"] == 0
    # Caseworkers follow every file; a clinician may not.
    assert session_client(caseworker).get(batch_url).status_code == 200
    clinician = user_with_role(Role.CLINICIAN, username="doc")
    assert session_client(clinician).get(batch_url).status_code == 403
    assert IntakeBatch.objects.count() == 1


def test_the_file_list_has_a_fixed_number_of_queries(
    unhcr_client, run_tasks, django_assert_num_queries
):
    for index in range(3):
        run_tasks(lambda i=index: upload(unhcr_client, csv_file([person_line(f"RWA-9-{i}", "A")])))
    # The token (with its application and user), the roles, the organisation, the count, the
    # page, the access log entry: however many files there are.
    with django_assert_num_queries(QUERIES_FILE_LIST):
        listing = unhcr_client.get(URL)
    assert listing.json()["count"] == 3
    run_tasks(lambda: upload(unhcr_client, csv_file([person_line("RWA-9-9", "B")])))
    with django_assert_num_queries(QUERIES_FILE_LIST):
        assert unhcr_client.get(URL).json()["count"] == 4


def test_a_referral_already_recorded_through_the_browser_is_present_not_an_error(
    unhcr_client, run_tasks
):
    CaseFactory(unhcr_case_number="RWA-26-000060")
    answer = run_tasks(lambda: upload(unhcr_client, csv_file([person_line("rwa-26-000060", "A")])))
    status = unhcr_client.get(answer["Location"]).json()
    assert (status["created_rows"], status["present_rows"]) == (0, 1)
    assert Case.objects.count() == 1


def test_a_caseworker_uploads_in_the_browser_and_follows_the_progress(caseworker, run_tasks):
    client = session_client(caseworker)
    page = client.get("/partners/referral-files/")
    assert page.status_code == 200
    assert b'enctype="multipart/form-data"' in page.content
    lines = [person_line("RWA-26-000070", "Aline"), person_line("RWA-26-000071", "B", sex="Q")]
    answer = run_tasks(lambda: client.post("/partners/referral-files/", {"file": csv_file(lines)}))
    batch = IntakeBatch.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == f"/partners/referral-files/{batch.pk}/"
    progress = client.get(answer["Location"], HTTP_HX_REQUEST="true")
    text = progress.content.decode()
    assert 'value="100"' in text
    assert "hx-trigger" not in text  # finished: the page stops polling
    assert "errors.csv" in text and "members[0].sex" in text
    assert Case.objects.filter(unhcr_case_number="RWA-26-000070").exists()


def test_a_running_file_keeps_polling(caseworker):
    batch = IntakeBatch.objects.create(
        created_by=caseworker, format="csv", content=b"", total_rows=200, processed_rows=50
    )
    progress = session_client(caseworker).get(
        f"/partners/referral-files/{batch.pk}/", HTTP_HX_REQUEST="true"
    )
    assert 'hx-trigger="every 1s"' in progress.content.decode()
    assert 'value="25"' in progress.content.decode()


def test_an_unreadable_file_in_the_browser_is_a_field_error(caseworker):
    client = session_client(caseworker)
    bad = SimpleUploadedFile("x.csv", b"given_name\nA\n", content_type="text/csv")
    answer = client.post("/partners/referral-files/", {"file": bad})
    assert answer.status_code == 400
    assert "lacks these columns" in answer.content.decode()
    assert not IntakeBatch.objects.exists()


def test_only_household_editors_use_the_upload_page(clinician, manager):
    assert session_client(clinician).get("/partners/referral-files/").status_code == 403
    assert session_client(manager).get("/partners/referral-files/").status_code == 403


def test_a_lost_intake_is_queued_again_and_a_crash_fails_the_file(
    caseworker, django_capture_on_commit_callbacks, monkeypatch
):
    import datetime

    from django.utils import timezone

    from partners import intake
    from partners.tasks import intake_sweep

    content = csv_file([person_line("RWA-26-000080", "Aline")]).read()
    hour_ago = timezone.now() - datetime.timedelta(hours=2)
    lost = IntakeBatch.objects.create(
        created_by=caseworker, format="csv", content=content, total_rows=1
    )
    IntakeBatch.objects.filter(pk=lost.pk).update(created_at=hour_ago)
    IntakeBatch.objects.create(created_by=caseworker, format="csv", content=content)  # fresh
    with django_capture_on_commit_callbacks(execute=True):
        assert intake_sweep() == 1
    lost.refresh_from_db()
    assert (lost.status, lost.created_rows) == (IntakeStatus.DONE, 1)

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(intake, "take_referrals", broken)
    crashing = IntakeBatch.objects.create(created_by=caseworker, format="csv", content=content)
    with pytest.raises(RuntimeError):
        intake.intake_batch_run(batch_id=crashing.pk)
    crashing.refresh_from_db()
    assert crashing.status == IntakeStatus.FAILED
    # In words for the sender; the error itself is for the log, never shown.
    assert "database went away" not in crashing.failure
    assert "internal error" in crashing.failure


def test_an_expired_or_revoked_token_gets_401_and_nothing_is_queued(unhcr_account):
    import datetime

    from django.utils import timezone
    from oauth2_provider.models import AccessToken

    client = bearer_client(unhcr_account, "cases:read cases:write")
    AccessToken.objects.update(expires=timezone.now() - datetime.timedelta(seconds=1))
    expired = upload(client, csv_file([person_line("RWA-26-000090", "Aline")]))
    assert expired.status_code == 401
    assert expired.json()["error"]["code"] == "not_authenticated"
    revoked = bearer_client(unhcr_account, "cases:read cases:write")
    AccessToken.objects.all().delete()
    assert upload(revoked, csv_file([person_line("RWA-26-000091", "B")])).status_code == 401
    assert not IntakeBatch.objects.exists()


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_the_upload_pages_work_in_every_language(caseworker, language):
    client = session_client(caseworker)
    batch = IntakeBatch.objects.create(
        created_by=caseworker, format="csv", content=b"", status=IntakeStatus.DONE
    )
    for url in ("/partners/referral-files/", f"/partners/referral-files/{batch.pk}/"):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert page.status_code == 200, (url, language)
        assert f'lang="{language}"' in page.content.decode()
