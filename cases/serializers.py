"""Input and output shapes of the cases API (cases/api.py).

Inputs are small plain serializers that only parse and type-check; the rules of the domain live
in `cases.services` and `cases.workflow`. Every input refuses keys it does not accept (unknown or
read-only) with 400 naming the key, instead of ignoring them: a partner system that sends
`status` must learn that status changes only through a workflow step.

References are written with stable codes (a country's ISO code, a programme's code, ...) so a
partner system need not know this installation's ids; the output gives both id and code.
"""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api import serializers as core_serializers
from core.roles import Role

from .choices import CaseStatus, DocumentType, Relationship, Sex, SpecialNeed, Urgency
from .models import (
    Case,
    CaseEvent,
    Country,
    Individual,
    Location,
    MovementType,
    Programme,
    SubmissionCategory,
    TravelDocument,
)
from .workflow import TRANSITIONS

# ---------------------------------------------------------------------------------------------
# Strict input


# Why a key that names a real attribute of a case or person cannot be written here.
READ_ONLY_HINTS = {
    "id": _("The id is given by the system."),
    "status": _("The status changes only through a workflow step (POST …/transitions/)."),
    "resume_status": _("The status changes only through a workflow step (POST …/transitions/)."),
    "status_changed_at": _("Set by the system when the status changes."),
    "case_number": _("The internal case number is given by the system."),
    "created_at": _("Set by the system."),
    "updated_at": _("Set by the system."),
    "case": _("A member's case cannot be changed."),
    "members": _("Add or change members at …/cases/{id}/members/."),
    "documents": _("Travel documents cannot be written here."),
}


class StrictSerializer(core_serializers.StrictSerializer):
    """Inputs of the cases API: unknown and read-only keys refused (core/api/serializers.py),
    with the reasons above."""

    read_only_hints = READ_ONLY_HINTS


class CodeOrNameField(serializers.SlugRelatedField):
    """A reference record written by its code (`slug_field`) or its name, in any case, or, with
    `by_id`, by its id: the same ways a referral file writes them (partners.intake)."""

    default_error_messages = {
        "does_not_exist": _("There is no {what} “{value}”: write its code or its name."),
        "invalid": _("Write a code or a name."),
    }

    def __init__(self, *, what, by_id=False, **kwargs):
        self.what, self.by_id = what, by_id
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int):
            self.fail("invalid")
        text = str(data).strip()
        queryset = self.get_queryset()
        lookups = [{f"{self.slug_field}__iexact": text}, {"name__iexact": text}]
        if self.by_id and text.isdigit() and len(text) < 10:
            lookups.insert(0, {"pk": int(text)})
        for lookup in lookups:
            found = queryset.filter(**lookup).first()
            if found is not None:
                return found
        self.fail("does_not_exist", what=self.what, value=text[:100])


def _country_field(**kwargs):
    return CodeOrNameField(
        slug_field="iso_code", queryset=Country.objects.all(), what=_("country"), **kwargs
    )


class IndividualIn(StrictSerializer):
    """A member of a case, as written by POST (all required fields) or PATCH (any of them)."""

    given_name = serializers.CharField(max_length=100)
    family_name = serializers.CharField(max_length=100)
    sex = serializers.ChoiceField(choices=Sex.choices)
    date_of_birth = serializers.DateField()
    date_of_birth_estimated = serializers.BooleanField(required=False)
    nationality = _country_field(help_text=_("ISO 3166 alpha-3 code, e.g. COD."))
    relationship = serializers.ChoiceField(choices=Relationship.choices)
    unhcr_individual_number = serializers.CharField(
        max_length=30, required=False, allow_null=True, allow_blank=True
    )
    languages = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, max_length=20
    )
    special_needs = serializers.ListField(
        child=serializers.ChoiceField(choices=SpecialNeed.choices), required=False
    )


class CaseFieldsIn(StrictSerializer):
    """Household data of a case (PATCH takes any of them)."""

    unhcr_case_number = serializers.CharField(max_length=30)
    location = CodeOrNameField(
        slug_field="name",
        by_id=True,
        queryset=Location.objects.all(),
        what=_("camp or location"),
        help_text=_("Name of a camp or location (e.g. Kiziba), or its id."),
    )
    destination_country = CodeOrNameField(
        slug_field="iso_code",
        queryset=Country.objects.filter(is_destination=True),
        what=_("destination country"),
        help_text=_("ISO code (or name) of the destination country, e.g. USA."),
    )
    programme = CodeOrNameField(
        slug_field="code",
        queryset=Programme.objects.all(),
        what=_("programme"),
        help_text=_("Code or name, e.g. USRAP."),
    )
    movement_type = CodeOrNameField(
        slug_field="code",
        queryset=MovementType.objects.all(),
        what=_("movement type"),
        help_text=_("Code or name, e.g. refugee_resettlement."),
    )
    submission_category = CodeOrNameField(
        slug_field="code",
        queryset=SubmissionCategory.objects.all(),
        what=_("submission category"),
        help_text=_("UNHCR submission category code (or name), e.g. LPN."),
    )
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    caseworker = serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.filter(groups__name=Role.CASEWORKER),
        required=False,
        allow_null=True,
        help_text=_("Username of the assigned caseworker."),
    )
    referral_date = serializers.DateField()
    notes = serializers.CharField(required=False, allow_blank=True)


class CaseCreateIn(CaseFieldsIn):
    """A referral: the case and all its members in one request."""

    members = IndividualIn(many=True, allow_empty=False, max_length=50)
    acknowledged_duplicates = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        max_length=200,
        help_text=_(
            "Ids of people already recorded that a member resembles (same name and birth "
            "date), once checked: the referral is refused (409, possible_duplicate, listing "
            "them) until they are acknowledged."
        ),
    )


class TravelDocumentIn(StrictSerializer):
    """A member's travel document, as written by POST (type, number, country) or PATCH."""

    document_type = serializers.ChoiceField(choices=DocumentType.choices)
    number = serializers.CharField(max_length=50)
    issuing_country = _country_field(help_text=_("ISO 3166 alpha-3 code, e.g. RWA."))
    issued_on = serializers.DateField(required=False, allow_null=True)
    expires_on = serializers.DateField(required=False, allow_null=True)


class TravelDocumentRemoveIn(StrictSerializer):
    reason = serializers.CharField(max_length=2000)


class TransitionContextIn(StrictSerializer):
    departure_date = serializers.DateField(
        required=False, help_text=_("Planned departure date (needed to book).")
    )
    event_date = serializers.DateField(
        required=False,
        help_text=_(
            "History entered later: the day the step happened; clearances and documents are "
            "checked on it instead of today (not in the future)."
        ),
    )


class TransitionIn(StrictSerializer):
    transition = serializers.ChoiceField(choices=[(t.name, t.label) for t in TRANSITIONS])
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    context = TransitionContextIn(required=False)
    expected_status = serializers.ChoiceField(
        choices=CaseStatus.choices,
        required=False,
        help_text=_("The status you saw; the step is refused (409) if the case has moved since."),
    )


# ---------------------------------------------------------------------------------------------
# Output


class CountryOut(serializers.ModelSerializer):
    class Meta:
        model = Country
        fields = ["id", "iso_code", "name", "is_destination"]


class CountryRefOut(serializers.ModelSerializer):
    class Meta:
        model = Country
        fields = ["id", "iso_code", "name"]


class ProgrammeOut(serializers.ModelSerializer):
    country = serializers.SlugRelatedField(slug_field="iso_code", read_only=True)

    class Meta:
        model = Programme
        fields = ["id", "code", "name", "country", "is_active"]


class ProgrammeRefOut(serializers.ModelSerializer):
    class Meta:
        model = Programme
        fields = ["id", "code", "name"]


class LocationOut(serializers.ModelSerializer):
    class Meta:
        model = Location
        fields = ["id", "name", "kind", "district", "is_open", "merged_into"]


class LocationRefOut(serializers.ModelSerializer):
    class Meta:
        model = Location
        fields = ["id", "name"]


class MovementTypeRefOut(serializers.ModelSerializer):
    class Meta:
        model = MovementType
        fields = ["id", "code", "name"]


class SubmissionCategoryRefOut(serializers.ModelSerializer):
    class Meta:
        model = SubmissionCategory
        fields = ["id", "code", "name"]


class TravelDocumentOut(serializers.ModelSerializer):
    issuing_country = serializers.SlugRelatedField(slug_field="iso_code", read_only=True)

    class Meta:
        model = TravelDocument
        fields = ["id", "document_type", "number", "issuing_country", "issued_on", "expires_on"]


INDIVIDUAL_FIELDS = [
    "id",
    "given_name",
    "family_name",
    "sex",
    "date_of_birth",
    "date_of_birth_estimated",
    "nationality",
    "relationship",
    "unhcr_individual_number",
    "languages",
    "special_needs",
]


class MemberOut(serializers.ModelSerializer):
    """A member as a case list row shows them."""

    nationality = serializers.SlugRelatedField(slug_field="iso_code", read_only=True)

    class Meta:
        model = Individual
        fields = INDIVIDUAL_FIELDS


class MemberDetailOut(MemberOut):
    documents = TravelDocumentOut(many=True, read_only=True)

    class Meta:
        model = Individual
        fields = [*INDIVIDUAL_FIELDS, "documents"]


class CaseRefOut(serializers.ModelSerializer):
    class Meta:
        model = Case
        fields = ["id", "case_number", "unhcr_case_number", "status"]


class IndividualOut(MemberDetailOut):
    """A person found by the individuals search, with the case they belong to."""

    case = CaseRefOut(read_only=True)

    class Meta:
        model = Individual
        fields = [*INDIVIDUAL_FIELDS, "case", "documents"]


class IndividualListOut(MemberOut):
    case = CaseRefOut(read_only=True)

    class Meta:
        model = Individual
        fields = [*INDIVIDUAL_FIELDS, "case"]


CASE_FIELDS = [
    "id",
    "case_number",
    "unhcr_case_number",
    "status",
    "urgency",
    "location",
    "destination_country",
    "programme",
    "movement_type",
    "submission_category",
    "caseworker",
    "referral_date",
    "status_changed_at",
]


class CaseListOut(serializers.ModelSerializer):
    location = LocationRefOut(read_only=True)
    destination_country = CountryRefOut(read_only=True)
    programme = ProgrammeRefOut(read_only=True)
    movement_type = MovementTypeRefOut(read_only=True)
    submission_category = SubmissionCategoryRefOut(read_only=True)
    caseworker = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text=_("Username of the assigned caseworker; null while nobody is assigned."),
    )
    members = MemberOut(many=True, read_only=True)

    class Meta:
        model = Case
        fields = [*CASE_FIELDS, "members"]


_DATETIME = serializers.DateTimeField()


class CaseRowOut(CaseListOut):
    """CaseListOut written out by hand, for the list endpoint: a page serialises 50 cases and
    ~200 members, and DRF's generic field machinery was a third of the endpoint's time
    (bench_case_list). A test keeps its output equal to CaseListOut's."""

    def to_representation(self, case):
        def ref(obj, *names):
            return {name: getattr(obj, name) for name in ("id", *names)}

        return {
            "id": case.id,
            "case_number": case.case_number,
            "unhcr_case_number": case.unhcr_case_number,
            "status": case.status,
            "urgency": case.urgency,
            "location": ref(case.location, "name"),
            "destination_country": ref(case.destination_country, "iso_code", "name"),
            "programme": ref(case.programme, "code", "name"),
            "movement_type": ref(case.movement_type, "code", "name"),
            "submission_category": ref(case.submission_category, "code", "name"),
            "caseworker": case.caseworker.username if case.caseworker_id else None,
            "referral_date": case.referral_date.isoformat(),
            "status_changed_at": _DATETIME.to_representation(case.status_changed_at),
            "members": [
                {
                    "id": m.id,
                    "given_name": m.given_name,
                    "family_name": m.family_name,
                    "sex": m.sex,
                    "date_of_birth": m.date_of_birth.isoformat(),
                    "date_of_birth_estimated": m.date_of_birth_estimated,
                    "nationality": m.nationality.iso_code,
                    "relationship": m.relationship,
                    "unhcr_individual_number": m.unhcr_individual_number,
                    "languages": list(m.languages),
                    "special_needs": list(m.special_needs),
                }
                for m in case.members.all()
            ],
        }


class CaseDetailOut(CaseListOut):
    members = MemberDetailOut(many=True, read_only=True)

    class Meta:
        model = Case
        fields = [
            *CASE_FIELDS,
            "resume_status",
            "notes",
            "created_at",
            "updated_at",
            "members",
        ]


class CaseStatusOut(serializers.ModelSerializer):
    """Where a case stands after a workflow step."""

    class Meta:
        model = Case
        fields = ["id", "case_number", "status", "resume_status", "status_changed_at"]


class StepOptionOut(serializers.Serializer):
    """A workflow step the caller could take on the case, and what blocks it."""

    name = serializers.CharField()
    label = serializers.CharField()
    allowed = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())
    reason_required = serializers.BooleanField(source="transition.reason_required")
    needs = serializers.ListField(child=serializers.CharField(), source="transition.needs")
    target = serializers.CharField(source="transition.target", allow_null=True)


class CaseEventOut(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text=_("Who made the change; null when the system did."),
    )

    class Meta:
        model = CaseEvent
        fields = [
            "id",
            "kind",
            "at",
            "actor",
            "from_status",
            "to_status",
            "transition",
            "reason",
            "data",
        ]
