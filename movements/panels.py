"""The movement section of the case page (registered in MovementsConfig.ready): the travel
window (the same one the board shows) and the flight, with every booking kept as history."""

from django.utils import timezone

from .bookings.selectors import case_bookings, travel_window
from .permissions import can_manage_movements


def case_panel_context(case, user) -> dict:
    bookings = list(case_bookings(case))
    current = next((b for b in bookings if b.status != "cancelled"), None)
    return {
        "window": travel_window(case),
        "today": timezone.localdate(),
        "booking": current,
        "bookings": bookings,
        "can_manage": can_manage_movements(user),
    }
