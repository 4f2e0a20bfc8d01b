"""Forms of the movement pages. They parse and label input; the rules live in
movements.bookings.services and the workflow's guards, whose refusals these forms show on the
field they name."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import Country, Location
from core.dates import in_range, out_of_range_message
from movements.airports import airport_info, canonical_zones
from movements.choices import (
    SETTABLE_BOOKING_STATUS_CHOICES,
    BookingStatus,
    EscortKind,
    EscortRole,
)
from movements.models import DEFAULT_TRANSIT_CENTRE

SEGMENT_ROWS = 3
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class DateInput(forms.DateInput):
    input_type = "date"


class LocalDateTimeInput(forms.DateTimeInput):
    """A time on the airport's own clock (no zone: the zone is chosen beside it)."""

    input_type = "datetime-local"

    def format_value(self, value):
        if hasattr(value, "strftime"):
            return value.strftime(LOCAL_FORMAT)
        return value


class AirportTimeField(forms.DateTimeField):
    """A time read on an airport's clock: kept naive here, the service applies the airport's
    zone chosen beside it (Django's own field would read it on Kigali's clock)."""

    widget = LocalDateTimeInput

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.datetime):
            return value
        for fmt in (LOCAL_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"):
            try:
                moment = datetime.datetime.strptime(str(value).strip(), fmt)
            except ValueError:
                continue
            # The range of dates of every door (core.dates); at the calendar's ends a time
            # falls off it once moved to UTC (year 0 or 10000) before the service sees it.
            if not in_range(moment):
                raise forms.ValidationError(out_of_range_message(), code="invalid")
            return moment
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


def _zone_choices():
    """The airport's own zone (empty), or a canonical zone instead (movements.airports)."""
    return [("", _("The airport's own zone"))] + [(n, n) for n in sorted(canonical_zones())]


class ApplicationErrorMixin:
    """Put a service's refusal on the field it names, or on the form."""

    field_aliases: dict = {}

    def add_application_error(self, error) -> None:
        field = self.field_aliases.get(error.field, error.field)
        self.add_error(field if field in self.fields else None, str(error.message))


class BoardFilterForm(forms.Form):
    """The board's filters. Plain choices read with one query each: building a model instance
    per option was a tenth of the board's time (bench_readiness)."""

    destination = forms.TypedChoiceField(
        coerce=int, empty_value=None, required=False, label=_("Destination")
    )
    location = forms.TypedChoiceField(
        coerce=int, empty_value=None, required=False, label=_("Camp or location")
    )
    days = forms.IntegerField(
        min_value=0, max_value=365, required=False, initial=14, label=_("Windows closing within")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        anything = [("", "—")]
        self.fields["destination"].choices = anything + list(
            Country.objects.filter(is_destination=True).order_by("name").values_list("pk", "name")
        )
        self.fields["location"].choices = anything + list(
            Location.objects.order_by("name").values_list("pk", "name")
        )


class BookingForm(ApplicationErrorMixin, forms.Form):
    """A booking of a whole case: up to three flights, each member with a ticket number."""

    booking_reference = forms.CharField(max_length=20, required=False, label=_("Booking reference"))
    status = forms.ChoiceField(
        choices=SETTABLE_BOOKING_STATUS_CHOICES, initial=BookingStatus.BOOKED, label=_("Status")
    )
    recorded_after_the_fact = forms.BooleanField(
        required=False,
        label=_("Recorded after the fact"),
        help_text=_("A flight that already happened, entered as history (past dates allowed)."),
    )
    escort_name = forms.CharField(max_length=150, required=False, label=_("Medical escort"))
    escort_kind = forms.ChoiceField(
        choices=EscortKind.choices, required=False, label=_("Escort is")
    )
    escort_contact = forms.CharField(max_length=150, required=False, label=_("Escort contact"))

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.members = list(members)
        zones = _zone_choices()
        for row in range(1, SEGMENT_ROWS + 1):
            required = row == 1
            self.fields[f"s{row}_carrier"] = forms.CharField(
                max_length=60, required=required, label=_("Carrier")
            )
            self.fields[f"s{row}_flight_number"] = forms.CharField(
                max_length=10, required=required, label=_("Flight number")
            )
            self.fields[f"s{row}_from_airport"] = forms.CharField(
                max_length=3, required=required, label=_("From (IATA)")
            )
            self.fields[f"s{row}_to_airport"] = forms.CharField(
                max_length=3, required=required, label=_("To (IATA)")
            )
            self.fields[f"s{row}_departs_at"] = AirportTimeField(
                required=required, label=_("Departs (local time)")
            )
            self.fields[f"s{row}_from_timezone"] = forms.ChoiceField(
                choices=zones,
                required=False,
                label=_("Departure airport's time zone"),
                help_text=_("Found from the airport's code; choose one only to correct it."),
            )
            self.fields[f"s{row}_arrives_at"] = AirportTimeField(
                required=required, label=_("Arrives (local time)")
            )
            self.fields[f"s{row}_to_timezone"] = forms.ChoiceField(
                choices=zones,
                required=False,
                label=_("Arrival airport's time zone"),
                help_text=_("Found from the airport's code; choose one only to correct it."),
            )
        for member in self.members:
            self.fields[f"travels_{member.pk}"] = forms.BooleanField(
                required=False, initial=True, label=member.full_name
            )
            self.fields[f"ticket_{member.pk}"] = forms.CharField(
                max_length=20,
                required=False,
                label=_("Ticket number of %(name)s") % {"name": member.full_name},
            )
        self.field_aliases = {"travellers": None, "status": "status"}
        for row in range(1, SEGMENT_ROWS + 1):
            for name in (
                "carrier",
                "flight_number",
                "from_airport",
                "to_airport",
                "departs_at",
                "arrives_at",
                "from_timezone",
                "to_timezone",
            ):
                self.field_aliases[f"segments[{row - 1}].{name}"] = f"s{row}_{name}"

    def segment_rows(self):
        return [
            [
                self[f"s{row}_{name}"]
                for name in (
                    "carrier",
                    "flight_number",
                    "from_airport",
                    "from_timezone",
                    "departs_at",
                    "to_airport",
                    "to_timezone",
                    "arrives_at",
                )
            ]
            for row in range(1, SEGMENT_ROWS + 1)
        ]

    def airports_found(self) -> list[dict]:
        """The airports of the codes typed, with the zone each segment will use (the airport's
        own or the one chosen instead): shown for the officer to confirm."""
        found = []
        if not self.is_bound:
            return found
        for row in range(1, SEGMENT_ROWS + 1):
            for end in ("from", "to"):
                code = str(self.data.get(f"s{row}_{end}_airport") or "").strip().upper()
                if not code:
                    continue
                airport = airport_info(code) if len(code) == 3 else None
                chosen = str(self.data.get(f"s{row}_{end}_timezone") or "").strip()
                found.append(
                    {
                        "flight": row,
                        "code": code,
                        "airport": airport,
                        "zone": chosen or (airport["tz"] if airport else ""),
                        "chosen": bool(chosen) and airport is not None and chosen != airport["tz"],
                    }
                )
        return found

    def member_rows(self):
        return [(m, self[f"travels_{m.pk}"], self[f"ticket_{m.pk}"]) for m in self.members]

    def service_input(self) -> dict:
        data = self.cleaned_data
        segments = []
        for row in range(1, SEGMENT_ROWS + 1):
            if not data.get(f"s{row}_carrier") and row > 1:
                continue
            segments.append(
                {
                    name: data.get(f"s{row}_{name}")
                    for name in (
                        "carrier",
                        "flight_number",
                        "from_airport",
                        "to_airport",
                        "departs_at",
                        "arrives_at",
                        "from_timezone",
                        "to_timezone",
                    )
                }
            )
        travellers = [
            {"individual": m.pk, "ticket_number": data.get(f"ticket_{m.pk}", "")}
            for m in self.members
            if data.get(f"travels_{m.pk}")
        ]
        escorts = []
        if data.get("escort_name"):
            escorts.append(
                {
                    "name": data["escort_name"],
                    "kind": data.get("escort_kind") or EscortKind.STAFF,
                    "role": EscortRole.MEDICAL,
                    "contact": data.get("escort_contact", ""),
                }
            )
        return {
            "segments": segments,
            "travellers": travellers,
            "booking_reference": data.get("booking_reference", ""),
            "status": data["status"],
            "escorts": escorts,
            "recorded_after_the_fact": data.get("recorded_after_the_fact", False),
        }


class TicketsForm(ApplicationErrorMixin, forms.Form):
    booking_reference = forms.CharField(max_length=20, required=False, label=_("Booking reference"))
    status = forms.ChoiceField(choices=SETTABLE_BOOKING_STATUS_CHOICES, label=_("Status"))

    def __init__(self, *args, travellers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.travellers = list(travellers)
        for seat in self.travellers:
            self.fields[f"ticket_{seat.individual_id}"] = forms.CharField(
                max_length=20,
                required=False,
                initial=seat.ticket_number,
                label=_("Ticket number of %(name)s") % {"name": seat.individual.full_name},
            )
        self.field_aliases = {"tickets": None}

    def tickets(self) -> dict[int, str]:
        return {
            seat.individual_id: self.cleaned_data.get(f"ticket_{seat.individual_id}", "")
            for seat in self.travellers
        }


class CancelForm(ApplicationErrorMixin, forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), label=_("Reason for cancelling")
    )


class DepartureForm(ApplicationErrorMixin, forms.Form):
    """The departure, with who boarded (everyone ticked by default)."""

    departed_at = forms.DateTimeField(
        label=_("Departed at (Kigali time)"),
        widget=LocalDateTimeInput,
        input_formats=[LOCAL_FORMAT],
    )
    recorded_after_the_fact = forms.BooleanField(
        required=False, label=_("Recorded after the fact (history)")
    )
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Notes")
    )

    def __init__(self, *args, travellers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.travellers = list(travellers)
        for seat in self.travellers:
            self.fields[f"boarded_{seat.individual_id}"] = forms.BooleanField(
                required=False,
                initial=True,
                label=_("%(name)s boarded") % {"name": seat.individual.full_name},
            )
        self.field_aliases = {"boarded": None}

    def service_input(self) -> dict:
        data = self.cleaned_data
        return {
            "departed_at": data["departed_at"],
            "recorded_after_the_fact": data["recorded_after_the_fact"],
            "notes": data["notes"],
            "boarded": [
                seat.individual_id
                for seat in self.travellers
                if data.get(f"boarded_{seat.individual_id}")
            ],
        }


class NoShowForm(ApplicationErrorMixin, forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), label=_("Why the household did not board")
    )

    def __init__(self, *args, **kwargs):
        # The booking page also holds the cancel form's "reason": ids of their own, one label each.
        kwargs.setdefault("auto_id", "id_no_show_%s")
        super().__init__(*args, **kwargs)


class ArrivalForm(ApplicationErrorMixin, forms.Form):
    arrived_on = forms.DateField(label=_("Arrived on"), widget=DateInput)
    airport = forms.CharField(max_length=3, label=_("Airport (IATA)"))
    receiving_agency = forms.CharField(max_length=150, label=_("Receiving agency"))
    recorded_after_the_fact = forms.BooleanField(
        required=False, label=_("Recorded after the fact (history)")
    )
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Notes")
    )


class EscortForm(ApplicationErrorMixin, forms.Form):
    name = forms.CharField(max_length=150, label=_("Name"))
    kind = forms.ChoiceField(choices=EscortKind.choices, label=_("Escort is"))
    role = forms.ChoiceField(choices=EscortRole.choices, label=_("Role"))
    contact = forms.CharField(max_length=150, required=False, label=_("Contact"))


class CheckInForm(ApplicationErrorMixin, forms.Form):
    centre = forms.CharField(max_length=100, initial=DEFAULT_TRANSIT_CENTRE, label=_("Centre"))
    checked_in_at = forms.DateTimeField(
        label=_("Checked in at (Kigali time)"),
        widget=LocalDateTimeInput,
        input_formats=[LOCAL_FORMAT],
        required=False,
    )
    recorded_after_the_fact = forms.BooleanField(
        required=False, label=_("Recorded after the fact (history)")
    )
