import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection


@pytest.mark.django_db
def test_bench_readiness_smoke_run_reports_the_board_next_to_raw_sql():
    out = StringIO()
    call_command(
        "bench_readiness",
        "--cases",
        "400",
        "--db",
        connection.settings_dict["NAME"],
        "--repeat",
        "2",
        stdout=out,
    )
    text = out.getvalue()
    assert re.search(r"all camps\s+board page\s+[\d.]+ ms, \d+ queries\s+rows", text), text
    assert re.search(r"one camp\s+board page\s+[\d.]+ ms", text)
    # The target is against the fair floor (the kept windows read by raw SQL), medians of runs.
    assert re.search(r"(OK|MISS) +board/floor = [\d.]+x \(target <= 3x", text)
    assert "medians of 2 runs" in text
    assert re.search(r"raw SQL reading the kept windows \(3 queries\)\s+[\d.]+ ms", text)
    # The board shows the cases the raw SQL finds, and its queries do not grow with its rows.
    assert "MISS same cases" not in text and "OK   same cases" in text
    line = next(x for x in text.splitlines() if "queries per board page" in x)
    assert line.strip().startswith("OK"), line
