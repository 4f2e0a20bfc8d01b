"""Who may use the desk's pages: the mission's staff only (a partner system's account gets
403 here; it uses the API), household edits for the roles that may make them; and the case or
member a URL names, if this user may see it."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from cases.models import Case, Individual
from cases.selectors import case_detail
from core.roles import can_edit_household, is_staff_member


def mission_staff_required(view):
    """Logged in, and one of the mission's staff roles (not a partner system's account)."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        if not (request.user.is_superuser or is_staff_member(request.user)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(checked)


def household_editors_only(view):
    @wraps(view)
    def checked(request, *args, **kwargs):
        if not can_edit_household(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return checked


def visible_case_or_404(user, pk) -> Case:
    try:
        return case_detail(user=user, pk=pk)
    except Case.DoesNotExist as missing:
        raise Http404(_("No such case.")) from missing


def member_or_404(case: Case, member_pk) -> Individual:
    return get_object_or_404(Individual.objects.select_related("case"), pk=member_pk, case=case)
