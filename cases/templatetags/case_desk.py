"""Template helpers of the caseworker's desk: panels other apps add to the case page, timeline
wording, status names and sortable column headers."""

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from cases.choices import CaseStatus, DocumentType, EventKind, SpecialNeed
from cases.models import Case, Individual

register = template.Library()


@register.simple_tag(takes_context=True)
def case_panel(context, panel, panel_context):
    """Render one registered panel (cases.panels) with its own context, the case and the user."""
    values = {**panel_context, "case": context.get("case"), "panel": panel}
    return render_to_string(panel.template, values, request=context.get("request"))


@register.filter
def status_label(value):
    """The words for a status code ("on_hold" -> "On hold")."""
    try:
        return CaseStatus(value).label
    except ValueError:
        return value or ""


@register.filter
def age_on(person, day):
    """A person's age in whole years on a day."""
    return person.age_on(day)


@register.filter
def special_need_label(value):
    try:
        return SpecialNeed(value).label
    except ValueError:
        return value


def _field_names(model, names) -> str:
    labels = []
    for name in names:
        try:
            labels.append(str(model._meta.get_field(name).verbose_name))
        except FieldDoesNotExist:
            labels.append(name)
    return ", ".join(labels)


@register.simple_tag(takes_context=True)
def event_details(context, event):
    """What a timeline entry changed, in words. Only facts the cases app writes itself are
    spelled out; entries of other apps show their kind and reason."""
    data = event.data or {}
    names = context.get("member_names") or {}
    if event.kind == EventKind.CREATED and "members" in data:
        return _("with %(count)s members") % {"count": data["members"]}
    if event.kind == EventKind.UPDATED:
        return _("Changed: %(fields)s") % {"fields": _field_names(Case, data.get("fields", []))}
    if event.kind == EventKind.MEMBER_UPDATED:
        return _("%(name)s – changed: %(fields)s") % {
            "name": names.get(data.get("individual"), _("a former member")),
            "fields": _field_names(Individual, data.get("fields", [])),
        }
    if event.kind in (EventKind.MEMBER_ADDED, EventKind.MEMBER_REMOVED):
        return data.get("name", "")
    if event.kind == EventKind.DOCUMENT_ADDED:
        try:
            kind = DocumentType(data.get("document_type")).label
        except ValueError:
            kind = data.get("document_type", "")
        return _("%(document)s %(number)s for %(name)s") % {
            "document": kind,
            "number": data.get("number", ""),
            "name": names.get(data.get("individual"), _("a former member")),
        }
    return ""


@register.simple_tag
def next_sort(current, ascending, descending):
    """The sort a column header switches to: ascending first, then the other way round."""
    return descending if current == ascending else ascending


@register.simple_tag
def aria_sort(current, ascending, descending):
    if current == ascending:
        return "ascending"
    if current == descending:
        return "descending"
    return "none"
