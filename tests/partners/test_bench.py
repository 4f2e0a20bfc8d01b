"""bench_partners runs end to end on a small file and outbox and leaves nothing behind."""

import re
from io import StringIO

import pytest
from django.core.management import call_command

from cases.models import Case, PartnerOrganisation
from partners.models import IntakeBatch, WebhookMessage

pytestmark = pytest.mark.django_db


def test_bench_partners_prints_both_figures_next_to_their_floors():
    out = StringIO()
    call_command("bench_partners", "--rows", "3", "--events", "20", "--rollback", stdout=out)
    text = out.getvalue()
    assert "Bulk intake: 3 referrals, 12 people, 3 taken in" in text
    assert re.search(r"bulk endpoint path: [\d.]+ s, [\d,]+ rows/s", text)
    assert re.search(r"PostgreSQL COPY: +[\d.]+ s, [\d,]+ rows/s", text)
    assert "(20 delivered)" in text
    assert re.search(r"bare loop: +[\d.]+ s, [\d,]+ events/s", text)
    assert not Case.objects.exists()
    assert not IntakeBatch.objects.exists()
    assert not WebhookMessage.objects.exists()
    assert not PartnerOrganisation.objects.exists()
