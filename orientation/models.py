"""Cultural orientation: curricula per destination, sessions and their days, who is enrolled,
and who attended which day. Every row is tracked by the audit trail (django-pghistory)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cases.models import Country, Individual, TranslatedName, audited
from core.dates import BoundedDateField, BoundedDateTimeField

from .choices import DEFAULT_MINIMUM_AGE, SessionStatus


@audited("CurriculumHistory")
class Curriculum(TranslatedName):
    """What a destination country asks refugees going there to be taught before departure."""

    destination_country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        related_name="orientation_curricula",
        verbose_name=_("destination country"),
    )
    name = models.CharField(_("name"), max_length=150)
    minimum_age = models.PositiveSmallIntegerField(
        _("minimum age"),
        default=DEFAULT_MINIMUM_AGE,
        validators=[MaxValueValidator(120)],
        help_text=_("Members of this age or older on the first day must attend every day."),
    )
    number_of_days = models.PositiveSmallIntegerField(
        _("number of days"), default=3, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["destination_country__name", "name"]
        verbose_name = _("orientation curriculum")
        verbose_name_plural = _("orientation curricula")
        constraints = [
            models.UniqueConstraint(
                fields=["destination_country", "name"], name="curriculum_unique_name"
            ),
            models.CheckConstraint(condition=Q(number_of_days__gte=1), name="curriculum_has_days"),
        ]

    def __str__(self):
        return self.localized_name()


@audited("OrientationSessionHistory")
class OrientationSession(models.Model):
    """One run of a curriculum: its days, where, in which language, led by whom, for how many."""

    curriculum = models.ForeignKey(
        Curriculum,
        on_delete=models.PROTECT,
        related_name="sessions",
        verbose_name=_("curriculum"),
    )
    start_date = BoundedDateField(_("first day"))
    venue = models.CharField(_("venue"), max_length=150)
    # Facilitators run several groups of one curriculum at one venue on the same day (up to 40
    # people each): the group, or its time slot, tells them apart.
    group = models.CharField(
        _("group or time slot"),
        max_length=40,
        blank=True,
        default="",
        help_text=_(
            "What facilitators call this group (“Group 2”, “afternoon”): needed when another "
            "group of the same curriculum starts at the same venue on the same day."
        ),
    )
    language = models.CharField(_("language"), max_length=40)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="orientation_sessions",
        verbose_name=_("facilitator"),
    )
    capacity = models.PositiveSmallIntegerField(
        _("capacity"),
        validators=[MinValueValidator(1), MaxValueValidator(500)],
        help_text=_("How many people the session can take."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.PLANNED
    )
    created_at = BoundedDateTimeField(_("created"), auto_now_add=True)
    updated_at = BoundedDateTimeField(_("last changed"), auto_now=True)

    class Meta:
        ordering = ["start_date", "id"]
        verbose_name = _("orientation session")
        verbose_name_plural = _("orientation sessions")
        indexes = [models.Index(fields=["start_date", "id"], name="orient_session_start_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="session_has_capacity"),
            models.CheckConstraint(
                condition=Q(status__in=SessionStatus.values), name="session_status_known"
            ),
            # A session planned twice is one session (a cancelled one may be planned again);
            # two groups on one day are two sessions.
            models.UniqueConstraint(
                fields=["curriculum", "venue", "start_date", "group"],
                condition=~Q(status=SessionStatus.CANCELLED),
                name="orientation_session_group_natural_key",
            ),
        ]

    def __str__(self):
        where = f"{self.venue}, {self.group}" if self.group else self.venue
        return f"{self.curriculum} – {self.start_date:%Y-%m-%d} – {where}"

    def get_absolute_url(self):
        return reverse("orientation:session_detail", kwargs={"pk": self.pk})


@audited("SessionDayHistory")
class SessionDay(models.Model):
    """Day `number` (1..n) of a session, on `date`."""

    session = models.ForeignKey(
        OrientationSession,
        on_delete=models.CASCADE,
        related_name="days",
        verbose_name=_("session"),
    )
    number = models.PositiveSmallIntegerField(_("day"), validators=[MinValueValidator(1)])
    date = BoundedDateField(_("date"))

    class Meta:
        ordering = ["session_id", "number"]
        verbose_name = _("session day")
        verbose_name_plural = _("session days")
        constraints = [
            models.UniqueConstraint(fields=["session", "number"], name="session_day_unique"),
            models.UniqueConstraint(fields=["session", "date"], name="session_date_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="session_day_from_one"),
        ]

    def __str__(self):
        return f"{self.number} ({self.date:%Y-%m-%d})"


@audited("EnrollmentHistory")
class Enrollment(models.Model):
    """A person expected at every day of a session."""

    session = models.ForeignKey(
        OrientationSession,
        on_delete=models.CASCADE,
        related_name="enrollments",
        verbose_name=_("session"),
    )
    individual = models.ForeignKey(
        Individual,
        on_delete=models.CASCADE,
        related_name="orientation_enrollments",
        verbose_name=_("person"),
    )
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("enrolled by"),
    )
    created_at = BoundedDateTimeField(_("enrolled"), auto_now_add=True)

    class Meta:
        ordering = ["session_id", "individual__case_id", "individual__date_of_birth", "id"]
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "individual"],
                name="enrollment_unique",
                violation_error_message=_("This person is already enrolled in this session."),
            ),
        ]

    def __str__(self):
        return f"{self.individual} @ {self.session_id}"


@audited("AttendanceHistory")
class Attendance(models.Model):
    """Whether an enrolled person was there on one day of the session."""

    enrollment = models.ForeignKey(
        Enrollment,
        on_delete=models.CASCADE,
        related_name="attendances",
        verbose_name=_("enrollment"),
    )
    day = models.ForeignKey(
        SessionDay, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("day")
    )
    present = models.BooleanField(_("present"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = BoundedDateTimeField(_("recorded"), auto_now=True)

    class Meta:
        ordering = ["day_id", "enrollment_id"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "day"], name="attendance_unique"),
        ]

    def __str__(self):
        return f"{self.enrollment_id} day {self.day_id}: {self.present}"
