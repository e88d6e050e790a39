"""Dates and times for people, the one way the portal writes them outside templates (email
subjects, CSV cells, messages), matching what templates print with the same format names."""

import datetime

from babel.dates import get_timezone, get_timezone_location, get_timezone_name
from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

# The same styles as SHORT_DATETIME_FORMAT, in a spreadsheet's number-format codes.
_SPREADSHEET_DATETIME_FORMATS = {"pt-br": "dd/mm/yyyy hh:mm", "en": "d mmm yyyy, hh:mm"}
_SPREADSHEET_DATE_FORMATS = {"pt-br": "dd/mm/yyyy", "en": "d mmm yyyy"}


def format_datetime(value: datetime.datetime) -> str:
    """In the active language's style and the active time zone, e.g. 26/11/2026 07:39."""
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")


def format_date(value: datetime.date) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def iso_timestamp(value: datetime.datetime | None) -> str:
    """ISO 8601 in the active time zone to the second, for files other programs read."""
    return timezone.localtime(value).replace(microsecond=0).isoformat() if value else ""


def spreadsheet_datetime_format() -> str:
    """How a spreadsheet cell shows a moment, in the active language's style."""
    return _SPREADSHEET_DATETIME_FORMATS.get(
        translation.get_language(), _SPREADSHEET_DATETIME_FORMATS[settings.LANGUAGE_CODE]
    )


def spreadsheet_date_format() -> str:
    """How a spreadsheet cell shows a day, in the active language's style (SHORT_DATE_FORMAT)."""
    return _SPREADSHEET_DATE_FORMATS.get(
        translation.get_language(), _SPREADSHEET_DATE_FORMATS[settings.LANGUAGE_CODE]
    )


def csv_delimiter() -> str:
    """The separator Excel expects in the active language: its list separator is ";" wherever
    the decimal separator is a comma (pt-BR), so a "," there would put a row in one column."""
    return ";" if formats.get_format("DECIMAL_SEPARATOR") == "," else ","


def zone_name(zone: str | datetime.tzinfo, moment: datetime.datetime | None = None) -> str:
    """A time zone as people say it in the active language, never its identifier (Unicode
    CLDR's names, through Babel). In general: "Brasilia Time (São Paulo)", "Horário de Brasília
    (São Paulo)"; at a moment, its name then, standard or summer time: "Brasilia Standard
    Time", "Horário de Verão da Europa Ocidental"."""
    key = str(zone)
    locale = translation.to_locale(translation.get_language() or settings.LANGUAGE_CODE)
    if moment is not None:
        # A zone without a name in the database (a fixed offset) is named by its offset.
        zone = zone if isinstance(zone, datetime.tzinfo) else get_timezone(key)
        return get_timezone_name(moment.astimezone(zone), locale=locale)
    if key == "UTC":
        return _("Coordinated Universal Time (UTC)")
    tz = get_timezone(key)
    name = get_timezone_name(tz, width="long", locale=locale)
    city = get_timezone_location(tz, locale=locale, return_city=True)
    return f"{name} ({city})" if city and city not in name else name
