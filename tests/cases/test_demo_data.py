"""Demo data: every status, one principal per case, believable dates, idempotent loads."""

import datetime
import io
import itertools
import re
from collections import defaultdict

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, F, Q
from django.utils import timezone

from cases.choices import (
    MAIN_LINE,
    CaseStatus,
    EventKind,
    InterviewDecision,
    InterviewKind,
    InterviewOutcome,
    Relationship,
)
from cases.demo import DEMO_TABLES, demo_data_load
from cases.models import Case, CaseEvent, Individual, Interview, TravelDocument
from cases.selectors import case_status_tally
from cases.workflow import TRANSITIONS_BY_NAME

pytestmark = pytest.mark.django_db

AFTER_APPROVAL = set(MAIN_LINE[MAIN_LINE.index(CaseStatus.APPROVED) + 1 :])
FROM_READY = set(MAIN_LINE[MAIN_LINE.index(CaseStatus.READY_TO_TRAVEL) :])


def _counts():
    return (
        Case.objects.count(),
        Individual.objects.count(),
        CaseEvent.objects.count(),
        Interview.objects.count(),
        TravelDocument.objects.count(),
    )


@pytest.fixture
def loaded(db):
    return demo_data_load(cases=120, seed=7)


def test_every_status_is_represented(loaded):
    statuses = set(Case.objects.values_list("status", flat=True))
    assert statuses == set(CaseStatus.values)


def test_the_summary_counts_what_was_written(loaded):
    assert (loaded.cases, loaded.people, loaded.events, loaded.interviews, loaded.documents) == (
        _counts()
    )
    assert loaded.cases == 120
    assert loaded.rows == sum(_counts())


def test_the_status_tally_counts_the_loaded_cases(loaded):
    """The loader writes with COPY; the tally's triggers see those rows too."""
    by_status = dict(Case.objects.values_list("status").annotate(n=Count("id")))
    assert case_status_tally() == by_status
    assert sum(by_status.values()) == 120


def test_each_case_has_exactly_one_principal_applicant(loaded):
    principals = Case.objects.annotate(
        n=Count("members", filter=Q(members__relationship=Relationship.PRINCIPAL_APPLICANT))
    ).values_list("n", flat=True)
    assert set(principals) == {1}


def test_households_have_one_to_nine_members(loaded):
    sizes = Case.objects.annotate(n=Count("members")).values_list("n", flat=True)
    assert min(sizes) >= 1
    assert max(sizes) <= 9
    assert len(set(sizes)) >= 5


def test_birth_dates_are_believable(loaded):
    today = timezone.localdate()
    people = defaultdict(list)
    for person in Individual.objects.all():
        assert person.date_of_birth <= today
        assert person.date_of_birth > datetime.date(1920, 1, 1)
        people[person.case_id].append(person)
    for members in people.values():
        parents = [
            p
            for p in members
            if p.relationship in (Relationship.PRINCIPAL_APPLICANT, Relationship.SPOUSE)
        ]
        for child in (p for p in members if p.relationship == Relationship.CHILD):
            for parent in parents:
                assert child.date_of_birth > parent.date_of_birth
        principal = next(p for p in members if p.relationship == Relationship.PRINCIPAL_APPLICANT)
        for elder in (p for p in members if p.relationship == Relationship.PARENT):
            assert elder.date_of_birth < principal.date_of_birth


def test_mostly_congolese_and_burundian_with_the_region_s_languages(loaded):
    nationalities = Individual.objects.values_list("nationality__iso_code", flat=True)
    assert sum(1 for n in nationalities if n in ("COD", "BDI")) / len(nationalities) > 0.9
    spoken = {
        lang for langs in Individual.objects.values_list("languages", flat=True) for lang in langs
    }
    assert {"Kinyarwanda", "Swahili", "French", "Kirundi"} <= spoken
    assert Case.objects.filter(unhcr_case_number__regex=r"^RWA-\d{2}-\d{6}$").count() == 120


def test_programmes_belong_to_the_destination_and_the_usa_leads(loaded):
    assert not Case.objects.exclude(programme__country=F("destination_country")).exists()
    top = (
        Case.objects.values("destination_country__iso_code")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    assert top["destination_country__iso_code"] == "USA"


def test_timelines_follow_the_workflow_table(loaded):
    now = timezone.now()
    events = defaultdict(list)
    for event in CaseEvent.objects.order_by("at", "id"):
        events[event.case_id].append(event)
    for case in Case.objects.all():
        timeline = events[case.pk]
        assert timeline[0].kind == EventKind.CREATED
        assert timeline[0].to_status == CaseStatus.REFERRED
        status, resume = CaseStatus.REFERRED, ""
        for previous, event in itertools.pairwise(timeline):
            assert event.at > previous.at
            step = TRANSITIONS_BY_NAME[event.transition]
            assert event.from_status == status
            assert status in step.sources
            target = step.target if step.target is not None else resume
            assert event.to_status == target
            if step.reason_required:
                assert event.reason
            resume = status if step.remembers_source else ""
            status = target
        assert case.status == status
        assert case.resume_status == resume
        assert case.status_changed_at == timeline[-1].at
        assert timeline[-1].at <= now
        assert timezone.localtime(timeline[0].at).date() == case.referral_date
        assert case.referral_date >= datetime.date(2019, 1, 1)


def test_held_and_withdrawn_cases_know_where_to_return(loaded):
    for case in Case.objects.filter(status__in=[CaseStatus.ON_HOLD, CaseStatus.WITHDRAWN]):
        assert case.resume_status


def test_decided_cases_have_a_completed_pre_screening_interview(loaded):
    for case in Case.objects.prefetch_related("interviews"):
        interviews = list(case.interviews.all())
        passed_approval = case.status in AFTER_APPROVAL | {CaseStatus.APPROVED} or (
            CaseEvent.objects.filter(case=case, to_status=CaseStatus.APPROVED).exists()
        )
        if passed_approval:
            assert [(i.kind, i.outcome, i.decision) for i in interviews] == [
                (
                    InterviewKind.PRE_SCREENING,
                    InterviewOutcome.COMPLETED,
                    InterviewDecision.APPROVED,
                )
            ]
        if case.status == CaseStatus.DENIED:
            assert [i.decision for i in interviews] == [InterviewDecision.DENIED]


def test_cases_ready_to_travel_or_later_carry_travel_documents(loaded):
    for case in Case.objects.filter(status__in=FROM_READY).prefetch_related("members__documents"):
        for person in case.members.all():
            documents = list(person.documents.all())
            assert documents
            assert all(d.expires_on > d.issued_on for d in documents)


def test_departed_cases_left_on_an_evening_flight_before_now(loaded):
    departures = CaseEvent.objects.filter(transition="depart")
    assert departures.exists()
    for event in departures:
        assert event.at <= timezone.now()
        assert timezone.localtime(event.at).hour >= 19
    booked = CaseEvent.objects.filter(transition="book")
    assert all("departure_date" in e.data for e in booked)


def test_demo_rows_are_audited_under_a_demo_data_context(loaded):
    history = apps.get_model("cases", "IndividualHistory").objects.all()
    assert history.count() == Individual.objects.count()
    assert {h.pgh_context.metadata["reason"] for h in history.select_related("pgh_context")} == {
        "demo data"
    }


def test_a_second_run_adds_nothing(loaded):
    before = _counts()
    again = demo_data_load(cases=120, seed=7)
    assert again.rows == 0
    assert again.skipped == 120
    assert _counts() == before


def test_a_larger_run_adds_only_the_missing_households(loaded):
    numbers = set(Case.objects.values_list("unhcr_case_number", flat=True))
    more = demo_data_load(cases=150, seed=7)
    assert more.cases == 30
    assert more.skipped == 120
    assert Case.objects.count() == 150
    assert numbers < set(Case.objects.values_list("unhcr_case_number", flat=True))


def test_the_same_seed_makes_the_same_households(db):
    demo_data_load(cases=20, seed=11, chunk_size=7)
    first = sorted(
        Individual.objects.values_list("unhcr_individual_number", "given_name", "date_of_birth")
    )
    Case.objects.all().delete()
    demo_data_load(cases=20, seed=11)
    assert (
        sorted(
            Individual.objects.values_list("unhcr_individual_number", "given_name", "date_of_birth")
        )
        == first
    )


def test_the_command_respects_cases_and_prints_a_summary(settings):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("demo_data", "--cases", "25", "--seed", "3", stdout=out)
    assert Case.objects.count() == 25
    assert "25 cases" in out.getvalue()
    assert "rows/s" in out.getvalue()
    out = io.StringIO()
    call_command("demo_data", "--cases", "25", "--seed", "3", stdout=out)
    assert Case.objects.count() == 25
    assert "0 cases" in out.getvalue()


def test_the_command_refuses_without_debug_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("demo_data", "--cases", "5", stdout=io.StringIO())
    assert Case.objects.count() == 0
    call_command("demo_data", "--cases", "5", "--force", stdout=io.StringIO())
    assert Case.objects.count() == 5


def test_internal_case_numbers_come_from_the_database_sequence(loaded):
    numbers = list(Case.objects.values_list("case_number", flat=True))
    assert all(n.startswith("RW-") and len(n) == 10 for n in numbers)
    assert len(set(numbers)) == len(numbers)


def test_every_loaded_table_is_listed_for_copy():
    assert [t for t, _c in DEMO_TABLES] == [
        "cases_case",
        "cases_individual",
        "cases_traveldocument",
        "cases_interview",
        "cases_caseevent",
    ]


def test_the_benchmark_prints_demo_and_copy_figures(db):
    out = io.StringIO()
    call_command("bench_demo_data", "--cases", "40", "--rollback", "--variants", "none", stdout=out)
    text = out.getvalue()
    figures = {
        line.split("  ")[1].strip(): line
        for line in text.splitlines()
        if line.startswith("  ") and not line.startswith("   ") and "rows/s" in line
    }
    assert set(figures) == {
        "demo_data (generate + COPY)",
        "COPY, all triggers in place",
        "COPY, without audit and one-principal triggers",
    }
    assert all(re.search(r"[\d,]+ rows/s", line) for line in figures.values())
    assert "demo_data / COPY (same rows, all triggers):" in text
    # Rolled back: nothing stays.
    assert Case.objects.count() == 0
