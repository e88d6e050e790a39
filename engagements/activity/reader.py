"""How an event's values are written for a reader: on a page (the language's formats, local
time, long texts cut) or in the CSV (ISO 8601, texts whole)."""

import datetime

from django.utils.text import Truncator

from fasttrack.bounds import without_bidi_controls
from fasttrack.formatting import format_date, format_datetime, iso_timestamp

_FREE_TEXT_LIMIT = 80  # on pages; the CSV keeps whole texts


class Reader:
    """Formats values for a page (the language's formats, local time, long texts cut) or for
    the CSV (ISO 8601 without microseconds in the reader's time zone, texts whole)."""

    def __init__(self, *, export: bool):
        self.export = export

    def text(self, value) -> str:
        if not value:
            return "–"
        return value if self.export else Truncator(value).chars(_FREE_TEXT_LIMIT, truncate="…")

    def person(self, value) -> str:
        return without_bidi_controls(value["name"]) if value else "–"

    def date(self, value) -> str:
        if not value:
            return "–"
        day = datetime.date.fromisoformat(value)
        return day.isoformat() if self.export else format_date(day)

    def moment(self, value) -> str:
        if not value:
            return "–"
        moment = datetime.datetime.fromisoformat(value)
        return iso_timestamp(moment) if self.export else format_datetime(moment)


def change_told(label, old: str, new: str) -> str:
    return f"{label}: {old} → {new}"
