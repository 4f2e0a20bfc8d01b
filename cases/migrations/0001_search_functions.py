"""Database pieces the models rely on: the unaccent extension, an immutable name-folding function
(usable in generated columns and indexes), and the sequence internal case numbers are drawn from."""

from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        UnaccentExtension(),
        migrations.RunSQL(
            sql="""
                CREATE FUNCTION resettle_name_key(text) RETURNS text
                LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
                AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$;
                CREATE SEQUENCE IF NOT EXISTS cases_case_number_seq;
            """,
            reverse_sql="""
                DROP SEQUENCE IF EXISTS cases_case_number_seq;
                DROP FUNCTION IF EXISTS resettle_name_key(text);
            """,
        ),
    ]
