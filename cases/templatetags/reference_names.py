"""`{{ case.location|localized_name }}`: a reference row's name in the reader's language."""

from django import template

register = template.Library()


@register.filter
def localized_name(row):
    """The row's name in the active language (cases.reference_names); "" for None."""
    if row is None:
        return ""
    accessor = getattr(row, "localized_name", None)
    return accessor() if accessor else str(row)
