"""Cases, the people in them, their documents and interviews, the timeline, and reference data.

A case's `status` is written only by `cases.workflow`; everything else goes through
`cases.services`. Every row here is tracked by a database trigger (django-pghistory), so bulk
updates and raw SQL reach the audit trail too.
"""

import datetime

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Func, Q
from django.db.models.functions import Lower, Trim, Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.dates import BoundedDateField, BoundedDateTimeField

from .choices import (
    TRAVEL_DOCUMENT_TYPES,
    CaseStatus,
    DocumentType,
    EventKind,
    InterviewDecision,
    InterviewKind,
    InterviewOutcome,
    LocationKind,
    PartnerKind,
    Relationship,
    Sex,
    SpecialNeed,
    Urgency,
)
from .reference_names import cldr_country_name, current_language, translated_languages

# Most urgent first: emergency, urgent, normal (not alphabetical). The case list sorts by it, and
# an index on it serves that sort (case_urgency_idx).
URGENCY_RANK = models.Case(
    models.When(urgency=Urgency.EMERGENCY, then=models.Value(0)),
    models.When(urgency=Urgency.URGENT, then=models.Value(1)),
    default=models.Value(2),
    output_field=models.IntegerField(),
)


def audited(model_name: str):
    """Audit every insert, update and delete of a model into `<model_name>` rows, by trigger.

    History rows reach their object as `obj.history` (`events` is the case timeline).
    """
    return pghistory.track(
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(),
        pghistory.DeleteEvent(),
        model_name=model_name,
        obj_field=pghistory.ObjForeignKey(related_name="history", db_constraint=False),
    )


class NextCaseNumber(Func):
    """The database draws internal case numbers from a sequence: no collisions, even in bulk."""

    template = "('RW-' || lpad(nextval('cases_case_number_seq')::text, 7, '0'))"
    output_field = models.CharField()

    def __init__(self):
        super().__init__()


def normalise_unhcr_number(value: str | None) -> str:
    """A UNHCR case or individual number as stored: no surrounding spaces, upper case
    ("rwa-19-123 " is RWA-19-123). The database refuses any other spelling (see the CHECK
    constraints below), so two spellings of one number can never both exist."""
    return (value or "").strip().upper()


def is_normalised(field: str) -> Q:
    """The CHECK that `field` holds a normalised UNHCR number (see normalise_unhcr_number)."""
    return Q(**{field: Upper(Trim(F(field)))})


class NameKey(Func):
    """A name folded for search: lower case, accents removed (see migration 0001)."""

    function = "resettle_name_key"
    output_field = models.CharField()


# ---------------------------------------------------------------------------------------------
# Reference data (editable in the admin)


class TranslatedName(models.Model):
    """A reference row whose `name` (in settings.LANGUAGE_CODE) has a translation per configured
    language, edited in the admin; `localized_name()` is the one way pages print it."""

    name_translations = models.JSONField(
        _("name in other languages"),
        default=dict,
        blank=True,
        help_text=_("The name in each language of the site, by language code."),
    )

    class Meta:
        abstract = True

    def __str__(self):
        return self.localized_name()

    def translated_name(self, language: str) -> str:
        """The name given for `language`, or "" when there is none."""
        return (self.name_translations or {}).get(language, "").strip()

    def localized_name(self, language: str | None = None) -> str:
        """The name in `language` (default: the active language), else the name as written."""
        language = language or current_language()
        if language == settings.LANGUAGE_CODE:
            return self.name
        return self.translated_name(language) or self.name

    def languages_without_name(self) -> list[str]:
        """The configured languages this row has no name in (what a translator must fill)."""
        return [code for code in translated_languages() if not self.translated_name(code)]


class Country(TranslatedName):
    iso_code = models.CharField(_("ISO code"), max_length=3, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    is_destination = models.BooleanField(_("receives resettled refugees"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")

    def __str__(self):
        return self.localized_name()

    def translated_name(self, language: str) -> str:
        """An administrator's name for `language` first, else CLDR's (through Babel)."""
        return super().translated_name(language) or cldr_country_name(self.iso_code, language)


class Programme(TranslatedName):
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="programmes", verbose_name=_("country")
    )
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=150)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["country__name", "code"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")

    def __str__(self):
        return f"{self.code} ({self.country})"


class Location(TranslatedName):
    """A camp, transit centre or urban caseload where households live."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=LocationKind.choices)
    district = models.CharField(_("district"), max_length=100, blank=True)
    is_open = models.BooleanField(_("open"), default=True)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_locations",
        verbose_name=_("residents moved to"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("camp or location")
        verbose_name_plural = _("camps and locations")

    def __str__(self):
        return self.localized_name()


class MovementType(TranslatedName):
    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name = _("movement type")
        verbose_name_plural = _("movement types")

    def __str__(self):
        return self.localized_name()


class SubmissionCategory(TranslatedName):
    """UNHCR resettlement submission category (Resettlement Handbook)."""

    code = models.CharField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=150)

    class Meta:
        ordering = ["code"]
        verbose_name = _("UNHCR submission category")
        verbose_name_plural = _("UNHCR submission categories")

    def __str__(self):
        return f"{self.code} – {self.localized_name()}"


# ---------------------------------------------------------------------------------------------
# Cases and people


# What the case list filters on besides search: the tally counts cases per combination of these.
TALLY_DIMENSIONS = (
    "location_id",
    "destination_country_id",
    "programme_id",
    "caseworker_id",
    "urgency",
    "status",
)


def _tally_change(deltas: str) -> str:
    """A statement-level trigger body adding the +1/-1 `deltas` (a SELECT over the statement's
    transition tables) to the tally, one row per combination, in a fixed order so that two
    transactions lock tally rows in the same order. A statement that changes none of the counted
    columns (an edit of notes) writes nothing."""
    dims = ", ".join(TALLY_DIMENSIONS)
    # Built from this module's constants only, at import time.
    return f"""
        INSERT INTO cases_casetally ({dims}, cases)
        SELECT {dims}, sum(delta) FROM ({deltas.format(dims=dims)}) AS changed
        GROUP BY {dims} HAVING sum(delta) <> 0 ORDER BY {dims}
        ON CONFLICT ON CONSTRAINT case_tally_key
        DO UPDATE SET cases = cases_casetally.cases + EXCLUDED.cases;
        RETURN NULL;
    """  # noqa: S608


@audited("CaseHistory")
class Case(models.Model):
    """One household processed together (UNHCR's case / registration group)."""

    unhcr_case_number = models.CharField(_("UNHCR case number"), max_length=30, unique=True)
    case_number = models.CharField(
        _("internal case number"), max_length=20, unique=True, db_default=NextCaseNumber()
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="cases", verbose_name=_("camp or location")
    )
    destination_country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        related_name="destination_cases",
        verbose_name=_("destination country"),
    )
    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="cases", verbose_name=_("programme")
    )
    movement_type = models.ForeignKey(
        MovementType,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("movement type"),
    )
    submission_category = models.ForeignKey(
        SubmissionCategory,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("UNHCR submission category"),
    )
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_cases",
        verbose_name=_("assigned caseworker"),
    )
    referral_date = BoundedDateField(_("date of UNHCR referral"))
    # Written only by cases.workflow.
    status = models.CharField(
        _("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.REFERRED
    )
    # The state a held or withdrawn case returns to when it resumes.
    resume_status = models.CharField(
        _("returns to"), max_length=20, choices=CaseStatus.choices, blank=True
    )
    status_changed_at = BoundedDateTimeField(_("in this status since"), default=timezone.now)
    notes = models.TextField(_("notes"), blank=True)
    created_at = BoundedDateTimeField(_("created"), auto_now_add=True)
    updated_at = BoundedDateTimeField(_("last changed"), auto_now=True)

    class Meta:
        ordering = ["-referral_date", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            # The common list: one camp, one status, newest referrals first.
            models.Index(
                fields=["location", "status", "-referral_date", "-id"], name="case_loc_status_idx"
            ),
            models.Index(fields=["status", "-referral_date", "-id"], name="case_status_idx"),
            # The unfiltered list in its default order (bench_case_list: 109 ms -> 0.1 ms).
            models.Index(fields=["-referral_date", "-id"], name="case_referral_idx"),
            models.Index(fields=["caseworker", "status"], name="case_caseworker_idx"),
            # The dashboard's cases waiting longest in each status.
            models.Index(fields=["status", "status_changed_at", "id"], name="case_waiting_idx"),
            models.Index(fields=["destination_country", "status"], name="case_destination_idx"),
            # The list's other sorts, so a page (and a common term's search walk) reads only its
            # rows instead of sorting every case (bench_case_list: "mu" by urgency 1.3 s).
            models.Index(
                URGENCY_RANK, F("referral_date").desc(), F("id").desc(), name="case_urgency_idx"
            ),
            models.Index(fields=["status_changed_at", "id"], name="case_moved_idx"),
        ]
        # The status tally (CaseTally below) follows every insert, update and delete, one
        # statement at a time, whoever writes: the ORM, bulk updates or raw SQL.
        triggers = [
            pgtrigger.Trigger(
                name="case_tally_insert",
                operation=pgtrigger.Insert,
                when=pgtrigger.After,
                level=pgtrigger.Statement,
                referencing=pgtrigger.Referencing(new="new_cases"),
                func=_tally_change("SELECT {dims}, 1 AS delta FROM new_cases"),
            ),
            pgtrigger.Trigger(
                name="case_tally_update",
                operation=pgtrigger.Update,
                when=pgtrigger.After,
                level=pgtrigger.Statement,
                referencing=pgtrigger.Referencing(old="old_cases", new="new_cases"),
                func=_tally_change(
                    "SELECT {dims}, 1 AS delta FROM new_cases "
                    "UNION ALL SELECT {dims}, -1 FROM old_cases"
                ),
            ),
            pgtrigger.Trigger(
                name="case_tally_delete",
                operation=pgtrigger.Delete,
                when=pgtrigger.After,
                level=pgtrigger.Statement,
                referencing=pgtrigger.Referencing(old="old_cases"),
                func=_tally_change("SELECT {dims}, -1 AS delta FROM old_cases"),
            ),
            pgtrigger.Trigger(
                name="case_tally_truncate",
                operation=pgtrigger.Truncate,
                when=pgtrigger.After,
                level=pgtrigger.Statement,
                func="DELETE FROM cases_casetally; RETURN NULL;",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=CaseStatus.values), name="case_status_known"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[CaseStatus.ON_HOLD, CaseStatus.WITHDRAWN])
                | ~Q(resume_status=""),
                name="case_held_knows_where_to_resume",
            ),
            models.CheckConstraint(
                condition=is_normalised("unhcr_case_number") & ~Q(unhcr_case_number=""),
                name="case_unhcr_number_normalised",
            ),
        ]

    def __str__(self):
        return f"{self.case_number} / {self.unhcr_case_number}"

    def get_absolute_url(self):
        return reverse("cases:detail", kwargs={"pk": self.pk})

    def clean(self):
        """The case's own rules, for every door: a normalised UNHCR number, a referral date
        that has happened, a programme of the destination country."""
        self.unhcr_case_number = normalise_unhcr_number(self.unhcr_case_number)
        errors = {}
        if self.referral_date and self.referral_date > timezone.localdate():
            errors["referral_date"] = _("The referral date cannot be in the future.")
        if (
            self.programme_id
            and self.destination_country_id
            and self.programme.country_id != self.destination_country_id
        ):
            errors["programme"] = _(
                "The programme %(programme)s belongs to %(country)s, not to the destination "
                "chosen (%(destination)s)."
            ) % {
                "programme": self.programme.code,
                "country": self.programme.country,
                "destination": self.destination_country,
            }
        if errors:
            raise ValidationError(errors)

    # get_status_display() rebuilds a dict of every translated choice on each call, a fifth of
    # the case list page's time at 50 rows (bench_case_list); an enum lookup is one translation.
    @property
    def status_label(self) -> str:
        return CaseStatus(self.status).label

    @property
    def urgency_label(self) -> str:
        return Urgency(self.urgency).label

    @property
    def principal(self):
        """The principal applicant, from prefetched members when they are there."""
        for member in self.members.all():
            if member.relationship == Relationship.PRINCIPAL_APPLICANT:
                return member
        return None


class CaseTally(models.Model):
    """How many cases there are for each combination of camp, destination, programme,
    caseworker, urgency and status, kept by the triggers on Case in the same transaction.

    The case list's per-status counts and the dashboard read it instead of counting every
    matching case (at 250,000 cases, 9 ms for one camp's GROUP BY against under 1 ms here;
    bench_case_list). `manage.py rebuild_case_tally` recounts it from the cases, for a database
    loaded with triggers off. Not audited: it is derived from the cases, whose changes are.
    (No CHECK that counts stay positive: PostgreSQL checks an upsert's proposed row, here a
    negative delta, before it finds the row it conflicts with.)"""

    location = models.ForeignKey(
        Location, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    destination_country = models.ForeignKey(
        Country, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    programme = models.ForeignKey(
        Programme, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    urgency = models.CharField(max_length=10, choices=Urgency.choices)
    status = models.CharField(max_length=20, choices=CaseStatus.choices)
    cases = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("case tally")
        verbose_name_plural = _("case tallies")
        constraints = [
            models.UniqueConstraint(
                fields=[name.removesuffix("_id") for name in TALLY_DIMENSIONS],
                nulls_distinct=False,
                name="case_tally_key",
            ),
        ]

    def __str__(self):
        return f"{self.status}: {self.cases}"


@audited("IndividualHistory")
class Individual(models.Model):
    """A member of a case. Exactly one member of each case is its principal applicant."""

    case = models.ForeignKey(
        Case,
        on_delete=models.CASCADE,
        related_name="members",
        verbose_name=_("case"),
        # Indexed below with the searched names (ind_case_names_idx).
        db_index=False,
    )
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    date_of_birth = BoundedDateField(_("date of birth"))
    date_of_birth_estimated = models.BooleanField(_("date of birth is estimated"), default=False)
    nationality = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="nationals", verbose_name=_("nationality")
    )
    relationship = models.CharField(
        _("relationship to principal applicant"), max_length=12, choices=Relationship.choices
    )
    unhcr_individual_number = models.CharField(
        _("UNHCR individual number"), max_length=30, unique=True, null=True, blank=True
    )
    languages = ArrayField(
        models.CharField(max_length=40), verbose_name=_("languages"), default=list, blank=True
    )
    special_needs = ArrayField(
        models.CharField(max_length=30, choices=SpecialNeed.choices),
        verbose_name=_("special needs"),
        default=list,
        blank=True,
    )
    # Folded copies of the names for accent- and case-insensitive prefix search.
    given_name_key = models.GeneratedField(
        expression=NameKey(F("given_name")),
        output_field=models.CharField(max_length=100),
        db_persist=True,
    )
    family_name_key = models.GeneratedField(
        expression=NameKey(F("family_name")),
        output_field=models.CharField(max_length=100),
        db_persist=True,
    )
    created_at = BoundedDateTimeField(_("created"), auto_now_add=True)
    updated_at = BoundedDateTimeField(_("last changed"), auto_now=True)

    class Meta:
        ordering = ["case_id", "date_of_birth", "id"]
        verbose_name = _("individual")
        verbose_name_plural = _("individuals")
        indexes = [
            # Name search (selectors.case_search) reads only the case of each match: carrying it
            # in the index spares a heap fetch per matching person (index-only scans; a rare
            # prefix's 6,000 matches took 270 ms from a cold heap, 1 ms from the index).
            models.Index(
                fields=["family_name_key"],
                name="ind_family_key_case_idx",
                opclasses=["text_pattern_ops"],
                include=["case"],
            ),
            models.Index(
                fields=["given_name_key"],
                name="ind_given_key_case_idx",
                opclasses=["text_pattern_ops"],
                include=["case"],
            ),
            models.Index(Lower("family_name"), "date_of_birth", name="ind_duplicate_check_idx"),
            # A case's members; carrying what a name search compares lets a common term's walk
            # probe each case from the index alone (selectors.case_search; bench_case_list:
            # counting "hakizimana" up to 1,000 cases, 60 -> 25 ms).
            models.Index(
                fields=["case"],
                name="ind_case_names_idx",
                include=["family_name_key", "given_name_key", "unhcr_individual_number"],
            ),
        ]
        constraints = [
            # At most one principal applicant per case; the deferred trigger below makes it
            # exactly one by the time a transaction commits.
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(relationship=Relationship.PRINCIPAL_APPLICANT),
                name="one_principal_applicant_per_case",
                violation_error_message=_("This case already has a principal applicant."),
            ),
            models.CheckConstraint(
                condition=Q(unhcr_individual_number__isnull=True)
                | (is_normalised("unhcr_individual_number") & ~Q(unhcr_individual_number="")),
                name="individual_unhcr_number_normalised",
            ),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="case_has_one_principal",
                when=pgtrigger.After,
                operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
                timing=pgtrigger.Deferred,
                func=pgtrigger.Func(
                    """
                    DECLARE
                        checked_case bigint;
                        principals int;
                    BEGIN
                        IF TG_OP = 'DELETE' THEN
                            checked_case := OLD.case_id;
                        ELSE
                            checked_case := NEW.case_id;
                        END IF;
                        -- A case deleted in the same transaction has nothing left to check.
                        IF EXISTS (SELECT 1 FROM cases_case WHERE id = checked_case) THEN
                            SELECT count(*) INTO principals FROM cases_individual
                             WHERE case_id = checked_case AND relationship = 'PA';
                            IF principals <> 1 THEN
                                RAISE EXCEPTION
                                  'case % must have exactly one principal applicant (has %)',
                                  checked_case, principals
                                  USING ERRCODE = 'integrity_constraint_violation';
                            END IF;
                        END IF;
                        RETURN NULL;
                    END;
                    """
                ),
            ),
        ]

    def __str__(self):
        return f"{self.given_name} {self.family_name}"

    def clean(self):
        # Stored as NULL when absent, so that many people may have none.
        self.unhcr_individual_number = normalise_unhcr_number(self.unhcr_individual_number) or None
        today = timezone.localdate()
        if self.date_of_birth and self.date_of_birth > today:
            raise ValidationError({"date_of_birth": _("A date of birth cannot be in the future.")})
        if self.date_of_birth and self.date_of_birth < datetime.date(1900, 1, 1):
            raise ValidationError(
                {"date_of_birth": _("This date of birth is too far in the past.")}
            )

    @property
    def full_name(self):
        return f"{self.given_name} {self.family_name}"

    def age_on(self, day: datetime.date) -> int:
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@audited("TravelDocumentHistory")
class TravelDocument(models.Model):
    individual = models.ForeignKey(
        Individual, on_delete=models.CASCADE, related_name="documents", verbose_name=_("person")
    )
    document_type = models.CharField(_("type"), max_length=30, choices=DocumentType.choices)
    number = models.CharField(_("number"), max_length=50)
    issuing_country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="+", verbose_name=_("issued by")
    )
    issued_on = BoundedDateField(_("issued on"), null=True, blank=True)
    expires_on = BoundedDateField(_("expires on"), null=True, blank=True)
    created_at = BoundedDateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["individual_id", "document_type", "id"]
        verbose_name = _("travel document")
        verbose_name_plural = _("travel documents")
        constraints = [
            models.UniqueConstraint(
                fields=["document_type", "issuing_country", "number"], name="unique_document"
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True)
                | Q(issued_on__isnull=True)
                | Q(expires_on__gt=F("issued_on")),
                name="document_expires_after_issue",
            ),
        ]

    def __str__(self):
        return f"{self.get_document_type_display()} {self.number}"

    def clean(self):
        self.number = (self.number or "").strip().upper()
        errors = {}
        if self.issued_on and self.issued_on > timezone.localdate():
            errors["issued_on"] = _("The issue date cannot be in the future.")
        if self.issued_on and self.expires_on and self.expires_on <= self.issued_on:
            errors["expires_on"] = _("A document expires after the day it was issued.")
        if errors:
            raise ValidationError(errors)

    def is_usable_on(self, day: datetime.date) -> bool:
        """A document that lets its holder board on `day`: a boarding type, issued by then (or
        no issue date known) and not expired. The kept travel windows use the same definition
        (movements.windows)."""
        return (
            self.document_type in TRAVEL_DOCUMENT_TYPES
            and (self.issued_on is None or self.issued_on <= day)
            and (self.expires_on is None or day <= self.expires_on)
        )


@audited("InterviewHistory")
class Interview(models.Model):
    """Pre-screening, adjudication or selection-mission interview of a case."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="interviews", verbose_name=_("case")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=InterviewKind.choices)
    scheduled_for = BoundedDateTimeField(_("scheduled for"))
    venue = models.CharField(_("venue"), max_length=150, blank=True)
    interviewer = models.CharField(_("interviewer"), max_length=150, blank=True)
    outcome = models.CharField(
        _("outcome"),
        max_length=12,
        choices=InterviewOutcome.choices,
        default=InterviewOutcome.SCHEDULED,
    )
    decision = models.CharField(
        _("decision"), max_length=20, choices=InterviewDecision.choices, blank=True
    )
    decided_on = BoundedDateField(_("decided on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = BoundedDateTimeField(_("created"), auto_now_add=True)
    updated_at = BoundedDateTimeField(_("last changed"), auto_now=True)

    class Meta:
        ordering = ["-scheduled_for", "-id"]
        verbose_name = _("interview")
        verbose_name_plural = _("interviews")
        indexes = [models.Index(fields=["scheduled_for"], name="interview_scheduled_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision="") | Q(decided_on__isnull=False),
                name="interview_decision_has_date",
            ),
            # An appointment sent twice is one appointment (a rescheduled one keeps its old
            # time beside the new one, so it does not count).
            models.UniqueConstraint(
                fields=["case", "kind", "scheduled_for"],
                condition=~Q(outcome=InterviewOutcome.RESCHEDULED),
                name="interview_natural_key",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.scheduled_for:%Y-%m-%d}"


class CaseEvent(models.Model):
    """One entry on a case's timeline: who did what, when, and why.

    The audit trail (pghistory) keeps every row version; the timeline says it in the users' words.
    """

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="events", verbose_name=_("case")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = BoundedDateTimeField(_("when"), default=timezone.now)
    from_status = models.CharField(_("from"), max_length=20, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=CaseStatus.choices, blank=True)
    transition = models.CharField(_("step"), max_length=40, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    # Non-medical facts about the change (changed field names, interview id, ...).
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")
        indexes = [models.Index(fields=["case", "-at", "-id"], name="event_case_time_idx")]
        triggers = [
            # The timeline is a record: it is appended to, never rewritten.
            pgtrigger.Protect(name="timeline_append_only", operation=pgtrigger.Update),
        ]

    def __str__(self):
        return f"{self.case_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


@audited("PartnerOrganisationHistory")
class PartnerOrganisation(models.Model):
    """A partner organisation whose systems call the API: UNHCR, the resettlement support centre,
    or a receiving country's mission. Its kind and countries are its data scope (what its
    systems may see, and which events they are told about: cases.selectors.case_visible_to);
    its accounts (PartnerProfile) hold its OAuth2 clients and their scopes."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=PartnerKind.choices)
    countries = models.ManyToManyField(
        Country,
        blank=True,
        related_name="+",
        verbose_name=_("destination countries"),
        help_text=_(
            "A mission: its own country (exactly one). The support centre: the destinations "
            "whose cases it processes (none: every case). UNHCR: leave empty."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = BoundedDateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")

    def __str__(self):
        return self.name


class PartnerProfile(models.Model):
    """What a partner system's account stands for, and what it may see.

    A receiving country's mission is tied to its country and sees only cases going there;
    UNHCR and the resettlement support centre are tied to none.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="partner_profile",
        verbose_name=_("account"),
    )
    organisation = models.CharField(_("organisation"), max_length=150)
    country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("limited to destination country"),
    )
    partner_organisation = models.ForeignKey(
        PartnerOrganisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accounts",
        verbose_name=_("partner organisation"),
        help_text=_("Its data scope replaces the single country above when set."),
    )

    class Meta:
        verbose_name = _("partner system")
        verbose_name_plural = _("partner systems")

    def __str__(self):
        return self.organisation
