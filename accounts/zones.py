"""The time zones a person can pick: the places tzdata lists country by country (its zone.tab),
so none of the aliases kept for old systems ("Asia/Calcutta", "America/Godthab", "US/Pacific",
"Factory") is offered; grouped by country in the reader's language, the likely ones first."""

import unicodedata
from functools import cache
from importlib.resources import files

from babel import Locale
from babel.core import get_global
from babel.dates import get_timezone, get_timezone_location
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from fasttrack.formatting import zone_name

# Where the programme's people mostly are: the customer in Brazil, Microsoft's centres abroad.
LIKELY = ["America/Sao_Paulo", "America/Manaus", "America/Recife", "Europe/Lisbon", "UTC"]


@cache
def _zones_by_country() -> dict[str, tuple[str, ...]]:
    """ISO country code → its zones, as tzdata's zone.tab lists them."""
    table = files("tzdata.zoneinfo").joinpath("zone.tab").read_text(encoding="utf-8")
    by_country: dict[str, list[str]] = {}
    for line in table.splitlines():
        if line and not line.startswith("#"):
            country, _coordinates, zone, *_comment = line.split("\t")
            by_country.setdefault(country, []).append(zone)
    return {country: tuple(zones) for country, zones in by_country.items()}


@cache
def _offered() -> frozenset[str]:
    return frozenset(z for zones in _zones_by_country().values() for z in zones) | {"UTC"}


def is_offered(zone: str) -> bool:
    return zone in _offered()


def _sort_key(name: str) -> str:
    """Alphabetical as a reader expects: "Áustria" beside "Austrália", not after "Zâmbia"."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()


@cache
def _country_groups(locale: str) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """(country name, ((zone, city), ...)) in the locale, countries and cities alphabetical."""
    countries = Locale.parse(locale).territories
    groups = []
    for country, zones in _zones_by_country().items():
        cities = sorted(
            ((zone, _city(zone, locale)) for zone in zones), key=lambda pair: _sort_key(pair[1])
        )
        groups.append((countries.get(country, country), tuple(cities)))
    return tuple(sorted(groups, key=lambda group: _sort_key(group[0])))


def _city(zone: str, locale: str) -> str:
    return get_timezone_location(get_timezone(zone), locale=locale, return_city=True)


@cache
def _country_of(zone: str) -> str | None:
    return next((c for c, zones in _zones_by_country().items() if zone in zones), None)


def _likely_label(zone: str, locale: str) -> str:
    """ "São Paulo (Brasil)": a likely zone is read outside its country's group."""
    country = _country_of(zone)
    if country is None:
        return zone_name(zone)
    return f"{_city(zone, locale)} ({Locale.parse(locale).territories.get(country, country)})"


def current_name(zone: str) -> str:
    """The zone's current name: "Asia/Kolkata" for a profile saved as "Asia/Calcutta"."""
    return get_global("zone_aliases").get(zone, zone)


def time_zone_choices(current: str | None = None) -> list:
    """Grouped choices: the person's own and the likely zones first, then each country."""
    locale = translation.to_locale(translation.get_language() or settings.LANGUAGE_CODE)
    likely = [
        z for z in dict.fromkeys([current, settings.TIME_ZONE, *LIKELY]) if z and is_offered(z)
    ]
    return [
        (_("Likely"), [(zone, _likely_label(zone, locale)) for zone in likely]),
        *[(country, list(cities)) for country, cities in _country_groups(locale)],
    ]
