"""The manifest of a travel group as files: CSV (one row per traveller) and PDF (WeasyPrint).

WeasyPrint fetches only our own static files (the manifest's stylesheet): any other URL the
HTML might name (http, https, file outside the static folders, data) is refused, so a name typed
into a record can never make the server fetch something (WeasyPrint's SSRF advisory of 2025).
"""

from __future__ import annotations

import csv
import io
import mimetypes

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from .selectors import Manifest

STATIC_PREFIX = "static:/"


CSV_COLUMNS = (
    "No.",
    "Family name (as in the document)",
    "Given names (as in the document)",
    "Sex",
    "Date of birth",
    "Nationality",
    "Document type",
    "Document number",
    "Issuing country",
    "Document expires",
    "Infant on lap",
    "On the lap of",
    "Special service (SSR)",
    "Booking reference",
    "Ticket",
    "Case",
    "Flight",
    "Flights",
    "Escorts",
    "Airline age band",
    "Age",
    "Travel documents",
    "Special needs and travel conditions",
)


def manifest_csv(manifest: Manifest) -> str:
    """The manifest's columns, one row per traveller, plus the flight and the escorts travelling
    with the traveller (the group's and the booking's); lists joined with "; "."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_(name) for name in CSV_COLUMNS])
    for row in manifest.rows:
        writer.writerow(
            [
                row.number,
                _safe_cell(row.apis_family_name),
                _safe_cell(row.apis_given_name),
                row.sex,
                row.person.date_of_birth.isoformat(),
                row.nationality,
                row.document_type,
                _safe_cell(row.document_number),
                row.document_issuer,
                row.document_expires.isoformat() if row.document_expires else "",
                _("yes") if row.infant_on_lap else _("no"),
                _safe_cell(row.lap_of),
                " ".join(row.ssr_codes),
                _safe_cell(row.booking_reference),
                _safe_cell(row.ticket_number),
                row.case_number,
                _safe_cell(manifest.flight),
                _safe_cell("; ".join(row.flights)),
                _safe_cell("; ".join(row.escorts)),
                row.age_band,
                row.age,
                _safe_cell("; ".join(row.documents)),
                "; ".join(row.needs),
            ]
        )
    return out.getvalue()


def _safe_cell(value: str) -> str:
    # A spreadsheet would run a cell starting with = + - @ as a formula.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def static_only_fetcher():
    """A WeasyPrint url_fetcher serving `static:/<path>` from the static files, nothing else.

    WeasyPrint is imported here, not at the top: only the PDF needs it (and Debian's pango).
    """
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if not url.startswith(STATIC_PREFIX):
                raise ValueError(f"Only local static files are fetched, not {url!r}.")
            relative = url[len(STATIC_PREFIX) :].lstrip("/")
            if ".." in relative.split("/"):
                raise ValueError("No parent folders.")
            path = finders.find(relative)
            if not path:
                raise ValueError(f"No static file {relative!r}.")
            with open(path, "rb") as handle:
                body = handle.read()
            mime, _encoding = mimetypes.guess_type(path)
            return URLFetcherResponse(
                url, body, {"Content-Type": mime or "application/octet-stream"}
            )

    return StaticOnlyFetcher(allow_redirects=False)


def manifest_pdf(manifest: Manifest) -> bytes:
    """The printable manifest as a tagged PDF (PDF/UA-1, A4 landscape), "page n of m" and
    "contains personal data" on every page."""
    from weasyprint import HTML

    html = render_to_string(
        "movements/manifest_print.html",
        {"manifest": manifest, "group": manifest.group, "stylesheet": STATIC_PREFIX},
    )
    # PDF/UA-1: a tagged PDF (structure, reading order, table headers) for screen readers.
    return HTML(string=html, base_url=STATIC_PREFIX, url_fetcher=static_only_fetcher()).write_pdf(
        pdf_variant="pdf/ua-1"
    )
