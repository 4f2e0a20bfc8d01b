"""What is left to translate: the messages of the project's catalogs (locale/<language>/
LC_MESSAGES/django.po) that are empty or fuzzy in a configured language, and the reference rows
(every model with a name per language, cases.reference_names) lacking a name in one. The
translations test and `manage.py untranslated` read both from here."""

from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from django.apps import apps
from django.conf import settings

from .models import TranslatedName
from .reference_names import translated_languages


@dataclass(frozen=True)
class MissingName:
    model: str  # app_label.ModelName
    pk: int
    name: str
    languages: tuple[str, ...]


def catalog_path(language: str) -> Path:
    return Path(settings.LOCALE_PATHS[0]) / language / "LC_MESSAGES" / "django.po"


def read_catalog(language: str) -> Catalog:
    with catalog_path(language).open("rb") as po:
        return read_po(po, locale=None)


def untranslated_messages(language: str) -> list:
    """The catalog's messages of `language` whose translation is empty (any plural form) or
    marked fuzzy (a guess msgmerge made that nobody checked), in catalog order."""
    missing = []
    for message in read_catalog(language):
        if not message.id:
            continue  # the header
        forms = message.string if isinstance(message.string, tuple | list) else (message.string,)
        if message.fuzzy or not all(form.strip() for form in forms):
            missing.append(message)
    return missing


def reference_models() -> list:
    """Every installed model whose rows carry a name per language."""
    return [model for model in apps.get_models() if issubclass(model, TranslatedName)]


def missing_reference_names() -> list[MissingName]:
    """Each reference row without a name in one of the configured languages."""
    missing = []
    for model in reference_models():
        for row in model.objects.order_by("pk"):
            languages = tuple(row.languages_without_name())
            if languages:
                missing.append(MissingName(model._meta.label, row.pk, row.name, languages))
    return missing


def languages_to_check() -> list[str]:
    """The configured languages that have a catalog of their own (all but the source one)."""
    return translated_languages()
