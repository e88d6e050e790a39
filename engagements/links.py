from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse


def portal_link(name, *args) -> str:
    """An absolute link into the portal, for emails and calendar files."""
    return settings.PORTAL_URL + reverse(name, args=args)


def portal_host() -> str:
    """The portal's host name: it makes calendar UIDs and Message-IDs unique to this portal."""
    return urlsplit(settings.PORTAL_URL).hostname
