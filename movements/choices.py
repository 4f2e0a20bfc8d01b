"""The documented constants of movements: booking statuses, escorts, notices."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class BookingStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    BOOKED = "booked", _("Booked")
    TICKETED = "ticketed", _("Ticketed")
    CANCELLED = "cancelled", _("Cancelled")
    FLOWN = "flown", _("Flown")


# A booking that still holds its case's seat: at most one per case (a partial unique index).
OPEN_BOOKING_STATUSES = (BookingStatus.REQUESTED, BookingStatus.BOOKED, BookingStatus.TICKETED)


# What a booking may be created as, or moved to by hand (cancelled and flown have their own
# steps): the open statuses, the one list every form, serializer and service reads.
SETTABLE_BOOKING_STATUS_CHOICES = [(status.value, status.label) for status in OPEN_BOOKING_STATUSES]

# A booking whose household may be recorded as departed (a requested seat is not a flight yet).
DEPARTING_BOOKING_STATUSES = (BookingStatus.BOOKED, BookingStatus.TICKETED)


class EscortKind(models.TextChoices):
    STAFF = "staff", _("Staff")
    HIRED = "hired", _("Hired")


class EscortRole(models.TextChoices):
    OPERATIONAL = "operational", _("Operational")
    MEDICAL = "medical", _("Medical")


class NoticeKind(models.TextChoices):
    ORIGINAL = "original", _("Original")
    AMENDED = "amended", _("Amended")


class NoticeStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
