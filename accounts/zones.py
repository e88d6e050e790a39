"""The time zones a person can pick: real places grouped by region, the likely ones first."""

from functools import cache
from zoneinfo import available_timezones

from django.conf import settings
from django.utils.translation import gettext_lazy as _

# The IANA database's regions. Names outside them are aliases kept for old systems ("US/Pacific",
# "Factory", "localtime", "Etc/GMT+3" whose sign runs backwards), which would only confuse.
REGIONS = {
    "Africa": _("Africa"),
    "America": _("Americas"),
    "Antarctica": _("Antarctica"),
    "Asia": _("Asia"),
    "Atlantic": _("Atlantic"),
    "Australia": _("Australia"),
    "Europe": _("Europe"),
    "Indian": _("Indian Ocean"),
    "Pacific": _("Pacific"),
}
# Where the programme's people mostly are: the customer in Brazil, Microsoft's centres abroad.
LIKELY = ["America/Sao_Paulo", "America/Manaus", "America/Recife", "Europe/Lisbon", "UTC"]


def place_name(zone: str) -> str:
    """'America/Argentina/Buenos_Aires' reads 'Argentina / Buenos Aires'."""
    return zone.partition("/")[2].replace("_", " ").replace("/", " / ") or zone


@cache
def _zones_by_region() -> dict[str, list[str]]:
    by_region: dict[str, list[str]] = {}
    for zone in sorted(available_timezones()):
        region = zone.partition("/")[0]
        if region in REGIONS and "/" in zone:
            by_region.setdefault(region, []).append(zone)
    return by_region


def is_offered(zone: str) -> bool:
    return zone == "UTC" or zone in _zones_by_region().get(zone.partition("/")[0], [])


def time_zone_choices(current: str | None = None) -> list:
    """Grouped choices: the person's own and the likely zones first, then each region."""
    likely = [
        z for z in dict.fromkeys([current, settings.TIME_ZONE, *LIKELY]) if z and is_offered(z)
    ]
    return [
        (_("Likely"), [(zone, zone.replace("_", " ")) for zone in likely]),
        *[
            (REGIONS[region], [(zone, place_name(zone)) for zone in zones])
            for region, zones in _zones_by_region().items()
        ],
    ]
