"""Names of reference data in the reader's language: the one accessor every page, form and admin
list goes through (`TranslatedName.localized_name`, the `localized_name` template filter).

Country names come from the Unicode CLDR through Babel, a maintained library, never from a list
written by hand per language; an administrator may still give a name where CLDR has none (CLDR's
Kinyarwanda names only its own country). Programmes, camps, movement types, submission
categories and curricula carry their names per language in a `name_translations` field edited in
the admin (one JSON field rather than a column per language: adding a language to
settings.LANGUAGES needs no migration, and no extra dependency such as django-modeltranslation).
"""

from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from django.conf import settings
from django.utils import translation


def translated_languages() -> list[str]:
    """The configured languages other than the one the reference data is written in."""
    return [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def current_language() -> str:
    """The active language as one of settings.LANGUAGES' codes ("fr-ca" reads as "fr")."""
    active = (translation.get_language() or settings.LANGUAGE_CODE).lower()
    codes = {code for code, _name in settings.LANGUAGES}
    if active in codes:
        return active
    return active.split("-")[0] if active.split("-")[0] in codes else settings.LANGUAGE_CODE


@lru_cache(maxsize=64)
def _territories(language: str) -> dict:
    try:
        return dict(Locale.parse(language).territories)
    except (UnknownLocaleError, ValueError):
        return {}


@lru_cache(maxsize=512)
def cldr_country_name(iso_code: str, language: str) -> str:
    """CLDR's name of a country (ISO 3166 alpha-3 or alpha-2 code) in `language`, or "" when
    CLDR has none."""
    code = iso_code.upper()
    if len(code) == 3:
        aliases = get_global("territory_aliases").get(code) or []
        code = aliases[0] if aliases else ""
    return _territories(language).get(code, "") if code else ""
