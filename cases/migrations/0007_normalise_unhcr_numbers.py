"""UNHCR case and individual numbers as every door now stores them: no surrounding spaces, upper
case. Numbers that would collide once normalised are not merged nor deleted: the migration
stops and lists them, for a person to decide which record stands."""

from django.db import migrations
from django.db.models import Count, F
from django.db.models.functions import Trim, Upper


def _refuse_collisions(model, field):
    collisions = (
        model.objects.exclude(**{f"{field}__isnull": True})
        .annotate(normalised=Upper(Trim(F(field))))
        .values("normalised")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by("normalised")
    )
    found = [row["normalised"] for row in collisions]
    if found:
        raise RuntimeError(
            f"{model.__name__}.{field}: these numbers are recorded more than once once spaces "
            f"and letter case are ignored; merge or correct the records, then migrate again: "
            f"{', '.join(found[:50])}" + (" ..." if len(found) > 50 else "")
        )


def normalise(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    Individual = apps.get_model("cases", "Individual")
    _refuse_collisions(Case, "unhcr_case_number")
    _refuse_collisions(Individual, "unhcr_individual_number")
    empty = Case.objects.annotate(normalised=Trim(F("unhcr_case_number"))).filter(normalised="")
    if empty.exists():
        raise RuntimeError(
            "Cases without a UNHCR case number (ids "
            f"{', '.join(str(pk) for pk in empty.values_list('id', flat=True)[:50])}): "
            "give them their number, then migrate again."
        )
    Case.objects.exclude(unhcr_case_number=Upper(Trim(F("unhcr_case_number")))).update(
        unhcr_case_number=Upper(Trim(F("unhcr_case_number")))
    )
    Individual.objects.annotate(normalised=Trim(F("unhcr_individual_number"))).filter(
        normalised=""
    ).update(unhcr_individual_number=None)
    Individual.objects.exclude(unhcr_individual_number__isnull=True).exclude(
        unhcr_individual_number=Upper(Trim(F("unhcr_individual_number")))
    ).update(unhcr_individual_number=Upper(Trim(F("unhcr_individual_number"))))


class Migration(migrations.Migration):
    dependencies = [("cases", "0006_case_waiting_index")]

    operations = [migrations.RunPython(normalise, migrations.RunPython.noop)]
