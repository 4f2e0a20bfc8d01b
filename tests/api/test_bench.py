import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from cases.models import Case


@pytest.mark.django_db
def test_bench_case_list_smoke_run_reports_every_measure():
    out = StringIO()
    call_command(
        "bench_case_list",
        "--cases",
        "300",
        "--runs",
        "2",
        "--db",
        connection.settings_dict["NAME"],
        stdout=out,
    )
    text = out.getvalue()
    assert Case.objects.count() >= 300
    assert re.search(r"API /api/v1/cases/\s+[\d.]+ ms", text)
    assert re.search(r"raw SQL \(2 queries\)\s+[\d.]+ ms", text)
    assert "page cases:list" in text
    assert re.search(r"dashboard \(landing page\)\s+[\d.]+ ms", text)
    assert re.search(r"(OK|MISS) +page/raw = [\d.]+x", text)
    # The whole search page for each kind of term, next to raw SQL doing the same work.
    for kind in ("two-letter prefix", "family name", "rare prefix"):
        assert re.search(rf"(OK|MISS) +{kind} '\w+' \([\d,]+ people match; ", text), kind
    pages = re.findall(
        r"page cases:list +[\d.]+ ms +\((\d+) rows\) +raw SQL \(3 queries\) +[\d.]+ ms", text
    )
    assert len(pages) == 3 and all(int(rows) > 0 for rows in pages), pages
    assert text.count("EXPLAIN page query:") == 4  # the list's, then each search's
    assert len(re.findall(r"page in other orders \(no target\): urgency [\d.]+ ms", text)) == 3
    assert len(re.findall(r"API search \(collects every match, no target\) +[\d.]+ ms", text)) == 3
    # The number of queries does not depend on the page size or the page.
    line = next(x for x in text.splitlines() if "queries per request" in x)
    assert line.strip().startswith("OK"), line
