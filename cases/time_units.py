"""The units Django's `timesince` writes ("3 days", "2 weeks"), copied here so that they reach
the project's own catalogs: Django ships no Swahili or Kinyarwanda translation of them, and the
case list and dashboard say how long a case has waited. Django reads the project's catalogs
(LOCALE_PATHS) before its own, so these translations are the ones used."""

from django.utils.translation import ngettext_lazy

TIME_UNITS = (
    ngettext_lazy("%(num)d year", "%(num)d years", "num"),
    ngettext_lazy("%(num)d month", "%(num)d months", "num"),
    ngettext_lazy("%(num)d week", "%(num)d weeks", "num"),
    ngettext_lazy("%(num)d day", "%(num)d days", "num"),
    ngettext_lazy("%(num)d hour", "%(num)d hours", "num"),
    ngettext_lazy("%(num)d minute", "%(num)d minutes", "num"),
)
