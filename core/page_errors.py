"""The error summary every form page gets by construction (a builtin template library; the base
layout calls `{% page_error_summary %}` at the top of <main>).

After a refused save the page opens on one summary (id "error-summary", focused by
static/js/app.js) listing each error with a link to its field; Django (5.x) marks each invalid
field `aria-invalid="true"` and links it to its message with `aria-describedby`. A view that
builds a richer summary itself (members of a household by number) passes its entries as
`error_summary`; otherwise they are collected from every bound form and formset in the context.
"""

from __future__ import annotations

from django import forms, template
from django.forms.forms import NON_FIELD_ERRORS

register = template.Library()


def _form_entries(form: forms.BaseForm) -> list[dict]:
    entries = []
    for name, errors in form.errors.items():
        if name == NON_FIELD_ERRORS or name not in form.fields:
            anchor, label = "", ""
        else:
            bound = form[name]
            anchor = "" if bound.is_hidden else bound.id_for_label or bound.auto_id or ""
            label = "" if bound.is_hidden else str(bound.label)
        entries.extend({"anchor": anchor, "label": label, "message": m} for m in errors)
    return entries


def form_error_entries(values) -> list[dict]:
    """Every error of the bound forms and formsets among `values`, each once, in order."""
    entries, seen = [], set()
    for value in values:
        if id(value) in seen:
            continue
        seen.add(id(value))
        if isinstance(value, forms.BaseFormSet) and value.is_bound:
            entries.extend(
                {"anchor": "", "label": "", "message": m} for m in value.non_form_errors()
            )
            for form in value.forms:
                entries.extend(_form_entries(form))
        elif isinstance(value, forms.BaseForm) and value.is_bound:
            entries.extend(_form_entries(value))
    return entries


@register.inclusion_tag("_error_summary.html", takes_context=True)
def page_error_summary(context):
    given = context.get("error_summary")
    request = context.get("request")
    if given is None and request is not None and request.method == "POST":
        # A refused save; a list's filters (GET) show their errors beside the fields only.
        given = form_error_entries(context.flatten().values())
    return {"errors": given or []}
