"""British-style English dates ("1 Dec 2026"), never the ambiguous US "12/01/2026".

The users are German companies: a day-month order reads right to them in both languages.
"""

DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
