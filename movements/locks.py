"""The one lock order of movements, the one `cases/workflow.py` writes down.

1. the case rows, `SELECT ... FOR NO KEY UPDATE` (several: in ascending id), so a timeline entry
   or any row referring to the case (KEY SHARE) is never blocked by them;
2. then the service's own rows (booking, travel group, notice), each alone: `of=("self",)`, never
   a join's rows as a side effect of `select_related`.

Every movements service (bookings, groups, notices, escorts) goes through these helpers, so two
services can never wait for each other's rows. Outside calls (mail, webhooks) are never made
while they are held: they are queued on commit, or claimed and made after commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from django.db import models

from cases.models import Case

M = TypeVar("M", bound=models.Model)


def lock_cases(case_ids: Iterable[int]) -> list[Case]:
    """Lock the cases (ascending id) FOR NO KEY UPDATE; returns them in that order."""
    ids = sorted({int(pk) for pk in case_ids if pk is not None})
    if not ids:
        return []
    return list(Case.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk"))


def lock_case(case: Case | int) -> Case:
    """Lock one case FOR NO KEY UPDATE (the first lock of every movements service)."""
    pk = case if isinstance(case, int) else case.pk
    return Case.objects.select_for_update(no_key=True).get(pk=pk)


def lock_own(model: type[M], pk: int, *, related: Iterable[str] = ()) -> M:
    """Lock one row of the service's own table, after its cases; joined rows are read, not
    locked."""
    qs = model.objects.select_for_update(of=("self",))
    if related:
        qs = qs.select_related(*related)
    return qs.get(pk=pk)
