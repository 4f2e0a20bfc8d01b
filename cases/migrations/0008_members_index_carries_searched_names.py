import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_name_search_covering_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="individual",
            index=models.Index(
                fields=["case"],
                include=("family_name_key", "given_name_key", "unhcr_individual_number"),
                name="ind_case_names_idx",
            ),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="individual",
                    name="case",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="members",
                        to="cases.case",
                        verbose_name="case",
                    ),
                ),
            ],
            # Django's AlterField drops every plain index on case_id alone, and took the partial
            # unique index one_principal_applicant_per_case with it: drop only the foreign key's
            # own index, by name.
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "cases_individual_case_id_664e37f5"',
                    reverse_sql=(
                        'CREATE INDEX "cases_individual_case_id_664e37f5" '
                        'ON "cases_individual" ("case_id")'
                    ),
                ),
            ],
        ),
    ]
