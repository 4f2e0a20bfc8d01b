"""Small input and output serializers, one pair per operation. Summary outputs name exactly the
fields every reader may see; detail outputs are used for clinicians only."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.serializers import StrictSerializer

from .choices import (
    AssessmentGroup,
    CheckResult,
    Finding,
    LabResultValue,
    LabTest,
    Outcome,
    TBClass,
    TravelCondition,
    Vaccine,
)
from .models import (
    HealthAssessment,
    LabResult,
    PreEmbarkationCheck,
    TreatmentCompletion,
    Vaccination,
)

# ---------------------------------------------------------------------------------------------
# Outputs


class ClearanceSummarySerializer(serializers.ModelSerializer):
    """What every staff role and partners with medical:read see: no medical detail."""

    individual_name = serializers.CharField(source="individual.full_name")
    case = serializers.IntegerField(source="individual.case_id")
    case_number = serializers.CharField(source="individual.case.case_number")
    programme = serializers.CharField(source="programme.code")
    pre_embarkation_result = serializers.ChoiceField(
        choices=CheckResult.choices, allow_blank=True, allow_null=True
    )

    class Meta:
        model = HealthAssessment
        fields = [
            "id",
            "individual",
            "individual_name",
            "case",
            "case_number",
            "programme",
            "group",
            "assessed_on",
            "outcome",
            "conditions",
            "valid_until",
            "pre_embarkation_result",
        ]


class LabResultSerializer(serializers.ModelSerializer):
    class Meta:
        model = LabResult
        fields = ["id", "test", "result", "tested_on", "recorded_by"]


class TreatmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = TreatmentCompletion
        fields = ["id", "finding", "completed_on", "notes", "recorded_by"]


class AssessmentDetailSerializer(serializers.ModelSerializer):
    """The whole record, for clinicians."""

    individual_name = serializers.CharField(source="individual.full_name")
    case = serializers.IntegerField(source="individual.case_id")
    programme = serializers.CharField(source="programme.code")
    lab_results = LabResultSerializer(many=True)
    treatments = TreatmentSerializer(many=True)

    class Meta:
        model = HealthAssessment
        fields = [
            "id",
            "individual",
            "individual_name",
            "case",
            "programme",
            "group",
            "scheduled_for",
            "assessed_on",
            "clinician",
            "medical_history",
            "physical_examination",
            "mental_health_evaluation",
            "pre_test_counselling_on",
            "post_test_counselling_on",
            "chest_xray_on",
            "chest_xray_findings",
            "tb_classification",
            "specialist_referrals",
            "lab_results",
            "treatments",
            "outcome",
            "outcome_on",
            "conditions",
            "outcome_notes",
            "valid_until",
            "created_at",
            "updated_at",
        ]


class VaccinationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Vaccination
        fields = ["id", "individual", "vaccine", "dose", "given_on", "lot_number", "clinician"]


class PreEmbarkationCheckSummarySerializer(serializers.ModelSerializer):
    """The result of a check, for every reader (the notes stay in the clinic)."""

    programme = serializers.CharField(source="programme.code")

    class Meta:
        model = PreEmbarkationCheck
        fields = ["id", "individual", "programme", "checked_on", "planned_departure", "result"]


class PreEmbarkationCheckDetailSerializer(PreEmbarkationCheckSummarySerializer):
    class Meta(PreEmbarkationCheckSummarySerializer.Meta):
        fields = [*PreEmbarkationCheckSummarySerializer.Meta.fields, "clinical_notes", "clinician"]


# ---------------------------------------------------------------------------------------------
# Inputs


# Why a real attribute of an assessment cannot be written with the assessment's parts.
ASSESSMENT_READ_ONLY_HINTS = {
    "id": _("The id is given by the system."),
    "outcome": _("The outcome is recorded at …/assessments/{id}/outcome/."),
    "outcome_on": _("The outcome is recorded at …/assessments/{id}/outcome/."),
    "conditions": _("Travel conditions are recorded with the outcome (…/outcome/)."),
    "outcome_notes": _("Outcome notes are recorded with the outcome (…/outcome/)."),
    "valid_until": _("Set from the destination's medical protocol when the outcome is recorded."),
    "lab_results": _("Laboratory results are added at …/assessments/{id}/lab-results/."),
    "treatments": _("Completed treatments are added at …/assessments/{id}/treatments/."),
    "programme": _("The programme is the case's; it cannot be changed here."),
    "clinician": _("Set to the clinician who records the assessment."),
    "created_at": _("Set by the system."),
    "updated_at": _("Set by the system."),
}


class _AssessmentPartsInput(StrictSerializer):
    read_only_hints = ASSESSMENT_READ_ONLY_HINTS

    group = serializers.ChoiceField(choices=AssessmentGroup.choices, required=False)
    scheduled_for = serializers.DateTimeField(required=False, allow_null=True)
    assessed_on = serializers.DateField(required=False, allow_null=True)
    medical_history = serializers.CharField(required=False, allow_blank=True)
    physical_examination = serializers.CharField(required=False, allow_blank=True)
    mental_health_evaluation = serializers.CharField(required=False, allow_blank=True)
    pre_test_counselling_on = serializers.DateField(required=False, allow_null=True)
    post_test_counselling_on = serializers.DateField(required=False, allow_null=True)
    chest_xray_on = serializers.DateField(required=False, allow_null=True)
    chest_xray_findings = serializers.CharField(required=False, allow_blank=True)
    tb_classification = serializers.ChoiceField(
        choices=TBClass.choices, required=False, allow_blank=True
    )
    specialist_referrals = serializers.CharField(required=False, allow_blank=True)


class AssessmentCreateInput(_AssessmentPartsInput):
    case = serializers.IntegerField(help_text=_("The case the person belongs to."))
    individual = serializers.IntegerField()


class AssessmentUpdateInput(_AssessmentPartsInput):
    pass


class OutcomeInput(StrictSerializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    outcome_on = serializers.DateField(required=False, allow_null=True)
    conditions = serializers.ListField(
        child=serializers.ChoiceField(choices=TravelCondition.choices), required=False
    )
    outcome_notes = serializers.CharField(required=False, allow_blank=True)


class LabResultInput(StrictSerializer):
    test = serializers.ChoiceField(choices=LabTest.choices)
    result = serializers.ChoiceField(choices=LabResultValue.choices)
    tested_on = serializers.DateField()


class TreatmentInput(StrictSerializer):
    finding = serializers.ChoiceField(
        choices=Finding.choices, help_text=_("The result whose treatment is completed.")
    )
    completed_on = serializers.DateField()
    notes = serializers.CharField(required=False, allow_blank=True)


class VaccinationInput(StrictSerializer):
    individual = serializers.IntegerField()
    vaccine = serializers.ChoiceField(choices=Vaccine.choices)
    dose = serializers.IntegerField(min_value=1, max_value=10)
    given_on = serializers.DateField()
    lot_number = serializers.CharField(max_length=40)


class PreEmbarkationCheckInput(StrictSerializer):
    individual = serializers.IntegerField()
    case = serializers.IntegerField(required=False)
    checked_on = serializers.DateField()
    planned_departure = serializers.DateField(
        help_text=_("The flight date the check is for (until bookings record it).")
    )
    result = serializers.ChoiceField(choices=CheckResult.choices)
    clinical_notes = serializers.CharField(required=False, allow_blank=True)


class ExpiringQuery(serializers.Serializer):
    days = serializers.IntegerField(min_value=0, max_value=730, required=False, default=30)
