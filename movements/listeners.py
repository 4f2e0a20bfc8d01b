"""Listeners told of changes to bookings and notices inside the transaction that makes them.

Apps above `movements` (partners' webhook outbox, for one) want to know when a booking is made
or changes and when an advance booking notice goes out, in the same transaction as the change,
without `movements` importing them. As with `cases.listeners`, they register here from their
`AppConfig.ready`:

    from movements.listeners import register_booking_listener
    register_booking_listener(outbox_booking)

A listener is called with keyword arguments (below) while the case row (bookings) or the notice
row (notices) is locked; whatever it writes commits or rolls back with the change. A listener
that raises makes the change fail: keep them to writing rows.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import models


class BookingChange(models.TextChoices):
    """What happened to a booking, as its listeners are told (the webhook's `change`)."""

    BOOKED = "booked", "booked"  # a new booking (`replaces`: the cancelled one it follows)
    UPDATED = "updated", "updated"  # ticket numbers, booking reference or status
    CANCELLED = "cancelled", "cancelled"
    REBOOKED = "rebooked", "rebooked"  # a cancelled booking replaced by a new one
    DEPARTED = "departed", "departed"
    ARRIVED = "arrived", "arrived"


# (booking, change, changes, replaces) -> None. `changes` maps what changed to [before, after]
# (or, for facts without a before, to the new value); `replaces` is the booking a new one
# follows (change BOOKED) or the new booking that replaced this one (change REBOOKED), or None.
BookingListener = Callable[..., None]
# (notice) -> None, once the notice (original or amended) is sent to the mission.
NoticeListener = Callable[..., None]

_booking_listeners: list[BookingListener] = []
_notice_listeners: list[NoticeListener] = []


def register_booking_listener(listener: BookingListener) -> None:
    """Call `listener(booking=..., change=..., changes=..., replaces=...)` on every booking made
    or changed."""
    if listener not in _booking_listeners:
        _booking_listeners.append(listener)


def register_notice_listener(listener: NoticeListener) -> None:
    """Call `listener(notice=...)` on every advance booking notice sent."""
    if listener not in _notice_listeners:
        _notice_listeners.append(listener)


def booking_changed(*, booking, change: str, changes: dict | None = None, replaces=None) -> None:
    for listener in _booking_listeners:
        listener(booking=booking, change=change, changes=changes or {}, replaces=replaces)


def notice_issued(*, notice) -> None:
    for listener in _notice_listeners:
        listener(notice=notice)
