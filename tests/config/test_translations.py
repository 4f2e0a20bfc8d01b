"""Pages are translatable: English first, French started, Kinyarwanda and Swahili ready."""

from pathlib import Path

from django.conf import settings
from django.utils import translation

from cases.choices import CaseStatus
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
