"""Small input and output serializers of the reports API, one pair per operation."""

from django.urls import reverse
from rest_framework import serializers

from core.api.serializers import StrictSerializer

from .checks import changes_as_data, changes_since_approval
from .choices import ReportKind
from .models import DepartureImport, ReportFile, ReportRun
from .presenters import ordered_tables


class RunRequestInput(StrictSerializer):
    # Plain text: the service checks the kind and names it in its refusal (one rule, one place).
    kind = serializers.CharField(help_text=f"One of: {', '.join(ReportKind.values)}.")
    year = serializers.IntegerField(required=False)
    year_from = serializers.IntegerField(required=False)
    year_to = serializers.IntegerField(required=False)


class ReportFileSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = ReportFile
        fields = ["format", "edition", "size", "sha256", "created_at", "url"]

    def get_url(self, obj) -> str:
        return reverse(
            "api-report-run-file",
            kwargs={"pk": obj.run_id, "edition": obj.edition, "fmt": obj.format},
        )


class RunSerializer(serializers.ModelSerializer):
    requested_by = serializers.CharField(source="requested_by.username", default=None)
    approved_by = serializers.CharField(source="approved_by.username", default=None)
    duration_seconds = serializers.SerializerMethodField()
    files = ReportFileSerializer(many=True, read_only=True)

    class Meta:
        model = ReportRun
        fields = [
            "id",
            "kind",
            "year_from",
            "year_to",
            "version",
            "trigger",
            "status",
            "error",
            "progress",
            "progress_note",
            "attempts",
            "requested_by",
            "requested_at",
            "started_at",
            "finished_at",
            "duration_seconds",
            "approved_by",
            "approved_at",
            "files",
        ]

    def get_duration_seconds(self, obj) -> float | None:
        return obj.duration.total_seconds() if obj.duration else None


class RunDetailSerializer(RunSerializer):
    figures = serializers.SerializerMethodField(
        help_text="The stored figures; `tables` in the report's own order, also listed in "
        "`table_order`."
    )

    class Meta(RunSerializer.Meta):
        fields = [*RunSerializer.Meta.fields, "figures", "changes_since_approval"]

    changes_since_approval = serializers.SerializerMethodField(
        help_text="For an approved version: its latest comparison with today's records "
        "(`checked_at`; `checking` while a newer one is under way) and every figure that "
        "differs, with the records that entered and left it (names only for cases the caller "
        "may see). Null for a version that is not approved."
    )

    def get_changes_since_approval(self, obj) -> dict | None:
        return changes_as_data(changes_since_approval(obj, user=self.context.get("user")))

    def get_figures(self, obj) -> dict | None:
        if obj.figures is None:
            return None
        tables = ordered_tables(obj.figures)
        return {**obj.figures, "tables": tables, "table_order": list(tables)}


class DrillRowSerializer(serializers.Serializer):
    case_id = serializers.IntegerField(allow_null=True)
    case_number = serializers.CharField(allow_null=True)
    person = serializers.CharField(allow_null=True)
    reference = serializers.CharField(allow_null=True)
    persons = serializers.IntegerField()


class DrillDownSerializer(serializers.Serializer):
    table = serializers.CharField()
    measure = serializers.CharField()
    figure = serializers.IntegerField(allow_null=True)
    count = serializers.IntegerField()
    rows = DrillRowSerializer(many=True)


class HistoryImportInput(StrictSerializer):
    file = serializers.FileField()


class HistoryImportSerializer(serializers.ModelSerializer):
    imported_by = serializers.CharField(source="imported_by.username")

    class Meta:
        model = DepartureImport
        fields = ["id", "file_name", "sha256", "imported_by", "imported_at", "rows", "persons"]
