"""{% failed_notices_alert %}: on the movements pages, the booking notices that could not be
sent after their last try (one small query), with a link to them."""

from django import template

from movements.choices import NoticeStatus
from movements.models import BookingNotice

register = template.Library()


@register.inclusion_tag("movements/_failed_notices_alert.html")
def failed_notices_alert():
    return {"failed": BookingNotice.objects.filter(status=NoticeStatus.FAILED).count()}
