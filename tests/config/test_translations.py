"""Every configured language is complete: each catalog has every message translated (none
fuzzy), the compiled catalogs are current, every reference row has a name in every language,
and the refusals of Django's forms and of DRF read in the reader's language."""

import gettext
import io
import shutil
import subprocess
from html import escape
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from cases.choices import CaseStatus
from cases.models import Country, Location, MovementType, Programme
from cases.reference_data import load_reference_data
from cases.translation_gaps import (
    missing_reference_names,
    read_catalog,
    reference_models,
    untranslated_messages,
)
from orientation.models import Curriculum
from tests.factories import CaseFactory

LOCALE = Path(settings.BASE_DIR) / "locale"


def test_a_catalog_exists_for_each_language_but_english():
    for code, _name in settings.LANGUAGES:
        if code == "en":
            continue
        assert (LOCALE / code / "LC_MESSAGES" / "django.po").exists(), code
        assert (LOCALE / code / "LC_MESSAGES" / "django.mo").exists(), code


def test_kinyarwanda_is_known_to_django():
    assert translation.get_language_info("rw")["name_local"] == "Ikinyarwanda"


def test_status_names_come_out_in_french():
    with translation.override("fr"):
        assert str(CaseStatus.ON_HOLD.label) == "En attente"


def test_a_french_speaking_browser_gets_the_case_list_in_french(client, caseworker):
    CaseFactory()
    client.force_login(caseworker)
    page = client.get("/cases/", HTTP_ACCEPT_LANGUAGE="fr")
    assert page.status_code == 200
    assert "Dossiers de réinstallation" in page.content.decode()
    assert "Référé" in page.content.decode()


# ---------------------------------------------------------------------------------------------
# Every configured language complete: catalogs, reference names, the libraries' refusals.

TRANSLATED = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


@pytest.mark.parametrize("language", TRANSLATED)
def test_no_message_is_untranslated_or_fuzzy_in_a_configured_language(language):
    missing = [m.id for m in untranslated_messages(language)]
    assert missing == [], f"{language}: {len(missing)} to translate (manage.py untranslated)"


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_compiled_catalog_holds_what_the_po_file_says(language):
    """The .mo served is the .po compiled (make messages was run after the last edit)."""
    with (LOCALE / language / "LC_MESSAGES" / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)._catalog
    for message in read_catalog(language):
        if not message.id:
            continue
        prefix = f"{message.context}\x04" if message.context else ""
        if message.pluralizable:
            key, string = (prefix + message.id[0], 0), message.string[0]
        else:
            key, string = prefix + message.id, message.string
        assert compiled.get(key) == string, (language, message.id)


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext's msgfmt is not installed")
@pytest.mark.parametrize("language", TRANSLATED)
def test_the_catalog_passes_msgfmt_check(language, tmp_path):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    checked = subprocess.run(
        ["msgfmt", "--check", "-o", str(tmp_path / "django.mo"), str(po)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr


def test_the_kinyarwanda_catalog_says_it_awaits_a_native_speakers_review():
    header = (LOCALE / "rw" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")[:600]
    assert "waiting for review" in header
    assert "native Kinyarwanda speaker" in header


def test_every_reference_row_has_a_name_in_every_configured_language(db):
    # The session's database holds the reference data as `make run` loads it.
    assert Programme.objects.exists() and Curriculum.objects.exists()
    assert {m._meta.label for m in reference_models()} >= {
        "cases.Country",
        "cases.Programme",
        "cases.Location",
        "cases.MovementType",
        "cases.SubmissionCategory",
        "orientation.Curriculum",
    }
    assert missing_reference_names() == []


def test_a_reference_row_added_without_names_is_reported(db):
    added = MovementType.objects.create(code="medical_evacuation", name="Medical evacuation")
    missing = missing_reference_names()
    assert [(m.model, m.pk, m.languages) for m in missing] == [
        ("cases.MovementType", added.pk, tuple(TRANSLATED))
    ]


@pytest.mark.parametrize(
    ("language", "usa", "congo"),
    [
        ("en", "United States", "Democratic Republic of the Congo"),
        ("fr", "États-Unis", "Congo-Kinshasa"),
        ("sw", "Marekani", "Kongo - Kinshasa"),
        ("rw", "Leta Zunze Ubumwe z'Amerika", "Repubulika Iharanira Demokarasi ya Kongo"),
    ],
)
def test_country_names_read_in_the_language_cldr_first(db, language, usa, congo):
    with translation.override(language):
        assert str(Country.objects.get(iso_code="USA")) == usa
        assert str(Country.objects.get(iso_code="COD")) == congo


def test_an_administrators_country_name_wins_over_cldr(db):
    country = Country.objects.get(iso_code="USA")
    country.name_translations = {"fr": "Amérique"}
    assert country.localized_name("fr") == "Amérique"
    assert country.localized_name("sw") == "Marekani"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "fr",
            [
                "États-Unis",
                "Programme d'admission des réfugiés des États-Unis",
                "Réinstallation de réfugiés",
                "Mahama",
            ],
        ),
        (
            "sw",
            ["Marekani", "Mpango wa Marekani wa Kupokea Wakimbizi", "Makazi mapya ya wakimbizi"],
        ),
        ("rw", ["Leta Zunze Ubumwe z'Amerika", "Gutuza impunzi mu kindi gihugu"]),
    ],
)
def test_the_case_page_shows_reference_names_in_the_readers_language(
    client, caseworker, language, expected
):
    case = CaseFactory()
    client.force_login(caseworker)
    page = client.get(case.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    for name in expected:
        assert escape(name) in page, (language, name)
    assert "United States Refugee Admissions Program" not in page
    assert "Refugee resettlement" not in page


def test_the_case_list_filters_offer_camps_and_countries_in_the_readers_language(
    client, caseworker
):
    Location.objects.filter(name="Kigali urban").update(name_translations={"sw": "Kigali mjini"})
    client.force_login(caseworker)
    page = client.get("/cases/", HTTP_ACCEPT_LANGUAGE="sw").content.decode()
    assert "Kigali mjini" in page
    assert "Marekani" in page


def test_curricula_are_named_in_the_readers_language(db):
    curriculum = Curriculum.objects.get(destination_country__iso_code="CAN")
    with translation.override("fr"):
        assert str(curriculum) == "Orientation avant le départ : Canada"
    with translation.override("rw"):
        assert str(curriculum) == "Amahugurwa yo kwitegura urugendo: Kanada"


def test_loading_reference_data_again_keeps_an_administrators_names(db):
    programme = Programme.objects.get(code="USRAP")
    programme.name_translations = {**programme.name_translations, "fr": "USRAP (corrigé)"}
    programme.save()
    load_reference_data()
    programme.refresh_from_db()
    assert programme.name_translations["fr"] == "USRAP (corrigé)"
    assert programme.name_translations["sw"] == "Mpango wa Marekani wa Kupokea Wakimbizi"


def test_an_administrator_names_a_programme_in_each_language_in_the_admin(client, administrator):
    administrator.is_staff = True
    administrator.save()
    client.force_login(administrator)
    programme = Programme.objects.get(code="CA-GAR")
    url = reverse("admin:cases_programme_change", args=[programme.pk])
    form = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for code in TRANSLATED:
        assert f'name="name_{code}"' in form
    assert "Réfugiés pris en charge par le gouvernement du Canada" in form
    saved = client.post(
        url,
        {
            "country": programme.country_id,
            "code": programme.code,
            "name": programme.name,
            "is_active": "on",
            "name_fr": "Réfugiés pris en charge par l'État (Canada)",
            "name_sw": "Wakimbizi wa Serikali (Kanada)",
            "name_rw": "",
        },
    )
    assert saved.status_code == 302
    programme.refresh_from_db()
    assert programme.name_translations == {
        "fr": "Réfugiés pris en charge par l'État (Canada)",
        "sw": "Wakimbizi wa Serikali (Kanada)",
    }
    assert programme.languages_without_name() == ["rw"]


# The refusals of Django's forms and of DRF, in every configured language (Django ships no
# Kinyarwanda; DRF ships neither Kinyarwanda nor Swahili: the project's catalog carries them).
REQUIRED = {
    "en": "This field is required.",
    "fr": "Ce champ est obligatoire.",
    "sw": "Sehemu hii inahitajika",  # Django's own Swahili, as it ships
    "rw": "Iki gice kirakenewe.",
}
VALID_INTEGER = {
    "en": "A valid integer is required.",
    "fr": "Un nombre entier valide est requis.",
    "sw": "Namba kamili halali inahitajika.",
    "rw": "Hakenewe umubare wuzuye wemewe.",
}


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_the_libraries_refusals_read_in_each_language(language):
    from rest_framework import serializers

    class Probe(serializers.Serializer):
        number = serializers.IntegerField()
        day = serializers.DateField()

    with translation.override(language):
        required = Probe(data={})
        assert not required.is_valid()
        assert str(required.errors["number"][0]) == REQUIRED[language]
        wrong = Probe(data={"number": "abc", "day": "someday"})
        assert not wrong.is_valid()
        assert str(wrong.errors["number"][0]) == VALID_INTEGER[language]
        assert "YYYY-MM-DD" in str(wrong.errors["day"][0])
        if language != "en":
            assert "Date has wrong format" not in str(wrong.errors["day"][0])


@pytest.mark.parametrize("language", ["fr", "rw", "sw"])
def test_a_refused_api_request_answers_in_the_readers_language(client, caseworker, language):
    client.force_login(caseworker)
    refused = client.post(
        reverse("api-case-list"), {}, content_type="application/json", HTTP_ACCEPT_LANGUAGE=language
    )
    assert refused.status_code == 400
    body = refused.content.decode()
    assert REQUIRED[language] in body
    assert "This field is required." not in body


@pytest.mark.parametrize("language", ["fr", "rw", "sw"])
def test_a_refused_form_reads_in_the_readers_language(client, caseworker, language):
    client.force_login(caseworker)
    refused = client.post(reverse("cases:create"), {}, HTTP_ACCEPT_LANGUAGE=language)
    assert refused.status_code in (200, 400)
    page = refused.content.decode()
    assert REQUIRED[language] in page
    assert "This field is required." not in page


# The tool the lead runs after `make messages`.


def test_the_untranslated_command_reports_nothing_left(db):
    out = io.StringIO()
    call_command("untranslated", "--check", stdout=out)
    for code in TRANSLATED:
        assert f"{code}: 0 messages to translate" in out.getvalue()
    assert "reference names: 0 rows" in out.getvalue()


def test_the_untranslated_command_lists_and_exports_what_is_left(db, tmp_path):
    catalog = tmp_path / "rw" / "LC_MESSAGES"
    catalog.mkdir(parents=True)
    text = (LOCALE / "rw" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    text = text.replace('msgid "Cases"\nmsgstr "Amadosiye"', 'msgid "Cases"\nmsgstr ""')
    (catalog / "django.po").write_text(text, encoding="utf-8")
    for code in ("fr", "sw"):
        (tmp_path / code).symlink_to(LOCALE / code)
    with override_settings(LOCALE_PATHS=[tmp_path]):
        listed = io.StringIO()
        with pytest.raises(CommandError, match="1 translations are missing"):
            call_command("untranslated", "--check", stdout=listed)
        assert "rw: 1 messages to translate\n  'Cases'" in listed.getvalue()
        exported = io.StringIO()
        call_command("untranslated", "--po", "rw", stdout=exported)
    fill_in = exported.getvalue()
    assert 'msgid "Cases"\nmsgstr ""' in fill_in
    assert fill_in.count("msgid ") == 2  # the header and the one message


@pytest.mark.parametrize(
    ("language", "destination"),
    [("en", "United States"), ("fr", "États-Unis"), ("rw", "Leta Zunze Ubumwe z'Amerika")],
)
def test_the_readiness_board_names_the_destination_in_the_readers_language(
    db, language, destination
):
    from movements.bookings.selectors import BoardFilters, board_windows
    from tests.movements.conftest import ready_case

    case = ready_case(adults=1)
    Location.objects.filter(pk=case.location_id).update(name_translations={"fr": "Mahama (camp)"})
    with translation.override(language):
        [row] = board_windows(filters=BoardFilters(), section="ready")
    assert row.destination == destination
    assert row.location == ("Mahama (camp)" if language == "fr" else "Mahama")
