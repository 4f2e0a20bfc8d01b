"""One pre-departure orientation curriculum per destination country. Loading is idempotent:
an existing curriculum (matched on country and name) is left as administrators edited it."""

from django.db import transaction

from cases.models import Country

from .choices import DEFAULT_MINIMUM_AGE
from .models import Curriculum

# Destinations whose programme runs longer than the usual three days (ISO code: days).
LONGER_CURRICULA = {"AUS": 5, "NZL": 5}
DEFAULT_DAYS = 3


def curriculum_name(country: Country) -> str:
    return f"{country.name} pre-departure orientation"


@transaction.atomic
def load_orientation_reference_data() -> dict[str, int]:
    """Create the missing default curricula; return how many exist and how many were added."""
    added = 0
    for country in Country.objects.filter(is_destination=True):
        _curriculum, created = Curriculum.objects.get_or_create(
            destination_country=country,
            name=curriculum_name(country),
            defaults={
                "minimum_age": DEFAULT_MINIMUM_AGE,
                "number_of_days": LONGER_CURRICULA.get(country.iso_code, DEFAULT_DAYS),
            },
        )
        added += created
    return {"curricula": Curriculum.objects.count(), "added": added}
