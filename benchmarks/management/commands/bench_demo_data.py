"""How fast demo data loads, against plain PostgreSQL COPY of the same rows.

    manage.py bench_demo_data [--cases 250000] [--database-name resettle_bench] [--rollback]

(a) runs the demo_data path (generate in Python, COPY in chunks, commit per chunk) for N
households; its rows are then dumped with COPY TO (binary) and (b) loaded again with COPY FROM
in one transaction, with every trigger in place (audit, one-principal check), and again with
groups of triggers switched off, to show what each costs. Times include the commit, which is
when the deferred one-principal check runs.

By default everything happens in a scratch database that is created, migrated and dropped, so a
developer's data is never touched. `--rollback` instead works inside the current database in
one transaction that is rolled back (what the test suite uses: quick, nothing left behind).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pghistory.trigger
import pgtrigger
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from cases.demo import (
    DEFAULT_CHUNK,
    DEFAULT_SEED,
    MAX_CASES,
    demo_data_load,
    prepare_bulk_transaction,
)
from cases.reference_data import load_reference_data

# The loaded tables (parents first) and their audit tables.
TABLES = (
    ("cases.Case", "cases.CaseHistory"),
    ("cases.Individual", "cases.IndividualHistory"),
    ("cases.TravelDocument", "cases.TravelDocumentHistory"),
    ("cases.Interview", "cases.InterviewHistory"),
    ("cases.CaseEvent", None),
)
PRINCIPAL_TRIGGER = "case_has_one_principal"
TARGET_RATIO = 1 / 8

# The cheaper design proposed for the one-principal check: one deferred check per new case
# instead of one per inserted person (inserting people cannot take a principal away; the
# partial unique index already stops a second one). Removing or demoting a principal would
# be caught by a trigger on UPDATE/DELETE of individuals WHEN (OLD.relationship = 'PA').
PROPOSED_PRINCIPAL_CHECK = """
CREATE FUNCTION bench_case_has_principal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM cases_case WHERE id = NEW.id)
       AND (SELECT count(*) FROM cases_individual
             WHERE case_id = NEW.id AND relationship = 'PA') <> 1 THEN
        RAISE EXCEPTION 'case % must have exactly one principal applicant', NEW.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END;
$$;
CREATE CONSTRAINT TRIGGER bench_case_has_principal AFTER INSERT ON cases_case
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bench_case_has_principal();
"""


# What each COPY variant switches off or puts in place: (label, changes).
VARIANTS = {
    "all": ("COPY, all triggers in place", ()),
    "no-audit": ("COPY, without the audit triggers", ("audit",)),
    "no-principal": ("COPY, without the one-principal check", ("principal",)),
    "principal-per-case": (
        "COPY, one-principal check per case (proposed)",
        ("principal", "principal_per_case"),
    ),
    "statement-audit": (
        "COPY, statement-level audit triggers (proposed)",
        ("audit", "statement_audit"),
    ),
    "proposed": (
        "COPY, both proposals",
        ("audit", "statement_audit", "principal", "principal_per_case"),
    ),
    "none": ("COPY, without audit and one-principal triggers", ("audit", "principal")),
}


@dataclass
class Timing:
    label: str
    seconds: float
    rows: int
    deferred_seconds: float | None = None
    # CPU seconds of this process and of the PostgreSQL backend (when the server runs on this
    # machine): unlike wall time, not inflated when other work shares the cores.
    cpu_seconds: float | None = None

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


class CpuClock:
    """CPU time used by this process plus its PostgreSQL backend, read from /proc."""

    def __init__(self):
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            self.stat = Path(f"/proc/{cursor.fetchone()[0]}/stat")

    def __call__(self) -> float | None:
        try:
            fields = self.stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the server is elsewhere (or another user's): no figure
            return None
        ticks = os.sysconf("SC_CLK_TCK")
        return time.process_time() + (int(fields[11]) + int(fields[12])) / ticks


def _spent(start: float | None, clock: CpuClock) -> float | None:
    end = clock()
    return None if start is None or end is None else end - start


class Command(BaseCommand):
    help = "Time the demo_data loading path against PostgreSQL COPY of the same rows."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=250_000)
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK)
        parser.add_argument(
            "--database-name",
            help="scratch database to create, migrate and drop (default: <current>_bench)",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="drop the scratch database first if a previous run left it behind",
        )
        parser.add_argument(
            "--rollback",
            action="store_true",
            help="work in the current database inside a transaction that is rolled back",
        )
        parser.add_argument(
            "--variants",
            default=",".join(VARIANTS),
            help=f"COPY variants to time, from: {', '.join(VARIANTS)} ('all' always runs first)",
        )

    def handle(self, *args, cases, seed, chunk_size, rollback, variants, **options):
        if not 1 <= cases <= MAX_CASES:
            raise CommandError(f"--cases must be between 1 and {MAX_CASES}.")
        chosen = ["all", *(v.strip() for v in variants.split(",") if v.strip() not in ("", "all"))]
        unknown = sorted(set(chosen) - set(VARIANTS))
        if unknown:
            raise CommandError(f"Unknown variants: {', '.join(unknown)}.")
        connection = connections[DEFAULT_DB_ALIAS]
        self.bench_args = {
            "cases": cases,
            "seed": seed,
            "chunk_size": chunk_size,
            "variants": chosen,
        }
        if rollback:
            where = f"database {connection.settings_dict['NAME']}, rolled back"
            with transaction.atomic():
                timings, counts = self._bench(in_transaction=True)
                transaction.set_rollback(True)
        else:
            name = options["database_name"] or f"{connection.settings_dict['NAME']}_bench"
            where = f"scratch database {name}, dropped afterwards"
            with scratch_database(name, replace=options["replace"], stdout=self.stdout):
                timings, counts = self._bench(in_transaction=False)
        self._report(cases, seed, where, timings, counts)

    # -----------------------------------------------------------------------------------------

    def _bench(self, *, in_transaction: bool):
        cases, seed, chunk_size = (self.bench_args[k] for k in ("cases", "seed", "chunk_size"))
        connection = connections[DEFAULT_DB_ALIAS]
        before = _max_ids() if in_transaction else None
        audit_before = _audit_rows() if in_transaction else {}
        savepoint = transaction.savepoint() if in_transaction else None

        self.stdout.write(f"(a) demo_data path for {cases:,} households ...")
        clock = CpuClock()
        cpu_started = clock()
        started = time.perf_counter()
        summary = demo_data_load(cases=cases, seed=seed, chunk_size=chunk_size)
        if in_transaction:  # no commit here: run the deferred checks now, inside the clock
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        demo = Timing(
            "demo_data (generate + COPY)",
            time.perf_counter() - started,
            summary.rows,
            cpu_seconds=_spent(cpu_started, clock),
        )
        counts = {
            "cases": summary.cases,
            "people": summary.people,
            "documents": summary.documents,
            "interviews": summary.interviews,
            "events": summary.events,
            "audit": sum(_audit_rows().values()) - sum(audit_before.values()),
        }
        counts["skipped"] = summary.skipped  # only in --rollback, when demo data is there
        timings = [demo]
        self._progress(demo)

        with tempfile.TemporaryDirectory(prefix="bench_demo_data_") as folder:
            dumps = _dump(Path(folder), before)
            if in_transaction:
                transaction.savepoint_rollback(savepoint)
            variants = [VARIANTS[key] for key in self.bench_args["variants"]]
            for label, switched_off in variants:
                self.stdout.write(f"(b) {label} ...")
                timings.append(
                    _copy_back(label, dumps, switched_off, summary.rows, in_transaction, clock)
                )
                self._progress(timings[-1])
        return timings, counts

    def _progress(self, timing: Timing) -> None:
        cpu = f", CPU {timing.cpu_seconds:.1f} s" if timing.cpu_seconds is not None else ""
        self.stdout.write(f"    {timing.seconds:.1f} s, {timing.rows_per_second:,.0f} rows/s{cpu}")
        self.stdout.flush()

    def _report(self, cases, seed, where, timings, counts):
        out = self.stdout
        out.write("")
        out.write(f"Benchmark: {cases:,} households, seed {seed} ({where})")
        out.write(
            f"  rows: {counts['cases']:,} cases, {counts['people']:,} people, "
            f"{counts['events']:,} events, {counts['interviews']:,} interviews, "
            f"{counts['documents']:,} travel documents = {timings[0].rows:,} rows "
            f"(+ {counts['audit']:,} audit rows written by the triggers)"
        )
        if counts["skipped"]:
            out.write(f"  ({counts['skipped']:,} households were there already and not timed)")
        width = max(len(t.label) for t in timings)
        for timing in timings:
            deferred = (
                f"  (deferred checks at commit: {timing.deferred_seconds:.1f} s)"
                if timing.deferred_seconds
                else ""
            )
            cpu = f"  CPU {timing.cpu_seconds:7.1f} s" if timing.cpu_seconds is not None else ""
            out.write(
                f"  {timing.label:<{width}}  {timing.seconds:8.1f} s  "
                f"{timing.rows_per_second:>10,.0f} rows/s{cpu}{deferred}"
            )
        demo, copy = timings[0], timings[1]
        ratio = demo.rows_per_second / copy.rows_per_second if copy.rows_per_second else 0.0
        verdict = "met" if ratio >= TARGET_RATIO else "NOT met"
        out.write(
            f"  demo_data / COPY (same rows, all triggers): {ratio:.2f} "
            f"(target at least 1/8 = {TARGET_RATIO:.3f}: {verdict})"
        )
        if demo.cpu_seconds and copy.cpu_seconds:
            out.write(
                "  same ratio in CPU seconds (client + server): "
                f"{copy.cpu_seconds / demo.cpu_seconds:.2f}"
            )


# ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def scratch_database(name: str, *, replace: bool, stdout):
    """Point the default connection at a new, migrated database for the duration; drop it after."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        raise CommandError("The scratch database name may hold only a-z, 0-9 and _.")
    connection = connections[DEFAULT_DB_ALIAS]
    original = connection.settings_dict["NAME"]
    if name == original:
        raise CommandError("The scratch database cannot be the database in use.")
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone():
            if not replace:
                raise CommandError(
                    f"Database {name} exists (a previous run?). Pass --replace to drop it, "
                    "or --database-name to use another."
                )
            cursor.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    connection.settings_dict["NAME"] = name
    try:
        stdout.write(f"Migrating scratch database {name} ...")
        call_command("migrate", interactive=False, verbosity=0)
        load_reference_data()
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _model(label):
    return apps.get_model(label)


def _columns(model) -> list[str]:
    return [f.column for f in model._meta.concrete_fields if not getattr(f, "generated", False)]


def _max_ids() -> dict[str, int]:
    """Highest id of each loaded table, so the dump takes only the rows this run wrote."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        result = {}
        for label, _history in TABLES:
            table = _model(label)._meta.db_table
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")  # noqa: S608
            result[label] = cursor.fetchone()[0]
        return result


def _audit_rows() -> dict[str, int]:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        result = {}
        for _label, history in TABLES:
            if history:
                cursor.execute(f"SELECT count(*) FROM {_model(history)._meta.db_table}")  # noqa: S608
                result[history] = cursor.fetchone()[0]
        return result


def _dump(folder: Path, before: dict[str, int] | None) -> list[tuple[str, list[str], Path]]:
    """COPY TO (binary) every row this run wrote, table by table."""
    raw = connections[DEFAULT_DB_ALIAS].cursor().cursor
    dumps = []
    for label, _history in TABLES:
        model = _model(label)
        table, columns = model._meta.db_table, _columns(model)
        where = f"WHERE id > {int(before[label])}" if before else ""
        path = folder / f"{table}.copy"
        with path.open("wb") as file:
            query = f"COPY (SELECT {', '.join(columns)} FROM {table} {where} ORDER BY id) TO STDOUT (FORMAT BINARY)"  # noqa: S608, E501
            with raw.copy(query) as copy:
                for data in copy:
                    file.write(data)
        dumps.append((table, columns, path))
    return dumps


def _truncate() -> None:
    tables = [_model(label)._meta.db_table for label, _h in TABLES]
    tables += [_model(h)._meta.db_table for _l, h in TABLES if h]
    tables.append(_model("pghistory.Context")._meta.db_table)
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")


def _triggers(switched_off) -> list[tuple[str, str]]:
    """(table, trigger name) of the triggers to switch off for a variant."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        tables = [_model(label)._meta.db_table for label, _h in TABLES]
        cursor.execute(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND c.relname = ANY(%s)",
            [tables],
        )
        found = cursor.fetchall()
    chosen = []
    for table, name in found:
        is_principal = PRINCIPAL_TRIGGER in name
        is_audit = name.startswith("pgtrigger_insert_insert")
        if ("principal" in switched_off and is_principal) or ("audit" in switched_off and is_audit):
            chosen.append((table, name))
    return chosen


def _statement_audit_triggers():
    """pghistory's own insert trigger, at statement level (settings.PGHISTORY_LEVEL =
    pgtrigger.Statement would generate these): one context upsert and one INSERT ... SELECT
    from the transition table per statement instead of per row."""
    triggers = []
    for label, history in TABLES:
        if history:
            trigger = pghistory.trigger.Event(
                name="bench_statement_insert",
                label="insert",
                event_model=_model(history),
                operation=pgtrigger.Insert,
                level=pgtrigger.Statement,
            )
            triggers.append((_model(label), trigger))
    return triggers


def _copy_back(label, dumps, switched_off, rows, in_transaction, clock) -> Timing:
    """Load the dumped rows with COPY FROM in one transaction; the clock includes the commit
    (or, when nothing may be committed, the deferred checks run with SET CONSTRAINTS)."""
    connection = connections[DEFAULT_DB_ALIAS]
    if not in_transaction:
        _truncate()
    savepoint = transaction.savepoint() if in_transaction else None
    block = contextlib.nullcontext() if in_transaction else transaction.atomic()
    triggers = _triggers(switched_off)
    with block, connection.cursor() as cursor:
        # The same transaction settings as the demo_data path (see prepare_bulk_transaction).
        prepare_bulk_transaction(cursor, str(uuid.uuid4()), json.dumps({"reason": "bench"}))
        for table, name in triggers:
            cursor.execute(f'ALTER TABLE {table} DISABLE TRIGGER "{name}"')
        if "principal_per_case" in switched_off:
            cursor.execute(PROPOSED_PRINCIPAL_CHECK)
        statement_triggers = (
            _statement_audit_triggers() if "statement_audit" in switched_off else []
        )
        for model, trigger in statement_triggers:
            cursor.execute(trigger.compile(model).install_sql)
        cpu_started = clock()
        started = time.perf_counter()
        raw = cursor.cursor
        for table, columns, path in dumps:
            with (
                path.open("rb") as file,
                raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)") as copy,
            ):
                while data := file.read(1 << 20):
                    copy.write(data)
        before_checks = time.perf_counter()
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        deferred = time.perf_counter() - before_checks
        if in_transaction:
            seconds = time.perf_counter() - started
            cpu = _spent(cpu_started, clock)
            transaction.savepoint_rollback(savepoint)
        else:
            for table, name in triggers:
                cursor.execute(f'ALTER TABLE {table} ENABLE TRIGGER "{name}"')
            if "principal_per_case" in switched_off:
                cursor.execute("DROP TRIGGER bench_case_has_principal ON cases_case")
                cursor.execute("DROP FUNCTION bench_case_has_principal()")
            for model, trigger in statement_triggers:
                cursor.execute(trigger.compile(model).uninstall_sql)
    if not in_transaction:
        seconds = time.perf_counter() - started
        cpu = _spent(cpu_started, clock)
    return Timing(label, seconds, rows, deferred if deferred > 0.05 else None, cpu)
