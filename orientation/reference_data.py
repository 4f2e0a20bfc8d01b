"""One pre-departure orientation curriculum per destination country. Loading is idempotent:
an existing curriculum (matched on country and name) is left as administrators edited it, but
for a name in a language it has none in (cases.reference_names)."""

from django.db import transaction

from cases.models import Country
from cases.reference_data import fill_missing_names

from .choices import DEFAULT_MINIMUM_AGE
from .models import Curriculum

# Destinations whose programme runs longer than the usual three days (ISO code: days).
LONGER_CURRICULA = {"AUS": 5, "NZL": 5}
DEFAULT_DAYS = 3


# The curriculum's name in the site's other languages, around the country's name in that
# language (awaiting a native speaker's review for Swahili and Kinyarwanda).
CURRICULUM_NAME_PATTERNS = {
    "fr": "Orientation avant le départ : {country}",
    "sw": "Mafunzo ya kabla ya safari: {country}",
    "rw": "Amahugurwa yo kwitegura urugendo: {country}",
}


def curriculum_name(country: Country) -> str:
    return f"{country.name} pre-departure orientation"


def curriculum_names(country: Country) -> dict[str, str]:
    """The default curriculum's name per language (language code: name)."""
    return {
        language: pattern.format(country=country.localized_name(language))
        for language, pattern in CURRICULUM_NAME_PATTERNS.items()
    }


@transaction.atomic
def load_orientation_reference_data() -> dict[str, int]:
    """Create the missing default curricula and the names they lack in the site's other
    languages; return how many exist and how many were added."""
    added = 0
    for country in Country.objects.filter(is_destination=True):
        curriculum, created = Curriculum.objects.get_or_create(
            destination_country=country,
            name=curriculum_name(country),
            defaults={
                "minimum_age": DEFAULT_MINIMUM_AGE,
                "number_of_days": LONGER_CURRICULA.get(country.iso_code, DEFAULT_DAYS),
            },
        )
        added += created
        fill_missing_names(curriculum, curriculum_names(country))
    return {"curricula": Curriculum.objects.count(), "added": added}
