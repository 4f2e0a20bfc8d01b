"""Input and output shapes of the interviews API (cases/interviews/api.py).

Inputs only parse and type-check, and refuse keys they do not accept (400 naming the key);
the rules (decision needs its date, no decision on a no-show, ...) live in the services.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cases.choices import CaseStatus, InterviewDecision, InterviewKind, InterviewOutcome
from cases.models import Case, Interview
from cases.selectors import case_visible_to
from core.api.serializers import StrictSerializer


class InterviewOut(serializers.ModelSerializer):
    case_number = serializers.CharField(source="case.case_number", read_only=True)
    unhcr_case_number = serializers.CharField(source="case.unhcr_case_number", read_only=True)
    case_status = serializers.ChoiceField(
        source="case.status",
        choices=CaseStatus.choices,
        read_only=True,
        help_text=_("Where the case stands now (after any move a decision made)."),
    )
    decision = serializers.ChoiceField(
        choices=InterviewDecision.choices,
        allow_blank=True,
        read_only=True,
        help_text=_('Empty ("") until a decision is recorded.'),
    )
    recorded_by = serializers.CharField(
        source="recorded_by.username", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Interview
        fields = [
            "id",
            "case",
            "case_number",
            "unhcr_case_number",
            "case_status",
            "kind",
            "scheduled_for",
            "venue",
            "interviewer",
            "outcome",
            "decision",
            "decided_on",
            "notes",
            "recorded_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class InterviewScheduleIn(StrictSerializer):
    case = serializers.PrimaryKeyRelatedField(
        queryset=Case.objects.none(), help_text=_("The case's id.")
    )
    kind = serializers.ChoiceField(choices=InterviewKind.choices)
    scheduled_for = serializers.DateTimeField(
        help_text=_("ISO 8601 with offset, e.g. 2026-03-02T09:30:00+02:00 (Kigali).")
    )
    venue = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    interviewer = serializers.CharField(
        max_length=150, required=False, allow_blank=True, default=""
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only a case the caller may see can be named; any other reads as "does not exist".
        self.fields["case"].queryset = case_visible_to(user)


class InterviewRescheduleIn(StrictSerializer):
    scheduled_for = serializers.DateTimeField(help_text=_("The new time; must be in the future."))
    venue = serializers.CharField(
        max_length=150, required=False, help_text=_("Unchanged when left out.")
    )
    interviewer = serializers.CharField(
        max_length=150, required=False, help_text=_("Unchanged when left out.")
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class InterviewOutcomeIn(StrictSerializer):
    outcome = serializers.ChoiceField(
        choices=[
            (InterviewOutcome.COMPLETED.value, InterviewOutcome.COMPLETED.label),
            (InterviewOutcome.NO_SHOW.value, InterviewOutcome.NO_SHOW.label),
        ],
        help_text=_("To move an interview to another date, POST …/reschedule/ instead."),
    )
    decision = serializers.ChoiceField(
        choices=InterviewDecision.choices,
        required=False,
        allow_blank=True,
        allow_null=True,
        default="",
        help_text=_(
            "Completed interviews only. approved, denied and on_hold move the case through the "
            "workflow in the same transaction; a refused move saves nothing (409)."
        ),
    )
    decided_on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Required with a decision; not in the future nor before the interview."),
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="")
