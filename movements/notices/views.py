"""Booking notice pages: the list (failed first), one notice with its text and its tries,
sending and re-sending; and the mission's acknowledgement link (no login: the signed link is
the credential; opening it shows a button, so a mail scanner fetching it changes nothing)."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ApplicationError
from movements.choices import NoticeStatus
from movements.models import Booking, BookingNotice
from movements.permissions import (
    can_manage_movements,
    officer_required,
    viewer_required,
)

from . import services

PAGE_SIZE = 50


class AcknowledgementForm(forms.Form):
    """The name the mission signs with (Django's field refuses NUL bytes PostgreSQL cannot
    store; the service cuts a long name to what the record holds)."""

    acknowledged_by = forms.CharField(required=False)


def notice_list_rows(status: str = ""):
    """Notices for the list: failed first, then queued, sent, acknowledged; newest first."""
    order = Case(
        When(status=NoticeStatus.FAILED, then=Value(0)),
        When(status=NoticeStatus.QUEUED, then=Value(1)),
        When(status=NoticeStatus.SENT, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    qs = BookingNotice.objects.select_related(
        "booking__case__destination_country", "booking__travel_group"
    ).defer("body")
    if status in NoticeStatus.values:
        qs = qs.filter(status=status)
    return qs.annotate(rank=order).order_by("rank", "-created_at", "-id")


@viewer_required
def notice_list(request):
    status = request.GET.get("status", "")
    page = Paginator(notice_list_rows(status), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "movements/notice_list.html",
        {
            "page": page,
            "notices": page.object_list,
            "status": status,
            "statuses": NoticeStatus.choices,
            "can_manage": can_manage_movements(request.user),
        },
    )


@viewer_required
def notice_detail(request, pk):
    notice = (
        BookingNotice.objects.select_related("booking__case", "booking__travel_group")
        .prefetch_related("attempt_log")
        .filter(pk=pk)
        .first()
    )
    if notice is None:
        raise Http404
    return render(
        request,
        "movements/notice_detail.html",
        {"notice": notice, "can_manage": can_manage_movements(request.user)},
    )


@require_POST
@officer_required
def notice_send(request, booking_pk):
    booking = Booking.objects.filter(pk=booking_pk).first()
    if booking is None:
        raise Http404
    try:
        notice = services.notice_send(actor=request.user, booking=booking)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect(booking.get_absolute_url())
    messages.success(
        request, _("The booking notice is queued for %(to)s.") % {"to": notice.recipient}
    )
    return redirect("movements:notice_detail", pk=notice.pk)


@require_POST
@officer_required
def notice_resend(request, pk):
    notice = BookingNotice.objects.filter(pk=pk).first()
    if notice is None:
        raise Http404
    try:
        services.notice_resend(actor=request.user, notice=notice)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The notice is queued again."))
    return redirect("movements:notice_detail", pk=notice.pk)


def notice_ack_link(request, token):
    """The link in the e-mail: GET shows the notice and a button, POST acknowledges."""
    try:
        notice = services.notice_for_link(token)
    except ApplicationError as error:
        return render(request, "movements/notice_ack.html", {"error": error.message}, status=400)
    if request.method == "POST":
        form = AcknowledgementForm(request.POST)
        if not form.is_valid():
            error = " ".join(str(m) for messages_ in form.errors.values() for m in messages_)
            return render(
                request,
                "movements/notice_ack.html",
                {"notice": notice, "usable": True, "error": error},
                status=400,
            )
        try:
            notice = services.notice_acknowledge(
                notice=notice,
                acknowledged_by=form.cleaned_data["acknowledged_by"],
                token=token,
            )
        except ApplicationError as error:
            return render(
                request,
                "movements/notice_ack.html",
                {"notice": notice, "error": error.message},
                status=409,
            )
        return render(request, "movements/notice_ack.html", {"notice": notice, "done": True})
    usable, error = True, None
    if notice.status == NoticeStatus.ACKNOWLEDGED or notice.token_used_at is not None:
        usable, error = False, _("This notice was already acknowledged: nothing to do.")
    elif notice.token_expires_at is None or notice.token_expires_at < timezone.now():
        usable, error = False, _("This link expired. Ask the office for a new one.")
    return render(
        request,
        "movements/notice_ack.html",
        {"notice": notice, "usable": usable, "error": error},
        status=200 if usable else 409,
    )
