from django.conf import settings
from django.urls import reverse


def portal_link(name, *args) -> str:
    """An absolute link into the portal, for emails and calendar files."""
    return settings.PORTAL_URL + reverse(name, args=args)
