"""Travel group pages: the list, one group (its cases, escorts, notices), and its manifest as a
printable page, a PDF and a CSV. Movement officers and administrators change; managers look."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.errors import ApplicationError
from movements.bookings import services as escorts
from movements.choices import EscortKind, EscortRole
from movements.models import Booking, BookingNotice, TravelGroup
from movements.permissions import (
    can_manage_movements,
    officer_required,
    officer_required_to_post,
    viewer_required,
)

from . import selectors, services

PAGE_SIZE = 50


class DateInput(forms.DateInput):
    input_type = "date"


class GroupForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=150)
    flight_date = forms.DateField(label=gettext_lazy("Flight date"), widget=DateInput)
    notes = forms.CharField(
        label=gettext_lazy("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AddBookingForm(forms.Form):
    booking = forms.ModelChoiceField(queryset=None, label=gettext_lazy("Booked case"))

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["booking"].queryset = selectors.bookings_that_could_join(group)
        self.fields["booking"].label_from_instance = lambda b: (
            f"{b.case.case_number} – {b.booking_reference or _('no reference')}"
        )


class EscortForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Escort's name"), max_length=150)
    kind = forms.ChoiceField(label=gettext_lazy("Staff or hired"), choices=EscortKind.choices)
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=EscortRole.choices)
    contact = forms.CharField(label=gettext_lazy("Contact"), max_length=150, required=False)


def _group_or_404(pk) -> TravelGroup:
    try:
        return selectors.travel_group_detail(pk)
    except TravelGroup.DoesNotExist as error:
        raise Http404 from error


def _attach(form, error: ApplicationError):
    form.add_error(error.field if error.field in form.fields else None, error.message)


@officer_required_to_post
def group_list(request):
    form = GroupForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                group = services.travel_group_create(actor=request.user, **form.cleaned_data)
            except ApplicationError as error:
                _attach(form, error)
            else:
                messages.success(request, _("Travel group %(group)s created.") % {"group": group})
                return redirect("movements:group_detail", pk=group.pk)
        status = 400
    page = Paginator(selectors.travel_group_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "movements/group_list.html",
        {"page": page, "form": form, "can_manage": can_manage_movements(request.user)},
        status=status,
    )


@viewer_required
def group_detail(request, pk, *, add_form=None, escort_form=None, status=200):
    group = _group_or_404(pk)
    manifest = selectors.travel_group_manifest(group)
    notices = (
        BookingNotice.objects.filter(booking__travel_group=group)
        .select_related("booking__case")
        .order_by("booking__case__case_number", "-sequence")
    )
    return render(
        request,
        "movements/group_detail.html",
        {
            "group": group,
            "manifest": manifest,
            "bookings": group.bookings.select_related("case").order_by("case__case_number"),
            "notices": notices,
            "can_manage": can_manage_movements(request.user),
            "add_form": add_form or AddBookingForm(group=group),
            "escort_form": escort_form or EscortForm(),
        },
        status=status,
    )


@require_POST
@officer_required
def group_add_booking(request, pk):
    group = _group_or_404(pk)
    form = AddBookingForm(request.POST, group=group)
    if form.is_valid():
        try:
            booking = services.travel_group_add_booking(
                actor=request.user, group=group, booking=form.cleaned_data["booking"]
            )
        except ApplicationError as error:
            _attach(form, error)
        else:
            messages.success(
                request, _("Case %(case)s added.") % {"case": booking.case.case_number}
            )
            return redirect("movements:group_detail", pk=group.pk)
    return group_detail(request, pk, add_form=form, status=400)


@require_POST
@officer_required
def group_remove_booking(request, pk, booking_pk):
    group = _group_or_404(pk)
    booking = Booking.objects.filter(pk=booking_pk).select_related("case").first()
    if booking is None:
        raise Http404
    try:
        services.travel_group_remove_booking(actor=request.user, group=group, booking=booking)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Case %(case)s taken out of the group.") % {"case": booking.case.case_number}
        )
    return redirect("movements:group_detail", pk=group.pk)


@require_POST
@officer_required
def group_add_escort(request, pk):
    group = _group_or_404(pk)
    form = EscortForm(request.POST)
    if form.is_valid():
        try:
            escorts.escort_assign(actor=request.user, travel_group=group, **form.cleaned_data)
        except ApplicationError as error:
            _attach(form, error)
        else:
            messages.success(request, _("Escort assigned."))
            return redirect("movements:group_detail", pk=group.pk)
    return group_detail(request, pk, escort_form=form, status=400)


@viewer_required
def manifest_page(request, pk):
    group = _group_or_404(pk)
    manifest = selectors.travel_group_manifest(group)
    return render(request, "movements/manifest.html", {"group": group, "manifest": manifest})


@viewer_required
def manifest_pdf(request, pk):
    from .manifest_files import manifest_pdf as render_pdf

    group = _group_or_404(pk)
    pdf = render_pdf(selectors.travel_group_manifest(group))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="manifest-{group.flight_date:%Y%m%d}-{group.pk}.pdf"'
    )
    return response


@viewer_required
def manifest_csv(request, pk):
    from .manifest_files import manifest_csv as render_csv

    group = _group_or_404(pk)
    response = HttpResponse(
        render_csv(selectors.travel_group_manifest(group)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="manifest-{group.flight_date:%Y%m%d}-{group.pk}.csv"'
    )
    return response
