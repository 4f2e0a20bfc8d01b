"""How dates and times read in each language (settings.FORMAT_MODULE_PATH).

One format per language for every page: templates ask for DATE_FORMAT / DATETIME_FORMAT /
SHORT_DATE_FORMAT, never a pattern of their own. English reads day-month-year as the office
writes it; French comes from Django; Django has no formats for Kinyarwanda or Swahili.
"""
