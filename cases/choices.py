"""The documented constants of the cases domain: statuses, roles and the small closed lists."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseStatus(models.TextChoices):
    """Where a case stands on the main line, or why it has left it (domain.md, "The path")."""

    REFERRED = "referred", _("Referred")
    PRE_SCREENING = "pre_screening", _("Pre-screening")
    APPROVED = "approved", _("Approved")
    HEALTH_ASSESSMENT = "health_assessment", _("Health assessment")
    MEDICALLY_CLEARED = "medically_cleared", _("Medically cleared")
    ORIENTATION = "orientation", _("Cultural orientation")
    READY_TO_TRAVEL = "ready_to_travel", _("Ready to travel")
    BOOKED = "booked", _("Booked")
    DEPARTED = "departed", _("Departed")
    ARRIVED = "arrived", _("Arrived")
    CLOSED = "closed", _("Closed")
    # Off the main line.
    ON_HOLD = "on_hold", _("On hold")
    DENIED = "denied", _("Denied")
    MEDICALLY_DEFERRED = "medically_deferred", _("Medically deferred")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The main line, in order; used to draw the pipeline and to sort "furthest along".
MAIN_LINE = [
    CaseStatus.REFERRED,
    CaseStatus.PRE_SCREENING,
    CaseStatus.APPROVED,
    CaseStatus.HEALTH_ASSESSMENT,
    CaseStatus.MEDICALLY_CLEARED,
    CaseStatus.ORIENTATION,
    CaseStatus.READY_TO_TRAVEL,
    CaseStatus.BOOKED,
    CaseStatus.DEPARTED,
    CaseStatus.ARRIVED,
    CaseStatus.CLOSED,
]

# States from which a case may be put on hold or withdrawn: still being worked on, not yet flown.
OPEN_STATES = frozenset(
    {
        CaseStatus.REFERRED,
        CaseStatus.PRE_SCREENING,
        CaseStatus.APPROVED,
        CaseStatus.HEALTH_ASSESSMENT,
        CaseStatus.MEDICALLY_CLEARED,
        CaseStatus.MEDICALLY_DEFERRED,
        CaseStatus.ORIENTATION,
        CaseStatus.READY_TO_TRAVEL,
        CaseStatus.BOOKED,
    }
)


class Urgency(models.TextChoices):
    EMERGENCY = "emergency", _("Emergency")
    URGENT = "urgent", _("Urgent")
    NORMAL = "normal", _("Normal")


class Sex(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")
    OTHER = "X", _("Other / not stated")


class Relationship(models.TextChoices):
    PRINCIPAL_APPLICANT = "PA", _("Principal applicant")
    SPOUSE = "SPOUSE", _("Spouse or partner")
    CHILD = "CHILD", _("Son or daughter")
    PARENT = "PARENT", _("Father or mother")
    SIBLING = "SIBLING", _("Brother or sister")
    GRANDCHILD = "GRANDCHILD", _("Grandchild")
    OTHER_RELATIVE = "RELATIVE", _("Other relative")
    OTHER = "OTHER", _("Other household member")


class SpecialNeed(models.TextChoices):
    WHEELCHAIR = "wheelchair", _("Wheelchair")
    MEDICAL_ESCORT = "medical_escort", _("Medical escort")
    UNACCOMPANIED_MINOR = "unaccompanied_minor", _("Unaccompanied minor")
    PREGNANCY = "pregnancy", _("Pregnancy")
    OXYGEN = "oxygen", _("Oxygen during flight")


class DocumentType(models.TextChoices):
    PASSPORT = "passport", _("Passport")
    REFUGEE_TRAVEL_DOCUMENT = "refugee_travel_document", _("Refugee travel document")
    LAISSEZ_PASSER = "laissez_passer", _("Laissez-passer")
    TRAVEL_LETTER = "travel_letter", _("Travel letter")
    VISA = "visa", _("Visa or entry permit")


# Documents that let a person board: a visa alone does not.
TRAVEL_DOCUMENT_TYPES = frozenset(
    {
        DocumentType.PASSPORT,
        DocumentType.REFUGEE_TRAVEL_DOCUMENT,
        DocumentType.LAISSEZ_PASSER,
        DocumentType.TRAVEL_LETTER,
    }
)


class LocationKind(models.TextChoices):
    CAMP = "camp", _("Refugee camp")
    TRANSIT = "transit", _("Transit centre")
    URBAN = "urban", _("Urban caseload")


class InterviewKind(models.TextChoices):
    PRE_SCREENING = "pre_screening", _("Pre-screening (resettlement support centre)")
    ADJUDICATION = "adjudication", _("Adjudication (receiving country's officers)")
    SELECTION_MISSION = "selection_mission", _("Selection mission")


class InterviewOutcome(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    COMPLETED = "completed", _("Completed")
    NO_SHOW = "no_show", _("No-show")
    RESCHEDULED = "rescheduled", _("Rescheduled")


class InterviewDecision(models.TextChoices):
    APPROVED = "approved", _("Approved")
    DENIED = "denied", _("Denied")
    ON_HOLD = "on_hold", _("On hold")
    MORE_INFORMATION = "more_information", _("More information requested")


class EventKind(models.TextChoices):
    """What a timeline entry records."""

    CREATED = "created", _("Case created")
    STATUS_CHANGED = "status_changed", _("Status changed")
    UPDATED = "updated", _("Household data changed")
    MEMBER_ADDED = "member_added", _("Member added")
    MEMBER_UPDATED = "member_updated", _("Member changed")
    MEMBER_REMOVED = "member_removed", _("Member removed")
    DOCUMENT_ADDED = "document_added", _("Travel document added")
    INTERVIEW = "interview", _("Interview")
    MEDICAL = "medical", _("Health assessment")
    ORIENTATION = "orientation", _("Cultural orientation")
    MOVEMENT = "movement", _("Movement")
    NOTE = "note", _("Note")


class PartnerKind(models.TextChoices):
    """The kinds of partner organisation whose systems call the API; each kind has its data
    scope (cases.selectors.case_visible_to)."""

    UNHCR = "unhcr", _("UNHCR")
    SUPPORT_CENTRE = "support_centre", _("Resettlement support centre")
    MISSION = "mission", _("Receiving country's mission")
