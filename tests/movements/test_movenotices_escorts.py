"""One escort service for bookings and groups, at every door (service, page, API): a required
medical escort stays until another takes her place; after a departure nothing on the flight's
manifest changes; escort changes and rebookings tell the mission by themselves."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseEvent
from core.errors import ApplicationError
from movements.bookings import services
from movements.choices import BookingStatus, EscortKind, EscortRole, NoticeKind
from movements.groups import services as groups
from movements.models import Booking, BookingNotice, Escort
from movements.notices import services as notices
from tests.api_clients import session_client
from tests.medical.factories import PreEmbarkationCheckFactory
from tests.movements.booked import booked_case, mission

pytestmark = pytest.mark.django_db


@pytest.fixture
def day():
    return timezone.localdate() + datetime.timedelta(days=10)


def needs_medical_escort(booking):
    person = booking.case.members.first()
    PreEmbarkationCheckFactory(
        individual=person,
        result="fit_with_escort",
        checked_on=timezone.localdate(),
        planned_departure=booking.departure_date,
    )


def medical(officer, booking, name="Jeanne Uwase"):
    return services.escort_assign(
        actor=officer, booking=booking, name=name, kind=EscortKind.STAFF, role=EscortRole.MEDICAL
    )


def test_the_only_medical_escort_a_traveller_needs_cannot_be_removed_at_any_door(
    client, movement_officer, day
):
    booking = booked_case(day=day)
    needs_medical_escort(booking)
    escort = medical(movement_officer, booking)
    events = CaseEvent.objects.filter(case=booking.case).count()

    with pytest.raises(ApplicationError) as refused:
        services.escort_remove(actor=movement_officer, escort=escort)
    api = session_client(movement_officer).delete(f"/api/v1/movements/escorts/{escort.pk}/")
    client.force_login(movement_officer)
    page = client.post(reverse("movements:escort_remove", args=[escort.pk]), follow=True)

    assert refused.value.code == "escort_required"
    assert api.status_code == 400
    assert api.json()["error"]["code"] == "escort_required"
    assert "another medical escort" in page.content.decode()
    assert Escort.objects.filter(pk=escort.pk).exists()
    assert CaseEvent.objects.filter(case=booking.case).count() == events


def test_a_medical_escort_is_removed_once_another_takes_her_place(movement_officer, day):
    booking = booked_case(day=day)
    needs_medical_escort(booking)
    first = medical(movement_officer, booking)
    medical(movement_officer, booking, name="Aline Mukamana")

    services.escort_remove(actor=movement_officer, escort=first)

    assert list(Escort.objects.filter(booking=booking).values_list("name", flat=True)) == [
        "Aline Mukamana"
    ]


def test_an_operational_escort_or_one_nobody_needs_is_removed(movement_officer, day):
    booking = booked_case(day=day)
    escort = medical(movement_officer, booking)

    services.escort_remove(actor=movement_officer, escort=escort)

    assert not Escort.objects.filter(booking=booking).exists()


def test_after_the_departure_no_escort_is_added_at_any_door(client, movement_officer, day):
    booking = booked_case(day=day)
    group = groups.travel_group_create(actor=movement_officer, name="KQ", flight_date=day)
    groups.travel_group_add_booking(actor=movement_officer, group=group, booking=booking)
    Booking.objects.filter(pk=booking.pk).update(status=BookingStatus.FLOWN)
    given = {"name": "Late", "kind": "staff", "role": "operational"}
    api = session_client(movement_officer)

    with pytest.raises(ApplicationError) as refused:
        services.escort_assign(actor=movement_officer, travel_group=group, **given)
    to_booking = api.post(f"/api/v1/movements/bookings/{booking.pk}/escorts/", given, format="json")
    to_group = api.post(
        f"/api/v1/movements/travel-groups/{group.pk}/escorts/", given, format="json"
    )
    client.force_login(movement_officer)
    page = client.post(reverse("movements:group_add_escort", args=[group.pk]), given)

    assert refused.value.code == "departed"
    assert to_booking.status_code == to_group.status_code == 400
    assert to_booking.json()["error"]["code"] == to_group.json()["error"]["code"] == "departed"
    assert page.status_code == 400
    assert "has left" in page.content.decode()
    assert not Escort.objects.exists()


def test_after_the_departure_no_booking_leaves_the_group_at_any_door(client, movement_officer, day):
    booking = booked_case(day=day)
    other = booked_case(day=day)
    group = groups.travel_group_create(actor=movement_officer, name="KQ", flight_date=day)
    for b in (booking, other):
        groups.travel_group_add_booking(actor=movement_officer, group=group, booking=b)
    Booking.objects.filter(pk=other.pk).update(status=BookingStatus.FLOWN)

    with pytest.raises(ApplicationError) as refused:
        groups.travel_group_remove_booking(actor=movement_officer, group=group, booking=booking)
    api = session_client(movement_officer).delete(
        f"/api/v1/movements/travel-groups/{group.pk}/bookings/{booking.pk}/"
    )

    assert refused.value.code == "departed"
    assert api.status_code == 400 and api.json()["error"]["code"] == "departed"
    assert Booking.objects.filter(travel_group=group).count() == 2


def test_an_escort_change_sends_the_amended_notice_by_itself(
    movement_officer, day, django_capture_on_commit_callbacks
):
    mission()
    booking = booked_case(day=day)
    with django_capture_on_commit_callbacks(execute=True):
        notices.notice_send(actor=movement_officer, booking=booking)
    with django_capture_on_commit_callbacks(execute=True):
        escort = medical(movement_officer, booking)
    with django_capture_on_commit_callbacks(execute=True):
        services.escort_remove(actor=movement_officer, escort=escort)

    amended = list(BookingNotice.objects.filter(kind=NoticeKind.AMENDED).order_by("sequence"))
    assert [n.what_changed for n in amended] == [
        "escort added: Jeanne Uwase (Medical, Staff)",
        "escort removed: Jeanne Uwase (Medical, Staff)",
    ]
    assert [m.subject.split(":")[0] for m in mail.outbox] == [
        "Advance booking notification #1",
        "AMENDED advance booking notification #2",
        "AMENDED advance booking notification #3",
    ]


def test_a_group_escort_tells_each_notified_booking_of_the_group(
    movement_officer, day, django_capture_on_commit_callbacks
):
    mission()
    told, untold = booked_case(day=day), booked_case(day=day)
    group = groups.travel_group_create(actor=movement_officer, name="KQ", flight_date=day)
    for b in (told, untold):
        groups.travel_group_add_booking(actor=movement_officer, group=group, booking=b)
    with django_capture_on_commit_callbacks(execute=True):
        notices.notice_send(actor=movement_officer, booking=told)
    with django_capture_on_commit_callbacks(execute=True):
        services.escort_assign(
            actor=movement_officer, travel_group=group, name="Jean", kind="hired", role="medical"
        )

    assert BookingNotice.objects.filter(booking=told, kind=NoticeKind.AMENDED).count() == 1
    assert not BookingNotice.objects.filter(booking=untold).exists()


def test_a_rebooking_of_a_notified_booking_sends_the_new_notice_by_itself(
    movement_officer, django_capture_on_commit_callbacks
):
    from tests.movements.conftest import TODAY, book, days, ready_case

    case = ready_case()
    mission()
    first = book(case, movement_officer)
    with django_capture_on_commit_callbacks(execute=True):
        notices.notice_send(actor=movement_officer, booking=first)
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_cancel(actor=movement_officer, booking=first, reason="Visa delayed")
    with django_capture_on_commit_callbacks(execute=True):
        second = book(case, movement_officer, day=TODAY() + days(25))

    new = BookingNotice.objects.get(booking=second)
    assert (new.kind, new.sequence, new.status) == (NoticeKind.ORIGINAL, 1, "sent")
    assert mail.outbox[-1].subject.startswith("Advance booking notification #1")
    assert all("Visa delayed" not in m.body for m in mail.outbox)


def test_a_re_sent_escort_or_group_is_a_409_duplicate_naming_the_existing_one(
    movement_officer, day
):
    booking = booked_case(day=day)
    api = session_client(movement_officer)
    given = {"name": "Jean", "kind": "hired", "role": "medical"}
    group = {"name": "KQ 479", "flight_date": day.isoformat()}

    first = api.post(f"/api/v1/movements/bookings/{booking.pk}/escorts/", given, format="json")
    again = api.post(f"/api/v1/movements/bookings/{booking.pk}/escorts/", given, format="json")
    made = api.post("/api/v1/movements/travel-groups/", group, format="json")
    remade = api.post("/api/v1/movements/travel-groups/", group, format="json")

    assert (first.status_code, again.status_code) == (201, 409)
    assert again.json()["error"]["code"] == "duplicate"
    assert again.json()["error"]["existing"]["id"] == first.json()["id"]
    assert (made.status_code, remade.status_code) == (201, 409)
    assert remade.json()["error"]["existing"]["id"] == made.json()["group"]["id"]
    assert Escort.objects.count() == 1


def test_pages_check_access_one_way_a_manager_reads_groups_but_cannot_create_one(
    client, manager, day
):
    client.force_login(manager)

    read = client.get(reverse("movements:group_list"))
    create = client.post(
        reverse("movements:group_list"), {"name": "KQ", "flight_date": day.isoformat()}
    )
    notices_page = client.get(reverse("movements:notice_list"))
    send = client.post(reverse("movements:notice_send", args=[booked_case(day=day).pk]))

    assert (read.status_code, notices_page.status_code) == (200, 200)
    assert (create.status_code, send.status_code) == (403, 403)
    assert not BookingNotice.objects.exists()
    from movements.models import TravelGroup

    assert not TravelGroup.objects.exists()
