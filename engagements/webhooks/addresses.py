"""Where a webhook may POST: public addresses only, unless WEBHOOK_ALLOWED_NETWORKS lets a
range in (an internal receiver; the tests' own server on loopback).

The check resolves the host name and refuses it when any address it resolves to is not public;
a delivery then connects to an address it checked, so a name that resolves differently the next
moment (DNS rebinding) cannot slip a private address in between the check and the connection.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class AddressRefused(Exception):
    """The webhook's address is not one the portal may POST to."""


def _allowed_networks():
    return [ipaddress.ip_network(network) for network in settings.WEBHOOK_ALLOWED_NETWORKS]


def is_refused(address: str) -> bool:
    """Loopback, private, link-local, reserved, multicast or otherwise not public, and in no
    allowed network."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is loopback too
    if any(ip in network for network in _allowed_networks()):
        return False
    return not ip.is_global or ip.is_multicast


def resolve(url: str) -> tuple[str, int, list[str]]:
    """(host, port, the addresses it resolves to), every one of them allowed; AddressRefused
    otherwise."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or 443
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise AddressRefused(_("%(host)s could not be resolved.") % {"host": host}) from error
    addresses = list(dict.fromkeys(info[4][0] for info in found))
    refused = [address for address in addresses if is_refused(address)]
    if refused or not addresses:
        raise AddressRefused(
            _("%(host)s resolves to an address the portal may not call (%(addresses)s).")
            % {"host": host, "addresses": ", ".join(refused)}
        )
    return host, port, addresses


def validate_webhook_address(url: str) -> None:
    """For registration: the address must resolve, and only to allowed addresses."""
    try:
        resolve(url)
    except AddressRefused as error:
        raise ValidationError({"url": str(error)}) from error
