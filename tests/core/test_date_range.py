"""Every date and time column of the project's models keeps 1900-2199 in the database itself.

The walker lists every concrete date/time field of every model of the project's apps (their
audit-trail tables included) and finds the database's CHECK on its column: a new column
without one fails here, whichever app adds it."""

import datetime

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, models, transaction

from core.dates import FIRST_YEAR, LAST_YEAR
from tests.factories import CaseFactory

PROJECT_APPS = {"cases", "medical", "orientation", "movements", "partners", "reports", "core"}
# Set by the audit trail's trigger from the database's clock (NOW()), never by a door.
SET_BY_THE_DATABASE = {"pgh_created_at"}


def date_columns():
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.DateField) and field.name not in SET_BY_THE_DATABASE:
                yield model._meta.db_table, field.column


def checks_on(table):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey) "
            "WHERE c.contype = 'c' AND c.conrelid = %s::regclass",
            [table],
        )
        found = {}
        for column, definition in cursor.fetchall():
            found.setdefault(column, []).append(definition)
        return found


def test_the_walker_finds_the_columns_it_must_cover(db):
    columns = set(date_columns())
    assert ("movements_transitstay", "checked_in_at") in columns
    assert ("cases_individual", "date_of_birth") in columns
    assert len(columns) > 80


def test_every_date_column_keeps_the_range_in_the_database(db):
    missing = []
    for table, column in date_columns():
        definitions = checks_on(table).get(column, [])
        if not any(str(FIRST_YEAR - 1) in d or str(FIRST_YEAR) in d for d in definitions) or not (
            any(str(LAST_YEAR + 1) in d for d in definitions)
        ):
            missing.append(f"{table}.{column}")
    assert missing == []


def test_year_one_cannot_be_stored_even_by_a_raw_update(db):
    case = CaseFactory()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_case SET referral_date = %s WHERE id = %s",
            [datetime.date(1, 1, 1), case.pk],
        )
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_case SET created_at = %s WHERE id = %s",
            [datetime.datetime(1, 1, 1, tzinfo=datetime.UTC), case.pk],
        )
    case.refresh_from_db()
    assert case.referral_date.year >= FIRST_YEAR


def test_the_first_and_last_days_of_the_range_are_kept(db):
    case = CaseFactory()
    for day in (datetime.date(FIRST_YEAR, 1, 1), datetime.date(LAST_YEAR, 12, 31)):
        with connection.cursor() as cursor:
            cursor.execute("UPDATE cases_case SET referral_date = %s WHERE id = %s", [day, case.pk])
        case.refresh_from_db()
        assert case.referral_date == day


def _year_one_error(case):
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE cases_case SET referral_date = %s WHERE id = %s",
                [datetime.date(1, 1, 1), case.pk],
            )
    except IntegrityError as error:
        return error
    raise AssertionError("the database stored year 1")


def test_a_door_that_let_year_one_through_answers_the_api_with_a_400_naming_the_column(db):
    from core.api.errors import exception_handler

    response = exception_handler(_year_one_error(CaseFactory()), {})

    assert response.status_code == 400
    assert response.data["error"]["code"] == "out_of_range"
    assert response.data["error"]["field"] == "referral_date"
    assert "1900" in response.data["error"]["message"]


def test_a_page_that_let_year_one_through_answers_a_400_page_in_words(rf, caseworker):
    from core.middleware import DateOutOfRangeMiddleware

    request = rf.post("/anything/")
    request.user = caseworker
    response = DateOutOfRangeMiddleware(lambda r: None).process_exception(
        request, _year_one_error(CaseFactory())
    )

    assert response.status_code == 400
    assert "1900" in response.content.decode()
    assert "Nothing was saved" in response.content.decode()


def test_other_database_errors_are_left_to_their_own_handling(db):
    from core.dates import column_out_of_range

    assert column_out_of_range(IntegrityError("duplicate key")) is None
