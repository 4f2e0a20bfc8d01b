"""A small run of bench_reports: it seeds, measures and finds the same figures as raw SQL."""

import io

import pytest
from django.core.management import call_command
from django.db import connection

from movements.models import Departure, Traveller
from reports.tables import tables_for

pytestmark = pytest.mark.django_db


def test_bench_reports_smoke():
    out = io.StringIO()
    call_command(
        "bench_reports", size=400, db=connection.settings_dict["NAME"], repeat=2, stdout=out
    )
    text = out.getvalue()

    assert Departure.objects.count() == 100 and Traveller.objects.count() == 400
    assert "DIFFERENT" not in text
    # Every table of the yearly report is checked against its fair floor's figures.
    assert text.count(" same (") == len(tables_for("yearly"))
    assert "medians of 2 runs" in text
    assert "whole yearly report" in text
