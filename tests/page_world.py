"""One of every record the pages of movements, reports and partners show, for the tests that
walk every URL pattern of those apps as every role and with bad input (tests/*/test_every_page.py).

`world()` returns the keyword arguments of every URL name; `snapshot()` is what must not change
when a page refuses a request."""

import contextlib
import datetime

from django.apps import apps
from django.urls import NoReverseMatch, get_resolver, reverse
from django.utils import timezone

from cases.models import Case
from movements.bookings import services
from movements.choices import EscortKind, EscortRole
from movements.groups import services as groups
from movements.notices import services as notices
from partners.models import IntakeBatch, IntakeRowError
from reports import services as report_services
from reports.history import history_import
from tests.movements.booked import booked_case, mission

ROLES = [
    "caseworker",
    "clinician",
    "facilitator",
    "movement_officer",
    "manager",
    "partner",
    "administrator",
]

# The apps whose rows a refused request must leave as they were.
WATCHED_APPS = ("cases", "movements", "reports", "partners", "medical", "orientation")

HISTORY_CSV = b"year,destination,camp,sex,age_band,movement_type,persons\n2012,USA,,,,,3\n"


def url_names(namespace: str) -> set[str]:
    """Every URL name of an app's urls.py."""
    resolver = get_resolver()
    _prefix, sub = resolver.namespace_dict[namespace]
    return {p.name for p in sub.url_patterns if p.name}


def world(officer, manager, caseworker) -> dict[str, dict]:
    """Rows behind every page, and the URL kwargs of each page."""
    from tests.movements.conftest import ready_case

    day = timezone.localdate() + datetime.timedelta(days=10)
    mission()
    booking = booked_case(day=day, children=1)
    group = groups.travel_group_create(actor=officer, name="KQ 479", flight_date=day)
    groups.travel_group_add_booking(actor=officer, group=group, booking=booking)
    escort = services.escort_assign(
        actor=officer,
        travel_group=group,
        name="Jeanne Uwase",
        kind=EscortKind.STAFF,
        role=EscortRole.MEDICAL,
    )
    notice = notices.notice_send(actor=officer, booking=booking)
    stay = services.transit_check_in(
        actor=officer,
        case=booking.case,
        checked_in_at=timezone.now() - datetime.timedelta(hours=1),
        recorded_after_the_fact=True,  # an hour ago may be yesterday in Kigali
    )
    ready = ready_case(adults=1)

    run, _created = report_services.run_request(user=manager, kind="yearly", year=2020)
    report_services.run_compute(run_id=run.pk)  # what the worker does, with its draft files
    report_services.run_approve(run_id=run.pk, user=manager)
    report_services.approved_files_write(run_id=run.pk)
    history_import(user=manager, file_name="past.csv", content=HISTORY_CSV)

    batch = IntakeBatch.objects.create(
        created_by=caseworker, file_name="f.csv", format="csv", content=b"x", status="done"
    )
    refusal = IntakeRowError.objects.create(batch=batch, line=2, message="x", code="invalid")
    return {
        "movements:group_list": {},
        "movements:group_detail": {"pk": group.pk},
        "movements:group_add_booking": {"pk": group.pk},
        "movements:group_remove_booking": {"pk": group.pk, "booking_pk": booking.pk},
        "movements:group_add_escort": {"pk": group.pk},
        "movements:manifest": {"pk": group.pk},
        "movements:manifest_pdf": {"pk": group.pk},
        "movements:manifest_csv": {"pk": group.pk},
        "movements:notice_list": {},
        "movements:notice_detail": {"pk": notice.pk},
        "movements:notice_resend": {"pk": notice.pk},
        "movements:notice_send": {"booking_pk": booking.pk},
        "movements:notice_ack_link": {"token": "not-a-token"},
        "movements:board": {},
        "movements:bookings": {},
        "movements:booking": {"pk": booking.pk},
        "movements:booking_tickets": {"pk": booking.pk},
        "movements:booking_cancel": {"pk": booking.pk},
        "movements:departure": {"pk": booking.pk},
        "movements:no_show": {"pk": booking.pk},
        "movements:arrival": {"pk": booking.pk},
        "movements:escort_add": {"pk": booking.pk},
        "movements:check_in": {"pk": booking.pk},
        "movements:book": {"pk": ready.pk},
        "movements:escorts": {},
        "movements:escort_remove": {"pk": escort.pk},
        "movements:transit": {},
        "movements:check_out": {"pk": stay.pk},
        "reports:dashboard": {},
        "reports:runs": {},
        "reports:run": {"pk": run.pk},
        "reports:run_progress": {"pk": run.pk},
        "reports:run_changes": {"pk": run.pk},
        "reports:run_files": {"pk": run.pk},
        "reports:run_approve": {"pk": run.pk},
        "reports:drill": {"pk": run.pk},
        "reports:run_file": {"pk": run.pk, "edition": "draft", "fmt": "csv"},
        "reports:year": {"year": 2020},
        "reports:year_file": {"year": 2020, "fmt": "csv"},
        "reports:history": {},
        "partners:referral_files": {},
        "partners:referral_file": {"pk": batch.pk},
        "partners:referral_file_errors": {"pk": batch.pk},
        "partners:referral_file_template": {},
        "partners:referral_save_anyway": {"pk": batch.pk, "error_pk": refusal.pk},
    }


def url_of(name: str, kwargs: dict) -> str:
    return reverse(name, kwargs=kwargs)


def changed_models(before: dict[str, int]) -> dict[str, tuple[int, int]]:
    now = counts()
    return {k: (before[k], now[k]) for k in now if before.get(k) != now[k]}


# Derived bookkeeping an allowed GET may write: opening an approved report version queues a
# comparison with today's records (reports.checks). Refused roles writing none of it is tested
# in tests/reports/test_changes_since_approval.py.
DERIVED_ON_READ = {"reports.ApprovalCheck"}


def counts() -> dict[str, int]:
    out = {}
    for label in WATCHED_APPS:
        for model in apps.get_app_config(label).get_models():
            if model._meta.label in DERIVED_ON_READ:
                continue
            out[model._meta.label] = model._default_manager.count()
    out["case statuses"] = hash(tuple(Case.objects.order_by("pk").values_list("pk", "status")))
    return out


VIEWERS = {"caseworker", "movement_officer", "manager", "administrator"}
OFFICERS = {"movement_officer", "administrator"}
REPORTERS = {"manager", "administrator"}
HOUSEHOLD_EDITORS = {"caseworker", "administrator"}
EVERYONE = set(ROLES) | {"anonymous"}

# name: (who may GET it, who may POST to it). Nobody in a set: the method is not allowed (405).
# A GET page that takes no POST answers a POST as a GET (nothing written) or 405.
MOVEMENTS_ACCESS = {
    "movements:group_list": (VIEWERS, OFFICERS),
    "movements:group_detail": (VIEWERS, set()),
    "movements:group_add_booking": (set(), OFFICERS),
    "movements:group_remove_booking": (set(), OFFICERS),
    "movements:group_add_escort": (set(), OFFICERS),
    "movements:manifest": (VIEWERS, set()),
    "movements:manifest_pdf": (VIEWERS, set()),
    "movements:manifest_csv": (VIEWERS, set()),
    "movements:notice_list": (VIEWERS, set()),
    "movements:notice_detail": (VIEWERS, set()),
    "movements:notice_resend": (set(), OFFICERS),
    "movements:notice_send": (set(), OFFICERS),
    "movements:notice_ack_link": (EVERYONE, EVERYONE),  # the signed link is the credential
    "movements:board": (VIEWERS, set()),
    "movements:bookings": (VIEWERS, set()),
    "movements:booking": (VIEWERS, set()),
    "movements:booking_tickets": (set(), OFFICERS),
    "movements:booking_cancel": (set(), OFFICERS),
    "movements:departure": (set(), OFFICERS),
    "movements:no_show": (set(), OFFICERS),
    "movements:arrival": (set(), OFFICERS),
    "movements:escort_add": (set(), OFFICERS),
    "movements:check_in": (set(), OFFICERS),
    "movements:book": (OFFICERS, OFFICERS),
    "movements:escorts": (VIEWERS, set()),
    "movements:escort_remove": (set(), OFFICERS),
    "movements:transit": (VIEWERS, set()),
    "movements:check_out": (set(), OFFICERS),
}
REPORTS_ACCESS = {
    "reports:dashboard": (REPORTERS, set()),
    "reports:runs": (REPORTERS, REPORTERS),
    "reports:run": (REPORTERS, set()),
    "reports:run_progress": (REPORTERS, set()),
    "reports:run_changes": (REPORTERS, set()),
    "reports:run_files": (REPORTERS, set()),
    "reports:run_approve": (set(), REPORTERS),
    "reports:drill": (REPORTERS, set()),
    "reports:run_file": (REPORTERS, set()),
    "reports:year": (REPORTERS, set()),
    "reports:year_file": (REPORTERS, set()),
    "reports:history": (REPORTERS, REPORTERS),
}
PARTNERS_ACCESS = {
    "partners:referral_files": (HOUSEHOLD_EDITORS, HOUSEHOLD_EDITORS),
    "partners:referral_file": (HOUSEHOLD_EDITORS, set()),
    "partners:referral_file_errors": (HOUSEHOLD_EDITORS, set()),
    "partners:referral_file_template": (HOUSEHOLD_EDITORS, set()),
    "partners:referral_save_anyway": (set(), HOUSEHOLD_EDITORS),
}
ACCESS = {"movements": MOVEMENTS_ACCESS, "reports": REPORTS_ACCESS, "partners": PARTNERS_ACCESS}

REFUSED = {403, 404}
# Pages answering something other than 200 to an allowed GET of the world's rows.
GET_STATUS = {
    "movements:notice_ack_link": 400,  # the world's token is not a signed one
    "reports:drill": 400,  # no cell named: a clear refusal
}


def walk_as(client, role: str, namespace: str, urls: dict[str, dict]) -> list[str]:
    """Every page of the app, GET then an empty POST, as `role`: the failures found."""
    failures = []
    access = ACCESS[namespace]
    for name, (getters, posters) in access.items():
        url = url_of(name, urls[name])
        before = counts()
        response = client.get(url)
        code = response.status_code
        if role in getters:
            expected = {GET_STATUS.get(name, 200)}
        elif not getters:
            expected = {405} | (REFUSED if role not in posters else set())
            expected |= {302} if role == "anonymous" else set()
        else:
            expected = REFUSED | ({302} if role == "anonymous" else set())
        if code not in expected:
            failures.append(f"GET {name} as {role}: {code}, expected {sorted(expected)}")
        if changed := changed_models(before):
            failures.append(f"GET {name} as {role} changed {changed}")
    for name, (getters, posters) in access.items():
        url = url_of(name, urls[name])
        before = counts()
        code = client.post(url, {}).status_code
        if role in posters:
            if code >= 500 or code in REFUSED:
                failures.append(f"POST {name} as {role}: {code}, expected it done or a form error")
            continue
        if role in getters and not posters:
            expected = {200, 405}
        else:
            expected = REFUSED | {405} | ({302} if role == "anonymous" else set())
        if code not in expected:
            failures.append(f"POST {name} as {role}: {code}, expected {sorted(expected)}")
        if changed := changed_models(before):
            failures.append(f"POST {name} as {role} changed {changed}")
    return failures


# What an outside tester sends instead of what the forms ask for.
BAD_VALUES = [
    "",
    "abc",
    "\x00",
    "a\x00b",
    "-1",
    "0",
    "99999999999999999999999",
    "0000-00-00",
    "9999-99-99",
    "9999-12-31",
    "0001-01-01",
    "9999-12-31T23:59",
    "0001-01-01T00:00",
    "x" * 20_000,
    "<script>alert(1)</script>",
    "=1+1",
]
# Every field name the pages' forms and query strings read.
FIELDS = [
    "page",
    "status",
    "date",
    "destination",
    "location",
    "days",
    "live",
    "reload",
    "table",
    "measure",
    "format",
    "booking_reference",
    "recorded_after_the_fact",
    "escort_name",
    "escort_kind",
    "escort_contact",
    "reason",
    "departed_at",
    "arrived_on",
    "airport",
    "receiving_agency",
    "notes",
    "name",
    "kind",
    "role",
    "contact",
    "centre",
    "checked_in_at",
    "flight_date",
    "booking",
    "year",
    "year_from",
    "year_to",
    "acknowledged_by",
    "destination_country",
    "camp",
    "sex",
    "age_band",
    "month",
    "movement_type",
    "programme_country",
]
SEGMENT_FIELDS = [
    "carrier",
    "flight_number",
    "from_airport",
    "to_airport",
    "departs_at",
    "from_timezone",
    "arrives_at",
    "to_timezone",
]


def bad_bodies(member_pks=()) -> list[dict]:
    """One body per bad value: every field the forms read set to it."""
    bodies = []
    for value in BAD_VALUES:
        body = dict.fromkeys(FIELDS, value)
        for row in (1, 2):
            body.update({f"s{row}_{f}": value for f in SEGMENT_FIELDS})
        for pk in member_pks:
            body[f"travels_{pk}"] = value
            body[f"ticket_{pk}"] = value
        bodies.append(body)
    # Sensible values but for one field at a time (a form that is otherwise valid reaches the
    # service with the bad value).
    return bodies


def bad_paths(name: str, kwargs: dict) -> list[str]:
    """The page's URL with each of its path values replaced by a bad one of the same kind."""
    paths = []
    for key, value in kwargs.items():
        for bad in (
            (0, 2**31, 2**63, 10**30) if isinstance(value, int) else ("a\x00b", "x" * 5000, "..")
        ):
            with contextlib.suppress(NoReverseMatch):  # a value the pattern cannot take
                paths.append(url_of(name, {**kwargs, key: bad}))
    return paths


def fuzz(client, namespace: str, urls: dict[str, dict], member_pks=()) -> list[str]:
    """Every page of the app with bad query strings, bad path values and bad POST bodies: the
    answers that were a server error."""
    failures = []
    for name in ACCESS[namespace]:
        kwargs = urls[name]
        url = url_of(name, kwargs)
        for path in bad_paths(name, kwargs):
            for method in (client.get, client.post):
                code = method(path).status_code
                if code >= 500:
                    failures.append(f"{method.__name__.upper()} {path[:80]!r}: {code}")
        for body in bad_bodies(member_pks):
            value = body["page"]
            code = client.get(url, body).status_code
            if code >= 500:
                failures.append(f"GET {name} with every parameter {value[:30]!r}: {code}")
            code = client.post(url, body).status_code
            if code >= 500:
                failures.append(f"POST {name} with every field {value[:30]!r}: {code}")
    return failures


def in_every_language(client, namespace: str, urls: dict[str, dict]) -> list[str]:
    """Every page the administrator may GET, in each configured language: what did not answer
    as it does in English."""
    from django.conf import settings

    failures = []
    for code, _name in settings.LANGUAGES:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = code
        for name, (getters, _posters) in ACCESS[namespace].items():
            if "administrator" not in getters:
                continue
            response = client.get(url_of(name, urls[name]))
            expected = GET_STATUS.get(name, 200)
            if response.status_code != expected:
                failures.append(f"{code} {name}: {response.status_code}")
            elif response.get("Content-Language") not in (code, None):
                failures.append(f"{code} {name}: answered in {response['Content-Language']}")
    return failures


def posts_without_csrf_token(namespace: str, user, urls: dict[str, dict]) -> list[str]:
    """Every page POSTed by an allowed user's browser session but without the CSRF token:
    refused (403) and nothing written."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    failures = []
    for name in ACCESS[namespace]:
        before = counts()
        code = client.post(url_of(name, urls[name]), {"name": "x", "reason": "x"}).status_code
        if code not in (403, 405):
            failures.append(f"POST {name} without a CSRF token: {code}")
        if changed := changed_models(before):
            failures.append(f"POST {name} without a CSRF token changed {changed}")
    return failures
