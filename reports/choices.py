"""The documented constants of the yearly figures: report kinds, run states, files."""

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

# The office re-opened in 2008: no report reaches further back.
FIRST_YEAR = 2008
# The widest range of years one multi-year report covers (2008 to a distant now).
MAX_YEARS_IN_RANGE = 60


class ReportKind(models.TextChoices):
    YEARLY = "yearly", _("Yearly figures")
    MULTI_YEAR = "multi_year", _("Departures over several years")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Computing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


ACTIVE_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)


class RunTrigger(models.TextChoices):
    MANUAL = "manual", _("Asked for by a person")
    NIGHTLY = "nightly", _("Nightly recomputation")


class FileFormat(models.TextChoices):
    CSV = "csv", _("CSV")
    XLSX = "xlsx", _("Excel (xlsx)")
    PDF = "pdf", _("PDF")


class FileEdition(models.TextChoices):
    """A run's files are written once when it is computed (draft) and once more when it is
    approved (the approved edition says who approved it and when). Neither is ever rewritten."""

    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")


class AgeBand(models.TextChoices):
    """Age on the day of departure, in the bands of the annual report."""

    UNDER_5 = "0-4", _("0 to 4 years")
    CHILD = "5-11", _("5 to 11 years")
    ADOLESCENT = "12-17", _("12 to 17 years")
    ADULT = "18-59", _("18 to 59 years")
    OLDER = "60+", _("60 years and over")


# (band, lowest age, highest age or None), in order.
AGE_BAND_LIMITS = (
    (AgeBand.UNDER_5, 0, 4),
    (AgeBand.CHILD, 5, 11),
    (AgeBand.ADOLESCENT, 12, 17),
    (AgeBand.ADULT, 18, 59),
    (AgeBand.OLDER, 60, None),
)


def age_band_of(age: int) -> str:
    for band, low, high in AGE_BAND_LIMITS:
        if age >= low and (high is None or age <= high):
            return band
    return AgeBand.UNDER_5


def year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
