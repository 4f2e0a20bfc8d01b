"""The travel window, defined once.

A traveller can fly on day D when their clearance for the case's programme is of a clearing
outcome and valid on D (`HealthAssessment.is_clearance_valid_on`: from its outcome date to its
valid-until date) and one of their boarding documents is valid on D
(`TravelDocument.is_usable_on`: from its issue date to its expiry). The workflow's guards ask
those two methods day by day; the database keeps each case's window (CaseTravelWindow) with the
function below, whose SQL is written from the same Python constants (the clearing outcomes, the
boarding document types), so the two cannot drift apart: a test compares the function installed
in the database with `refresh_function_sql()`, and another compares opening and closing dates
with the guards day by day.
"""

from __future__ import annotations

from cases.choices import TRAVEL_DOCUMENT_TYPES
from medical.choices import CLEARING_OUTCOMES

FUNCTION_NAME = "movements_refresh_travel_windows"
REFRESH_BATCH = 2000
READ_TABLES = ("cases_case", "cases_individual", "cases_traveldocument", "medical_healthassessment")


def _sql_list(values) -> str:
    # Constants of our own choices (letters and underscores), never user input; checked anyway.
    items = sorted(str(v) for v in values)
    if not all(v.replace("_", "").isalnum() for v in items):
        raise ValueError("a choice value that is not a plain identifier")
    return ", ".join(f"'{v}'" for v in items)


def refresh_function_sql() -> str:
    """CREATE OR REPLACE of the function that recomputes the windows of the cases in `ids`.

    Per person: the clearance window [outcome_on, valid_until] of a clearing outcome for the
    case's programme; the document window from the earliest issue date to the latest expiry of
    the boarding documents (no issue date: no start; no expiry: no end). Per case: opens at the
    latest start, closes at the first end, and names who closes it and why."""
    clearing = _sql_list(CLEARING_OUTCOMES)
    boarding = _sql_list(TRAVEL_DOCUMENT_TYPES)
    return f"""
CREATE OR REPLACE FUNCTION {FUNCTION_NAME}(ids bigint[]) RETURNS void AS $$
BEGIN
    IF ids IS NULL OR cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    INSERT INTO movements_casetravelwindow
        (case_id, case_status, travellers, uncleared, undocumented, valid_from, closes,
         closing_person, closing_kind, needs_escort)
    SELECT case_id, case_status, travellers, uncleared, undocumented,
           CASE WHEN uncleared = 0 AND undocumented = 0 THEN valid_from END,
           CASE WHEN uncleared = 0 AND undocumented = 0 THEN closes END,
           coalesce(closing_person, ''), coalesce(closing_kind, ''), coalesce(needs_escort, false)
      FROM (
        SELECT p.case_id, min(p.case_status) AS case_status,
               count(*) AS travellers,
               count(*) FILTER (WHERE p.cleared_until IS NULL) AS uncleared,
               count(*) FILTER (WHERE p.documented_until IS NULL) AS undocumented,
               max(greatest(p.cleared_from, p.issued_from)) AS valid_from,
               min(least(p.cleared_until, p.documented_until)) AS closes,
               (array_agg(p.name ORDER BY least(p.cleared_until, p.documented_until),
                          p.person_id))[1] AS closing_person,
               (array_agg(CASE WHEN p.cleared_until <= p.documented_until THEN 'clearance'
                               ELSE 'document' END
                          ORDER BY least(p.cleared_until, p.documented_until),
                                   p.person_id))[1] AS closing_kind,
               bool_or(p.needs_escort) AS needs_escort
          FROM (
            SELECT c.id AS case_id, c.status AS case_status, i.id AS person_id,
                   left(i.given_name || ' ' || i.family_name, 201) AS name,
                   ha.outcome_on AS cleared_from, ha.valid_until AS cleared_until,
                   coalesce('medical_escort' = ANY(ha.conditions), false) AS needs_escort,
                   d.issued_from, d.documented_until
              FROM cases_case c
              JOIN cases_individual i ON i.case_id = c.id
              LEFT JOIN medical_healthassessment ha
                     ON ha.individual_id = i.id AND ha.programme_id = c.programme_id
                    AND ha.outcome IN ({clearing})
              LEFT JOIN LATERAL (
                  SELECT min(coalesce(t.issued_on, '-infinity'::date)) AS issued_from,
                         max(coalesce(t.expires_on, 'infinity'::date)) AS documented_until
                    FROM cases_traveldocument t
                   WHERE t.individual_id = i.id
                     AND t.document_type IN ({boarding})
              ) d ON true
             WHERE c.id = ANY(ids)
          ) p
         GROUP BY p.case_id
      ) w
    ON CONFLICT (case_id) DO UPDATE SET
        case_status = EXCLUDED.case_status, travellers = EXCLUDED.travellers,
        uncleared = EXCLUDED.uncleared, undocumented = EXCLUDED.undocumented,
        valid_from = EXCLUDED.valid_from, closes = EXCLUDED.closes,
        closing_person = EXCLUDED.closing_person, closing_kind = EXCLUDED.closing_kind,
        needs_escort = EXCLUDED.needs_escort;
    -- A case left without members (or deleted) has no window.
    DELETE FROM movements_casetravelwindow w
     WHERE w.case_id = ANY(ids)
       AND NOT EXISTS (SELECT 1 FROM cases_individual i WHERE i.case_id = w.case_id);
END;
$$ LANGUAGE plpgsql;
"""  # noqa: S608 (the only values put in are our own constants, checked by _sql_list)


def refresh_all_in_batches(connection, batch: int = REFRESH_BATCH) -> int:
    """Every case's window recomputed, `batch` cases per statement (each its own transaction
    unless the caller holds one), after ANALYZE of what the function reads. Returns the number
    of windows kept."""
    with connection.cursor() as cursor:
        if not connection.in_atomic_block:
            cursor.execute("ANALYZE " + ", ".join(READ_TABLES))
        last = 0
        while True:
            cursor.execute(
                "SELECT array_agg(id ORDER BY id) FROM "
                "(SELECT id FROM cases_case WHERE id > %s ORDER BY id LIMIT %s) AS b",
                [last, batch],
            )
            ids = cursor.fetchone()[0]
            if not ids:
                break
            cursor.execute(f"SELECT {FUNCTION_NAME}(%s::bigint[])", [ids])
            last = ids[-1]
        cursor.execute("SELECT count(*) FROM movements_casetravelwindow")
        return cursor.fetchone()[0]
