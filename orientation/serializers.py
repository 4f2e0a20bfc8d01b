"""Input and output shapes of the orientation API, one small serializer per use."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import StrictSerializer

from .choices import SessionStatus
from .models import Curriculum


class SessionDayOutput(serializers.Serializer):
    number = serializers.IntegerField()
    date = serializers.DateField()


class CurriculumOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    destination_country = serializers.CharField(source="destination_country.iso_code")
    minimum_age = serializers.IntegerField()


class CurriculumListOutput(CurriculumOutput):
    """A curriculum as session planning takes it (`curriculum` is its id)."""

    destination_country_name = serializers.CharField(source="destination_country.name")
    number_of_days = serializers.IntegerField()
    is_active = serializers.BooleanField(help_text=_("Only curricula in use can be planned."))


class SessionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    curriculum = CurriculumOutput()
    start_date = serializers.DateField()
    end_date = serializers.SerializerMethodField()
    venue = serializers.CharField()
    group = serializers.CharField(
        help_text=_("The group or time slot; blank for a day's only group.")
    )
    language = serializers.CharField()
    facilitator = serializers.SerializerMethodField()
    capacity = serializers.IntegerField()
    enrolled = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=SessionStatus.choices)
    days = SessionDayOutput(many=True, source="days.all")

    def get_end_date(self, session) -> str | None:
        days = list(session.days.all())
        return days[-1].date.isoformat() if days else None

    def get_facilitator(self, session) -> str:
        return session.facilitator.get_full_name() or session.facilitator.get_username()

    def get_enrolled(self, session) -> int:
        # Lists annotate the count (session_list); a detail counts the sheet it shows.
        if hasattr(session, "enrolled_count"):
            return session.enrolled_count
        return len(self.context["rows"])


class AttendanceMarkOutput(serializers.Serializer):
    day = serializers.IntegerField()
    present = serializers.BooleanField(allow_null=True, help_text=_("null: not recorded yet."))


class EnrolledPersonOutput(serializers.Serializer):
    individual = serializers.IntegerField(source="person.pk")
    name = serializers.CharField(source="person.full_name")
    case_number = serializers.CharField(source="person.case.case_number")
    attended_all_days = serializers.BooleanField(source="attended_all")
    attendance = serializers.SerializerMethodField()

    @extend_schema_field(AttendanceMarkOutput(many=True))
    def get_attendance(self, row):
        return [{"day": n, "present": mark} for n, mark in enumerate(row.marks, 1)]


class SessionDetailOutput(SessionOutput):
    """A session with the people enrolled (those of cases the caller may see) and their marks;
    `context["rows"]` is the sheet from `selectors.session_attendance_sheet`."""

    enrolled_people = serializers.SerializerMethodField()

    @extend_schema_field(EnrolledPersonOutput(many=True))
    def get_enrolled_people(self, session):
        return EnrolledPersonOutput(self.context["rows"], many=True).data


class AttendanceInput(StrictSerializer):
    day = serializers.IntegerField(min_value=1, help_text=_("The day's number in the session."))
    present = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        allow_empty=True,
        help_text=_("Ids of the enrolled people who were there; everyone else was absent."),
    )


class SessionPlanInput(StrictSerializer):
    curriculum = serializers.PrimaryKeyRelatedField(
        queryset=Curriculum.objects.select_related("destination_country"),
        help_text=_("Id of the curriculum (one per destination)."),
    )
    start_date = serializers.DateField(help_text=_("The first day."))
    day_dates = serializers.ListField(
        child=serializers.DateField(),
        required=False,
        min_length=1,
        max_length=30,
        help_text=_(
            "The date of each day, the first being start_date; leave out for the curriculum's "
            "number of days in a row."
        ),
    )
    venue = serializers.CharField(max_length=150)
    group = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        help_text=_(
            "The group or time slot (“Group 2”, “afternoon”): with curriculum, venue and "
            "start_date it names the session, so a second group that day is a second session "
            "and the same request sent again is a 409 `duplicate`."
        ),
    )
    language = serializers.CharField(max_length=40)
    facilitator = serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.all(),
        help_text=_("User name of a person holding the orientation facilitator role."),
    )
    capacity = serializers.IntegerField(min_value=1, max_value=500)


class EnrollmentInput(StrictSerializer):
    case_number = serializers.CharField(
        max_length=20,
        help_text=_(
            "Internal case number; every member old enough for the curriculum is enrolled."
        ),
    )


class ReasonInput(StrictSerializer):
    reason = serializers.CharField(max_length=500)
