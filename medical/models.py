"""Health assessments, vaccinations and pre-embarkation checks, and the protocols they follow.

Everything here except the protocol is medical detail: only clinicians read or write it
(core.roles.is_clinical). Other roles see a clearance summary (outcome, travel conditions,
valid until, pre-embarkation result) built by `medical.selectors`. Writes go through
`medical.services`; every row is tracked by database triggers (django-pghistory).
"""

import datetime

import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Individual, Programme, audited
from core.dates import BoundedDateField, BoundedDateTimeField

from .choices import (
    ASSESSMENT_PART_CHOICES,
    CLEARING_OUTCOMES,
    AccessChannel,
    AssessmentGroup,
    CheckResult,
    Finding,
    LabResultValue,
    LabTest,
    Outcome,
    RecordKind,
    TBClass,
    TravelCondition,
    Vaccine,
)

# ---------------------------------------------------------------------------------------------
# Reference data (editable in the admin)


@audited("MedicalProtocolHistory")
class MedicalProtocol(models.Model):
    """What a destination programme asks of the health assessment (panel physicians' rules)."""

    programme = models.OneToOneField(
        Programme,
        on_delete=models.PROTECT,
        related_name="medical_protocol",
        verbose_name=_("programme"),
    )
    clearance_validity_days = models.PositiveIntegerField(
        _("clearance valid for (days)"),
        help_text=_("Counted from the date of the outcome."),
    )
    pre_embarkation_window_days = models.PositiveIntegerField(
        _("pre-embarkation check window (days before departure)"),
        help_text=_("The check must happen at most this many days before the flight (3 = 72 h)."),
    )
    notes = models.TextField(_("notes"), blank=True)
    updated_at = BoundedDateTimeField(_("last changed"), auto_now=True)

    class Meta:
        ordering = ["programme__code"]
        verbose_name = _("medical protocol")
        verbose_name_plural = _("medical protocols")
        constraints = [
            models.CheckConstraint(
                condition=Q(clearance_validity_days__gt=0), name="protocol_validity_positive"
            ),
        ]

    def __str__(self):
        return str(self.programme)

    def parts_for_age(self, age: int) -> set[str]:
        """The required parts (chest X-ray, laboratory tests) for a person of `age` years.

        Uses prefetched requirements when they are there.
        """
        return {r.part for r in self.requirements.all() if age >= r.from_age}


@audited("ProtocolRequirementHistory")
class ProtocolRequirement(models.Model):
    """One part of the assessment a protocol requires from an age on (e.g. chest X-ray from 15)."""

    protocol = models.ForeignKey(
        MedicalProtocol,
        on_delete=models.CASCADE,
        related_name="requirements",
        verbose_name=_("protocol"),
    )
    part = models.CharField(_("part"), max_length=20, choices=ASSESSMENT_PART_CHOICES)
    from_age = models.PositiveSmallIntegerField(_("from age (years)"))

    class Meta:
        ordering = ["protocol_id", "from_age", "part"]
        verbose_name = _("required part")
        verbose_name_plural = _("required parts")
        constraints = [
            models.UniqueConstraint(fields=["protocol", "part"], name="one_requirement_per_part"),
        ]

    def __str__(self):
        return f"{self.get_part_display()} ≥ {self.from_age}"


@audited("ProtocolFindingRuleHistory")
class ProtocolFindingRule(models.Model):
    """What a protocol holds a result to mean for travel: treatment first (the person is unfit
    to travel until a completed treatment is recorded), and the conditions it implies (a
    follow-up at the destination, an escort). Clinicians do not type these conditions: the
    outcome takes them from here."""

    protocol = models.ForeignKey(
        MedicalProtocol,
        on_delete=models.CASCADE,
        related_name="finding_rules",
        verbose_name=_("protocol"),
    )
    finding = models.CharField(_("result"), max_length=25, choices=Finding.choices)
    treatment_before_travel = models.BooleanField(
        _("needs treatment before travel"),
        default=False,
        help_text=_("The person is unfit to travel until the treatment is recorded as completed."),
    )
    conditions = ArrayField(
        models.CharField(max_length=20, choices=TravelCondition.choices),
        verbose_name=_("conditions for travel"),
        default=list,
        blank=True,
    )

    class Meta:
        ordering = ["protocol_id", "finding"]
        verbose_name = _("rule for a result")
        verbose_name_plural = _("rules for results")
        constraints = [
            models.UniqueConstraint(fields=["protocol", "finding"], name="one_rule_per_finding"),
        ]

    def __str__(self):
        return self.get_finding_display()


# ---------------------------------------------------------------------------------------------
# Medical records


@audited("HealthAssessmentHistory")
class HealthAssessment(models.Model):
    """One person's health assessment for one destination programme, from appointment to outcome."""

    individual = models.ForeignKey(
        Individual,
        on_delete=models.CASCADE,
        related_name="health_assessments",
        verbose_name=_("person"),
    )
    programme = models.ForeignKey(
        Programme,
        on_delete=models.PROTECT,
        related_name="health_assessments",
        verbose_name=_("programme"),
    )
    group = models.CharField(
        _("group"), max_length=10, choices=AssessmentGroup.choices, default=AssessmentGroup.REFUGEE
    )
    scheduled_for = BoundedDateTimeField(_("appointment"), null=True, blank=True)
    assessed_on = BoundedDateField(_("assessment date"), null=True, blank=True)
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("clinician"),
    )
    medical_history = models.TextField(_("medical history"), blank=True)
    physical_examination = models.TextField(_("physical examination"), blank=True)
    mental_health_evaluation = models.TextField(_("mental health evaluation"), blank=True)
    pre_test_counselling_on = BoundedDateField(_("counselling before tests"), null=True, blank=True)
    post_test_counselling_on = BoundedDateField(_("counselling after tests"), null=True, blank=True)
    chest_xray_on = BoundedDateField(_("chest X-ray date"), null=True, blank=True)
    chest_xray_findings = models.TextField(_("chest X-ray findings"), blank=True)
    tb_classification = models.CharField(
        _("tuberculosis classification"), max_length=4, choices=TBClass.choices, blank=True
    )
    specialist_referrals = models.TextField(_("specialist referrals"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=25, choices=Outcome.choices, blank=True)
    outcome_on = BoundedDateField(_("outcome date"), null=True, blank=True)
    # Travel facts: shown to every staff role with the outcome.
    conditions = ArrayField(
        models.CharField(max_length=20, choices=TravelCondition.choices),
        verbose_name=_("conditions for travel"),
        default=list,
        blank=True,
    )
    outcome_notes = models.TextField(_("clinical notes on the outcome"), blank=True)
    # Set by medical.services from the programme's protocol: outcome date + validity.
    valid_until = BoundedDateField(_("clearance valid until"), null=True, blank=True)
    created_at = BoundedDateTimeField(_("created"), auto_now_add=True)
    updated_at = BoundedDateTimeField(_("last changed"), auto_now=True)

    class Meta:
        ordering = ["-scheduled_for", "-id"]
        verbose_name = _("health assessment")
        verbose_name_plural = _("health assessments")
        # A physician signs the outcome; nurses and laboratory staff record the parts.
        permissions = [
            ("sign_clearance", _("Can sign the outcome of a health assessment (physician)")),
        ]
        indexes = [
            models.Index(fields=["scheduled_for"], name="assessment_scheduled_idx"),
            models.Index(fields=["valid_until"], name="assessment_valid_until_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["individual", "programme"],
                name="one_assessment_per_person_and_programme",
                violation_error_message=_(
                    "This person already has a health assessment for this programme."
                ),
            ),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(outcome_on__isnull=False),
                name="assessment_outcome_has_date",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(outcome__in=sorted(CLEARING_OUTCOMES)),
                name="assessment_only_clearances_valid",
            ),
        ]

    def __str__(self):
        return f"{self.individual} – {self.programme.code}"

    def get_absolute_url(self):
        return reverse("medical:assessment", kwargs={"pk": self.pk})

    def is_clearance_valid_on(self, day: datetime.date) -> bool:
        """Cleared (with or without conditions) and valid on `day`: from the outcome date to the
        valid-until date, both included. The kept travel windows use the same definition
        (movements.windows)."""
        return (
            self.outcome in CLEARING_OUTCOMES
            and self.valid_until is not None
            and (self.outcome_on is None or self.outcome_on <= day)
            and day <= self.valid_until
        )


@audited("LabResultHistory")
class LabResult(models.Model):
    assessment = models.ForeignKey(
        HealthAssessment,
        on_delete=models.CASCADE,
        related_name="lab_results",
        verbose_name=_("health assessment"),
    )
    test = models.CharField(_("test"), max_length=20, choices=LabTest.choices)
    result = models.CharField(_("result"), max_length=15, choices=LabResultValue.choices)
    tested_on = BoundedDateField(_("date"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = BoundedDateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["assessment_id", "tested_on", "id"]
        verbose_name = _("laboratory result")
        verbose_name_plural = _("laboratory results")
        constraints = [
            # A result sent twice is one result: one per assessment, test and day.
            models.UniqueConstraint(
                fields=["assessment", "test", "tested_on"], name="lab_result_natural_key"
            ),
        ]

    def __str__(self):
        return f"{self.get_test_display()} {self.tested_on}"


@audited("TreatmentCompletionHistory")
class TreatmentCompletion(models.Model):
    """A clinician's record that the treatment a result needed before travel is completed.

    A result dated after the completion is not covered by it (a new finding needs its own).
    """

    assessment = models.ForeignKey(
        HealthAssessment,
        on_delete=models.CASCADE,
        related_name="treatments",
        verbose_name=_("health assessment"),
    )
    finding = models.CharField(_("result treated"), max_length=25, choices=Finding.choices)
    completed_on = BoundedDateField(_("treatment completed on"))
    notes = models.TextField(_("clinical notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = BoundedDateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["assessment_id", "completed_on", "id"]
        verbose_name = _("completed treatment")
        verbose_name_plural = _("completed treatments")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "finding", "completed_on"],
                name="treatment_completion_natural_key",
            ),
        ]

    def __str__(self):
        return f"{self.get_finding_display()} {self.completed_on}"


@audited("VaccinationHistory")
class Vaccination(models.Model):
    individual = models.ForeignKey(
        Individual,
        on_delete=models.CASCADE,
        related_name="vaccinations",
        verbose_name=_("person"),
    )
    vaccine = models.CharField(_("vaccine"), max_length=20, choices=Vaccine.choices)
    dose = models.PositiveSmallIntegerField(_("dose number"), default=1)
    given_on = BoundedDateField(_("date given"))
    lot_number = models.CharField(_("lot number"), max_length=40)
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("clinician"),
    )
    created_at = BoundedDateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["individual_id", "given_on", "id"]
        verbose_name = _("vaccination")
        verbose_name_plural = _("vaccinations")
        indexes = [models.Index(fields=["given_on"], name="vaccination_given_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(dose__gte=1), name="vaccination_dose_positive"),
            # A dose sent twice is one dose.
            models.UniqueConstraint(
                fields=["individual", "vaccine", "dose"], name="vaccination_natural_key"
            ),
        ]

    def __str__(self):
        return f"{self.get_vaccine_display()} #{self.dose}"


@audited("PreEmbarkationCheckHistory")
class PreEmbarkationCheck(models.Model):
    """The last fitness-to-travel check before a flight.

    `planned_departure` is the flight date the check was made for: the movements app does not
    exist yet, so the clinician (or the API caller) gives it, and the service checks that the
    check falls inside the protocol's window before it.
    """

    individual = models.ForeignKey(
        Individual,
        on_delete=models.CASCADE,
        related_name="pre_embarkation_checks",
        verbose_name=_("person"),
    )
    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="+", verbose_name=_("programme")
    )
    checked_on = BoundedDateField(_("date of check"))
    planned_departure = BoundedDateField(_("planned departure"))
    result = models.CharField(_("result"), max_length=20, choices=CheckResult.choices)
    clinical_notes = models.TextField(_("clinical notes"), blank=True)
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("clinician"),
    )
    created_at = BoundedDateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["individual_id", "-checked_on", "-id"]
        verbose_name = _("pre-embarkation check")
        verbose_name_plural = _("pre-embarkation checks")
        indexes = [
            models.Index(fields=["individual", "-checked_on", "-id"], name="check_latest_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(checked_on__lte=models.F("planned_departure")),
                name="check_before_departure",
            ),
            # A check sent twice is one check: one per person and day.
            models.UniqueConstraint(
                fields=["individual", "checked_on"], name="pre_embarkation_check_natural_key"
            ),
        ]

    def __str__(self):
        return f"{self.individual} {self.checked_on} {self.get_result_display()}"


class MedicalRecordAccess(models.Model):
    """Who looked at whose medical record, when, and through which door. Appended, never changed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("who"),
    )
    at = BoundedDateTimeField(_("when"), default=timezone.now)
    individual = models.ForeignKey(
        Individual,
        on_delete=models.CASCADE,
        related_name="medical_record_accesses",
        verbose_name=_("whose record"),
    )
    record_kind = models.CharField(_("record"), max_length=25, choices=RecordKind.choices)
    record_id = models.BigIntegerField(_("record number"))
    via = models.CharField(_("via"), max_length=4, choices=AccessChannel.choices)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("medical record access")
        verbose_name_plural = _("medical record accesses")
        indexes = [models.Index(fields=["individual", "-at"], name="access_person_time_idx")]
        triggers = [
            pgtrigger.Protect(name="access_log_append_only", operation=pgtrigger.Update),
        ]

    def __str__(self):
        return f"{self.user_id} {self.record_kind} {self.record_id} {self.at:%Y-%m-%d %H:%M}"
