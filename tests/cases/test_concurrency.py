"""Two people moving the same case at once: one succeeds, the other is refused (two connections)."""

import threading
import time

import pytest
from django.db import connection, transaction

from cases.choices import CaseStatus
from cases.models import Case, CaseEvent
from cases.reference_data import load_reference_data
from cases.workflow import case_transition
from core.errors import TransitionRefused
from core.roles import Role
from tests.factories import CaseFactory, user_with_role


@pytest.mark.django_db(transaction=True)
def test_two_users_moving_the_same_case_at_once_cannot_both_succeed():
    load_reference_data()
    first_user = user_with_role(Role.CASEWORKER, username="first")
    second_user = user_with_role(Role.CASEWORKER, username="second")
    case = CaseFactory()
    first_has_lock = threading.Event()
    second_is_waiting = threading.Event()
    outcome = {}

    def first():
        try:
            with transaction.atomic():
                case_transition(case=case.pk, transition="hold", actor=first_user, reason="one")
                first_has_lock.set()
                second_is_waiting.wait(5)
                time.sleep(0.5)  # the second is now blocked on the row lock
            outcome["first"] = "moved"
        finally:
            connection.close()

    def second():
        try:
            first_has_lock.wait(5)
            second_is_waiting.set()
            started = time.monotonic()
            try:
                case_transition(case=case.pk, transition="hold", actor=second_user, reason="two")
                outcome["second"] = "moved"
            except TransitionRefused as refused:
                outcome["second"] = refused.reasons[0]
            outcome["second_waited"] = time.monotonic() - started
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(15)

    assert outcome["first"] == "moved"
    assert "on hold" in outcome["second"]
    assert outcome["second_waited"] >= 0.4  # it really waited for the first one's lock
    case.refresh_from_db()
    assert case.status == CaseStatus.ON_HOLD
    events = CaseEvent.objects.filter(case=case, kind="status_changed")
    assert list(events.values_list("actor__username", "reason")) == [("first", "one")]
    assert Case.objects.count() == 1
