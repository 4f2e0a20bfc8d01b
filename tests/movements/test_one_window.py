"""One travel window: the function the database keeps the windows with is written from the
Python constants (movements.windows), and its opening and closing dates agree with the
workflow's guards day by day, history included."""

import pytest
from django.db import connection

from cases.workflow import StepContext, registered_guards
from medical.models import HealthAssessment
from movements.bookings.selectors import travel_window
from movements.windows import FUNCTION_NAME, refresh_function_sql
from tests.movements.conftest import TODAY, days, ready_case

GUARDS = ("travellers_medically_cleared", "travel_documents_present")


def _guards_pass(case, day):
    guards = registered_guards()
    return not any(guards[name](case, StepContext(departure_date=day)) for name in GUARDS)


def test_the_installed_function_is_the_one_written_from_the_constants(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = %s", [FUNCTION_NAME])
        (installed,) = cursor.fetchone()
    generated = refresh_function_sql().split("AS $$", 1)[1].rsplit("$$ LANGUAGE", 1)[0]
    assert installed.strip() == generated.strip()


@pytest.mark.parametrize("offset", range(-40, 75, 3))
def test_opening_and_closing_agree_with_the_guards_day_by_day(db, offset):
    # Seen from a day 30 days ago (the way a flight recorded after the fact is checked): the
    # first person was cleared 10 days ago, the second's document was issued 20 days ago; the
    # window closes when the first document expires (40 days on) before the clearances (60).
    case = ready_case(adults=2, document_until=TODAY() + days(40))
    first, second = case.members.all()
    HealthAssessment.objects.filter(individual=first).update(
        outcome_on=TODAY() - days(10), valid_until=TODAY() + days(60)
    )
    HealthAssessment.objects.filter(individual=second).update(
        outcome_on=TODAY() - days(35), valid_until=TODAY() + days(60)
    )
    second.documents.update(issued_on=TODAY() - days(20))
    first.documents.update(issued_on=TODAY() - days(400))
    seen_from = TODAY() - days(30)
    window = travel_window(case, today=seen_from)
    assert (window.opens, window.closes) == (TODAY() - days(10), TODAY() + days(40))

    day = TODAY() + days(offset)

    assert window.contains(day) == _guards_pass(case, day)


def test_a_clearance_is_not_valid_before_its_outcome_date(db):
    case = ready_case(adults=1)
    person = case.members.get()
    HealthAssessment.objects.filter(individual=person).update(outcome_on=TODAY() - days(5))
    reasons = registered_guards()["travellers_medically_cleared"](
        case, StepContext(departure_date=TODAY() - days(6))
    )
    assert reasons and person.full_name in reasons and "cleared only on" in reasons
