"""{% day_of_alerts %}: on the readiness board and the manager's dashboard, the bookings overdue
(flight day passed, nothing recorded) and the notices unacknowledged close to the flight
(`movements.bookings.selectors.day_of_alerts`, two queries)."""

from django import template

from movements.bookings.selectors import day_of_alerts as _alerts

register = template.Library()


@register.inclusion_tag("movements/_day_of_alerts.html", takes_context=True)
def day_of_alerts(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"alerts": _alerts(user=user) if user is not None else None}
