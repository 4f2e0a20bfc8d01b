"""Report runs (one computation of the figures, with its files and approval) and the departures
imported from before the system was used.

Writes go through `reports.services`; every row is tracked by database triggers
(django-pghistory) like the other apps' records. Once a run is approved its figures cannot
change (a database trigger refuses it) and its files are never rewritten (append-only).
"""

import datetime

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cases.models import Country, Location, MovementType, audited
from core.dates import FIRST_YEAR as FIRST_DATE_YEAR
from core.dates import LAST_YEAR as LAST_DATE_YEAR
from core.dates import BoundedDateField, BoundedDateTimeField

from .choices import (
    ACTIVE_STATUSES,
    AgeBand,
    FileEdition,
    FileFormat,
    ReportKind,
    RunStatus,
    RunTrigger,
)


@audited("ReportRunHistory")
class ReportRun(models.Model):
    """One computation of a report for its parameters: a version of those figures.

    `parameters_key` names the parameters ("yearly:2025", "multi_year:2008-2025"); `version`
    counts the runs of the same parameters from 1. At most one run per parameters is queued or
    running at a time (a partial unique index), so asking twice returns the same run.
    """

    kind = models.CharField(_("report"), max_length=20, choices=ReportKind.choices)
    year_from = models.PositiveSmallIntegerField(_("first year"))
    year_to = models.PositiveSmallIntegerField(_("last year"))
    parameters = models.JSONField(_("parameters"), default=dict)
    parameters_key = models.CharField(_("parameters key"), max_length=60)
    version = models.PositiveIntegerField(_("version"))
    trigger = models.CharField(
        _("asked by"), max_length=10, choices=RunTrigger.choices, default=RunTrigger.MANUAL
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    progress_note = models.CharField(_("now computing"), max_length=100, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("asked for by"),
    )
    requested_at = BoundedDateTimeField(_("asked for at"), auto_now_add=True)
    started_at = BoundedDateTimeField(_("started"), null=True, blank=True)
    # The computing worker's last proof of life (core.background.Heartbeat).
    heartbeat_at = BoundedDateTimeField(_("last heard from its worker"), null=True, blank=True)
    finished_at = BoundedDateTimeField(_("finished"), null=True, blank=True)
    figures = models.JSONField(_("figures"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = BoundedDateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("report run")
        verbose_name_plural = _("report runs")
        indexes = [
            models.Index(fields=["parameters_key", "-version"], name="run_versions_idx"),
            models.Index(fields=["status", "started_at"], name="run_status_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["parameters_key"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="one_active_run_per_parameters",
            ),
            models.UniqueConstraint(
                fields=["parameters_key", "version"], name="run_version_unique"
            ),
            models.CheckConstraint(
                condition=Q(status__in=RunStatus.values), name="run_status_known"
            ),
            models.CheckConstraint(
                condition=Q(year_from__lte=models.F("year_to")), name="run_years_in_order"
            ),
            models.CheckConstraint(
                condition=Q(approved_at__isnull=True) | Q(status=RunStatus.DONE),
                name="run_only_done_approved",
            ),
        ]
        triggers = [
            # An approved version is published: its figures and approval never change.
            pgtrigger.Protect(
                name="approved_run_frozen",
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(old__approved_at__isnull=False)
                & (
                    pgtrigger.Q(old__figures__df=pgtrigger.F("new__figures"))
                    | pgtrigger.Q(old__approved_at__df=pgtrigger.F("new__approved_at"))
                    | pgtrigger.Q(old__approved_by_id__df=pgtrigger.F("new__approved_by_id"))
                    | pgtrigger.Q(old__status__df=pgtrigger.F("new__status"))
                ),
            ),
            pgtrigger.Protect(
                name="approved_run_kept",
                operation=pgtrigger.Delete,
                condition=pgtrigger.Q(old__approved_at__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.years_label} v{self.version}"

    def get_absolute_url(self):
        return reverse("reports:run", kwargs={"pk": self.pk})

    @property
    def years_label(self) -> str:
        if self.year_from == self.year_to:
            return str(self.year_from)
        return f"{self.year_from}–{self.year_to}"

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None


@audited("ReportFileHistory")
class ReportFile(models.Model):
    """One exported file of a run: written once per format and edition, never rewritten."""

    run = models.ForeignKey(
        ReportRun, on_delete=models.PROTECT, related_name="files", verbose_name=_("run")
    )
    format = models.CharField(_("format"), max_length=5, choices=FileFormat.choices)
    edition = models.CharField(_("edition"), max_length=10, choices=FileEdition.choices)
    file = models.FileField(_("file"), upload_to="reports/", max_length=200)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    created_at = BoundedDateTimeField(_("written"), auto_now_add=True)

    class Meta:
        ordering = ["run_id", "edition", "format"]
        verbose_name = _("report file")
        verbose_name_plural = _("report files")
        constraints = [
            models.UniqueConstraint(
                fields=["run", "format", "edition"], name="report_file_written_once"
            ),
        ]
        triggers = [
            pgtrigger.Protect(
                name="report_file_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            ),
        ]

    def __str__(self):
        return f"{self.run} {self.edition} {self.format}"


@audited("DepartureImportHistory")
class DepartureImport(models.Model):
    """One CSV file of past departures, imported once (the file's hash is its natural key)."""

    file_name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, unique=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("imported by"),
    )
    imported_at = BoundedDateTimeField(_("imported at"), auto_now_add=True)
    rows = models.PositiveIntegerField(_("rows"))
    persons = models.PositiveIntegerField(_("persons"))

    class Meta:
        ordering = ["-imported_at", "-id"]
        verbose_name = _("import of past departures")
        verbose_name_plural = _("imports of past departures")

    def __str__(self):
        return self.file_name


@audited("ImportedDepartureHistory")
class ImportedDeparture(models.Model):
    """A count of persons who departed before the system was used, from an imported file.

    Blank dimensions (camp, sex, age band, movement type) were not recorded at the time and are
    counted under "not recorded". A combination of dimensions is recorded once (natural key), so
    a file overlapping an earlier one is refused instead of counting people twice.
    """

    batch = models.ForeignKey(
        DepartureImport, on_delete=models.CASCADE, related_name="lines", verbose_name=_("import")
    )
    line = models.PositiveIntegerField(_("line in the file"))
    year = models.PositiveSmallIntegerField(_("year"))
    departed_on = BoundedDateField(_("date of departure"), null=True, blank=True)
    destination_country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="+", verbose_name=_("destination")
    )
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("camp or location"),
    )
    sex = models.CharField(_("sex"), max_length=1, blank=True)
    age_band = models.CharField(_("age band"), max_length=5, choices=AgeBand.choices, blank=True)
    movement_type = models.ForeignKey(
        MovementType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("movement type"),
    )
    persons = models.PositiveIntegerField(_("persons"))

    class Meta:
        ordering = ["batch_id", "line"]
        verbose_name = _("imported departure")
        verbose_name_plural = _("imported departures")
        indexes = [models.Index(fields=["year"], name="imported_departure_year_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "year",
                    "departed_on",
                    "destination_country",
                    "location",
                    "sex",
                    "age_band",
                    "movement_type",
                ],
                nulls_distinct=False,
                name="imported_departure_natural_key",
            ),
            models.CheckConstraint(condition=Q(persons__gt=0), name="imported_persons_positive"),
        ]

    def __str__(self):
        return f"{self.year} {self.destination_country_id}: {self.persons}"


def _in_office_years(field: str) -> Q:
    # The range of dates every door keeps (core.dates), kept by the database too.
    return Q(**{f"{field}__isnull": True}) | Q(
        **{
            f"{field}__gte": datetime.datetime(FIRST_DATE_YEAR, 1, 1, tzinfo=datetime.UTC),
            f"{field}__lt": datetime.datetime(LAST_DATE_YEAR + 1, 1, 1, tzinfo=datetime.UTC),
        }
    )


class RunRecord(models.Model):
    """A record a run counted, with the dimensions it was counted under, as it stood when the
    run was computed. An approved version's records are what "changed since approval" compares
    today's records with, to name the records that entered or left a figure. Derived data (the
    figures' rows), so not audited; a superseded draft's records are dropped."""

    run = models.ForeignKey(
        ReportRun, on_delete=models.CASCADE, related_name="+", verbose_name=_("run")
    )
    base = models.CharField(_("counted things"), max_length=40)
    unit_id = models.BigIntegerField(_("record"))
    individual_id = models.BigIntegerField(_("person"), null=True, blank=True)
    case_id = models.BigIntegerField(_("case"), null=True, blank=True)
    imported_id = models.BigIntegerField(_("imported line"), null=True, blank=True)
    weight = models.PositiveIntegerField(_("persons"))
    dims = models.JSONField(_("dimensions"), default=dict)

    class Meta:
        verbose_name = _("record counted by a run")
        verbose_name_plural = _("records counted by runs")
        indexes = [models.Index(fields=["run", "base"], name="run_record_base_idx")]

    def __str__(self):
        return f"{self.run_id} {self.base} {self.unit_id}"


class ApprovalCheck(models.Model):
    """An approved version's figures compared with today's records (computed in the background
    on opening the version and every night): every figure that differs, with the records that
    entered and left it since approval. At most one check per version is queued or running."""

    run = models.ForeignKey(
        ReportRun, on_delete=models.CASCADE, related_name="checks", verbose_name=_("run")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    requested_at = BoundedDateTimeField(_("asked for at"), auto_now_add=True)
    checked_at = BoundedDateTimeField(_("records counted at"), null=True, blank=True)
    figures = models.JSONField(_("today's figures"), null=True, blank=True)
    differences = models.JSONField(_("differences"), default=list, blank=True)
    records_known = models.BooleanField(_("records at approval kept"), default=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("check since approval")
        verbose_name_plural = _("checks since approval")
        indexes = [models.Index(fields=["run", "-checked_at"], name="approval_check_latest_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["run"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="one_active_check_per_run",
            ),
            models.CheckConstraint(
                condition=Q(status__in=RunStatus.values), name="approval_check_status_known"
            ),
            models.CheckConstraint(
                condition=_in_office_years("requested_at"),
                name="approval_check_requested_in_range",
            ),
            models.CheckConstraint(
                condition=_in_office_years("checked_at"), name="approval_check_checked_in_range"
            ),
        ]

    def __str__(self):
        return f"{self.run} {self.status} {self.checked_at}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES
