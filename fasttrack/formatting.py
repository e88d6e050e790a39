"""Dates and times for people, the one way the portal writes them outside templates (email
subjects, CSV cells, messages), matching what templates print with the same format names."""

import datetime

from django.utils import formats, timezone


def format_datetime(value: datetime.datetime) -> str:
    """In the active language's style and the active time zone, e.g. 26/11/2026 07:39."""
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")


def format_date(value: datetime.date) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def iso_timestamp(value: datetime.datetime | None) -> str:
    """ISO 8601 in the active time zone to the second, for files other programs read."""
    return timezone.localtime(value).replace(microsecond=0).isoformat() if value else ""
