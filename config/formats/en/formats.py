# British-style dates for the English pages and PDF: the app's readers are in Germany,
# where "12/01/2026" would be read as 12 January. "1 Dec 2026" cannot be misread.
DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
