"""The audit trail in the admin, in words: who, when, what, and each changed field as its name
and old → new value. Without medical history: medical detail is for clinicians only, and
clinicians do not use the admin site."""

from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from pghistory.admin.core import EventsAdmin
from pghistory.models import Event

# Apps whose audit rows may hold medical detail.
CONFIDENTIAL_APPS = frozenset({"medical"})

# Columns every row carries that say nothing a reader needs.
UNTOLD_COLUMNS = frozenset({"id", "created_at", "updated_at"})

ACTIONS = {
    "insert": _("created"),
    "update": _("changed"),
    "delete": _("deleted"),
}


def non_confidential_event_models():
    return [
        model
        for model in apps.get_models()
        if issubclass(model, Event)
        and not model._meta.abstract
        and model._meta.app_label not in CONFIDENTIAL_APPS
    ]


def _tracked_model(label: str):
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _field_for_column(model, column: str):
    if model is None:
        return None
    for field in model._meta.concrete_fields:
        if field.column == column:
            return field
    try:
        return model._meta.get_field(column)
    except FieldDoesNotExist:
        return None


def _value_in_words(field, value, names: dict) -> str:
    """A stored value as a reader knows it: a choice's label, the name of what a foreign key
    points to (from `names`, read beforehand), yes/no, or the value itself."""
    if value is None or value == "":
        return "–"
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field is not None and field.many_to_one:
        return names.get((field.related_model, value), str(value))
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "–"
    return str(value)


def _told_fields(model, diff: dict | None):
    """(column, field, old, new) for each changed column worth telling."""
    for column, (old, new) in sorted((diff or {}).items()):
        if column not in UNTOLD_COLUMNS:
            yield column, _field_for_column(model, column), old, new


def _name_of(obj) -> str:
    if hasattr(obj, "get_full_name"):
        return obj.get_full_name() or obj.get_username()
    return str(obj)


def names_of_referenced(rows) -> dict:
    """{(model, pk): name} for every foreign key value in the diffs of `rows`: one query per
    kind of record referred to, however many rows."""
    wanted: dict = {}
    for row in rows:
        model = _tracked_model(row.pgh_obj_model)
        for _column, field, old, new in _told_fields(model, row.pgh_diff):
            if field is not None and field.many_to_one:
                wanted.setdefault(field.related_model, set()).update({old, new} - {None, ""})
    names = {}
    for related, pks in wanted.items():
        for obj in related._default_manager.filter(pk__in=pks):
            names[(related, obj.pk)] = _name_of(obj)
    return names


def changes_in_words(model, diff: dict | None, names: dict | None = None):
    """(field name, old, new) for each changed column of an audit row, fields by their verbose
    names and references by name; bookkeeping columns left out."""
    names = names or {}
    return [
        (
            str(field.verbose_name) if field is not None else column,
            _value_in_words(field, old, names),
            _value_in_words(field, new, names),
        )
        for column, field, old, new in _told_fields(model, diff)
    ]


class AuditTrailAdmin(EventsAdmin):
    list_display = ["when", "who", "what", "changes"]
    list_display_links = None

    def get_list_display(self, request):
        return self.list_display

    def get_queryset(self, request):
        return super().get_queryset(request).across(*non_confidential_event_models())

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        # The actors of the page's rows in one query, not one per row.
        ids = {
            row.pgh_context.get("user")
            for row in changelist.result_list
            if isinstance(row.pgh_context, dict)
        } - {None}
        users = {
            user.pk: user.get_full_name() or user.username
            for user in get_user_model().objects.filter(pk__in=ids)
        }
        names = names_of_referenced(changelist.result_list)
        for row in changelist.result_list:
            context = row.pgh_context if isinstance(row.pgh_context, dict) else {}
            row.actor_name = users.get(context.get("user"))
            row.context_reason = context.get("reason") or ""
            row.changes_told = changes_in_words(
                _tracked_model(row.pgh_obj_model), row.pgh_diff, names
            )
        return changelist

    @admin.display(description=_("When"), ordering="pgh_created_at")
    def when(self, row):
        return date_format(localtime(row.pgh_created_at), "DATETIME_FORMAT")

    @admin.display(description=_("Who"))
    def who(self, row):
        name = getattr(row, "actor_name", None)
        if name:
            return name
        reason = getattr(row, "context_reason", "")
        return format_html("<em>{}</em>", reason or gettext("the system"))

    @admin.display(description=_("What"))
    def what(self, row):
        model = _tracked_model(row.pgh_obj_model)
        kind = model._meta.verbose_name if model is not None else row.pgh_obj_model
        action = ACTIONS.get(row.pgh_label, row.pgh_label)
        return f"{str(kind).capitalize()} {row.pgh_obj_id} {action}"

    @admin.display(description=_("Changes"))
    def changes(self, row):
        told = getattr(row, "changes_told", None)
        if told is None:
            told = changes_in_words(_tracked_model(row.pgh_obj_model), row.pgh_diff)
        if not told:
            return "–"
        return format_html(
            '<ul class="audit-changes">{}</ul>',
            format_html_join("", "<li>{}: {} → {}</li>", told),
        )
