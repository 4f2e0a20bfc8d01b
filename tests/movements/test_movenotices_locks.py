"""The lock order of movements under load, with real transactions and several connections.

Booking updates, cancellations, notice sends and re-sends, travel group changes, group escorts
and departures run at once from several threads on the same cases: no deadlock, no lost
update, no error other than a named refusal, and every change on the timeline. And a mail
server that waits does not hold up a booking update: the notice is sent outside every lock.
"""

import datetime
import threading
import time
from collections import Counter, defaultdict

import pytest
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from cases.choices import EventKind
from cases.models import CaseEvent
from core.errors import ApplicationError
from core.roles import Role
from movements.bookings import services as bookings
from movements.choices import BookingStatus, NoticeStatus
from movements.groups import services as groups
from movements.models import Booking, BookingNotice, Escort, Traveller
from movements.notices import services as notices
from tests.conftest import load_all_reference_data
from tests.factories import user_with_role
from tests.movements.booked import booked_case, mission

THREADS = 4
ROUNDS = 3


@pytest.fixture(scope="module", autouse=True)
def _reference_data_back_after_flush(django_db_setup, django_db_blocker):
    """Transactional tests empty every table when they end: put the reference data back for
    the tests that run after these in the same session."""
    yield
    with django_db_blocker.unblock():
        load_all_reference_data()


def _movement_events(case_id, **data):
    return CaseEvent.objects.filter(case_id=case_id, kind=EventKind.MOVEMENT, **data)


@pytest.mark.django_db(transaction=True)
def test_movements_services_at_once_on_the_same_cases_neither_deadlock_nor_lose_anything():
    load_all_reference_data()
    officer = user_with_role(Role.MOVEMENT_OFFICER, username="officer")
    mission()
    day = timezone.localdate() + datetime.timedelta(days=10)
    booked = [booked_case(day=day, children=THREADS - 1) for _ in range(3)]
    group = groups.travel_group_create(actor=officer, name="KQ 479", flight_date=day)
    groups.travel_group_add_booking(actor=officer, group=group, booking=booked[0])
    # A failed notice on the second booking, for the re-sends to find.
    failed = notices.notice_send(actor=officer, booking=booked[1])
    BookingNotice.objects.filter(pk=failed.pk).update(status=NoticeStatus.FAILED)
    seats = {
        b.pk: list(Traveller.objects.filter(booking=b).order_by("individual_id")) for b in booked
    }

    start = threading.Barrier(THREADS)
    unexpected: list[str] = []
    refusals = Counter()
    updates = Counter()  # successful booking updates per booking
    last_ticket: dict[tuple[int, int], str] = {}  # (booking, person) -> last number written
    group_moves = defaultdict(Counter)  # booking -> {"joined": n, "left": n}
    group_moves[booked[0].pk]["joined"] = 1  # the join above
    lock = threading.Lock()

    def worker(n: int):
        try:
            start.wait(10)
            for round_ in range(ROUNDS):
                # Each thread walks the cases in its own order, to cross the others.
                order = booked[n % 3 :] + booked[: n % 3]
                for step, booking in enumerate(order):
                    what = (n + round_ + step) % 6
                    try:
                        if what == 0:
                            seat = seats[booking.pk][n]
                            number = f"70{n}{round_}{step}{booking.pk:07d}"
                            bookings.booking_update(
                                actor=officer,
                                booking=booking,
                                tickets={seat.individual_id: number},
                            )
                            with lock:
                                updates[booking.pk] += 1
                                last_ticket[(booking.pk, seat.individual_id)] = number
                        elif what == 1:
                            notices.notice_send(actor=officer, booking=booking)
                        elif what == 2:
                            notice = BookingNotice.objects.filter(booking=booking).first()
                            if notice is not None:
                                notices.notice_resend(actor=officer, notice=notice)
                        elif what == 3:
                            current = Booking.objects.get(pk=booking.pk).travel_group_id
                            if current is None:
                                groups.travel_group_add_booking(
                                    actor=officer, group=group, booking=booking
                                )
                                key = "joined"
                            else:
                                groups.travel_group_remove_booking(
                                    actor=officer, group=group, booking=booking
                                )
                                key = "left"
                            with lock:
                                group_moves[booking.pk][key] += 1
                        elif what == 4:
                            bookings.escort_assign(
                                actor=officer,
                                travel_group=group,
                                name=f"Escort {n}-{round_}-{step}",
                                kind="staff",
                                role="operational",
                            )
                        else:
                            bookings.departure_record(actor=officer, booking=booking)
                    except ApplicationError as refusal:
                        with lock:
                            refusals[getattr(refusal, "code", "") or type(refusal).__name__] += 1
            if n == 0:
                bookings.booking_cancel(
                    actor=officer, booking=booked[2], reason="Flight withdrawn by the airline"
                )
        except Exception as error:  # a deadlock, a lost lock, a server error
            with lock:
                unexpected.append(f"{type(error).__name__}: {error}")
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    assert not [t for t in threads if t.is_alive()], "a thread is still waiting: a deadlock"
    assert unexpected == []
    assert time.monotonic() - began < 120
    # No lost update: each traveller holds the last ticket number written for them.
    for (booking_pk, person), number in last_ticket.items():
        assert Traveller.objects.get(booking_id=booking_pk, individual_id=person).ticket_number == (
            number
        )
    # The timeline is complete: every update, group move and notice is on its case's timeline.
    for booking in booked:
        changed = _movement_events(booking.case_id, data__booking=booking.pk).filter(
            data__has_key="status"
        )
        assert changed.exclude(data__has_key="action").count() == updates[booking.pk]
        for key in ("joined", "left"):
            action = f"travel_group_{key}"
            assert (
                _movement_events(booking.case_id, data__action=action).count()
                == group_moves[booking.pk][key]
            )
    for notice in BookingNotice.objects.all():
        case_id = notice.booking.case_id
        assert _movement_events(case_id, data__action="notice_queued", data__notice=notice.pk)
        if notice.status == NoticeStatus.SENT:
            assert _movement_events(case_id, data__action="notice_sent", data__notice=notice.pk)
    # Each group escort is on the timeline of the cases in the group when she was assigned.
    for event in CaseEvent.objects.filter(data__action="group_escort"):
        assert Escort.objects.filter(pk=event.data["escort"]).exists()
    cancelled = Booking.objects.get(pk=booked[2].pk)
    assert cancelled.status == BookingStatus.CANCELLED
    # Work was done, not only refused.
    assert sum(updates.values()) > 0 and BookingNotice.objects.count() > 1


class WaitingMailServer(EmailBackend):
    """A mail server that keeps the first notice's message waiting (up to 20 s) until released;
    the others go through at once."""

    holding = threading.Event()
    release = threading.Event()
    hold_subject = "#1:"

    def send_messages(self, messages):
        if any(self.hold_subject in m.subject for m in messages):
            WaitingMailServer.holding.set()
            WaitingMailServer.release.wait(20)
        return super().send_messages(messages)


@pytest.mark.django_db(transaction=True)
@override_settings(EMAIL_BACKEND="tests.movements.test_movenotices_locks.WaitingMailServer")
def test_a_mail_server_that_waits_does_not_hold_up_a_booking_update():
    load_all_reference_data()
    officer = user_with_role(Role.MOVEMENT_OFFICER, username="officer")
    mission()
    day = timezone.localdate() + datetime.timedelta(days=10)
    booking = booked_case(day=day, children=1)
    WaitingMailServer.holding.clear()
    WaitingMailServer.release.clear()
    outcome = {}

    def send():
        try:
            # The task runs eagerly on commit: claim, then the mail server keeps it waiting.
            outcome["notice"] = notices.notice_send(actor=officer, booking=booking)
        except Exception as error:
            outcome["send_error"] = repr(error)
        finally:
            connection.close()

    sender = threading.Thread(target=send)
    sender.start()
    try:
        assert WaitingMailServer.holding.wait(20), "the notice never reached the mail server"
        started = time.monotonic()
        bookings.booking_update(actor=officer, booking=booking, booking_reference="NEWREF")
        took = time.monotonic() - started
        # The update committed while the mail server still holds the notice: it waited for
        # no lock of the send.
        assert sender.is_alive()
        assert not WaitingMailServer.release.is_set()
    finally:
        WaitingMailServer.release.set()
        sender.join(30)
    assert took < 5
    assert "send_error" not in outcome
    assert Booking.objects.get(pk=booking.pk).booking_reference == "NEWREF"
    original = BookingNotice.objects.get(booking=booking, sequence=1)
    assert (original.status, original.attempts, original.claimed_at) == (
        NoticeStatus.SENT,
        1,
        None,
    )
    # The change reached the mission as an amended notice, sent without waiting.
    amended = BookingNotice.objects.get(booking=booking, sequence=2)
    assert amended.status == NoticeStatus.SENT
    assert "NEWREF" in amended.what_changed
