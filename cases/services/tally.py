"""The status tally (CaseTally) recounted from the cases."""

from __future__ import annotations

from django.db import connection, transaction


@transaction.atomic
def case_tally_rebuild() -> int:
    """Recount the status tally (CaseTally) from the cases, for a database whose cases were
    written with triggers off (session_replication_role = replica). Locks the cases against
    writes while it counts; returns the number of tally rows."""
    with connection.cursor() as cursor:
        cursor.execute("LOCK TABLE cases_case IN SHARE MODE")
        cursor.execute("DELETE FROM cases_casetally")
        cursor.execute(
            """
            INSERT INTO cases_casetally (location_id, destination_country_id, programme_id,
                                         caseworker_id, urgency, status, cases)
            SELECT location_id, destination_country_id, programme_id, caseworker_id, urgency,
                   status, count(*)
              FROM cases_case
             GROUP BY 1, 2, 3, 4, 5, 6
            """
        )
        return cursor.rowcount
