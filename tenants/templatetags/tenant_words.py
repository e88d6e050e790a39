from django import template
from django.utils.dateparse import parse_datetime

from tenants.words import PLATFORMS

register = template.Library()


@register.filter
def parse_iso(value: str):
    """A moment Graph gave (kept as it came), for the date filter to show in the reader's
    time zone."""
    return parse_datetime(value) if value else None


@register.filter
def platform_name(code: str) -> str:
    return PLATFORMS.get(code, code)
