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


# IPv6 ranges whose last 32 bits are an IPv4 address that a translator or an old stack may carry
# the connection on to: IPv4-compatible, IPv4-translated (SIIT) and NAT64's well-known prefix.
# (IPv4-mapped and 6to4 have properties of their own; Teredo's 2001::/32 is not global at all.)
_IPV4_IN_LAST_32_BITS = [
    ipaddress.ip_network(network) for network in ("::/96", "::ffff:0:0:0/96", "64:ff9b::/96")
]
# NAT64 for local use: the operator chooses where in it the IPv4 address sits, so it cannot be
# read back; not globally reachable, although Python before 3.12 calls it global.
_NAT64_LOCAL_USE = ipaddress.ip_network("64:ff9b:1::/48")


def _allowed_networks():
    return [ipaddress.ip_network(network) for network in settings.WEBHOOK_ALLOWED_NETWORKS]


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address leads to."""
    if ip.sixtofour:
        return [ip.sixtofour]
    if any(ip in network for network in _IPV4_IN_LAST_32_BITS):
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    return []


def _is_allowed(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return any(ip in network for network in _allowed_networks())


def _is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    # Site-local (fec0::/10) is deprecated but still routed inside some networks, and Python
    # calls it global.
    site_local = isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local
    return ip.is_global and not ip.is_multicast and not site_local and ip not in _NAT64_LOCAL_USE


def is_refused(address: str) -> bool:
    """Loopback, private, link-local, reserved, multicast or otherwise not public, or holding
    an IPv4 address that is, and in no allowed network."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1 to the socket
    if _is_allowed(ip):
        return False
    embedded = _embedded_ipv4(ip) if isinstance(ip, ipaddress.IPv6Address) else []
    return not _is_public(ip) or any(
        not _is_public(ipv4) and not _is_allowed(ipv4) for ipv4 in embedded
    )


def validate_webhook_port(url: str) -> None:
    """No port, or one from 1 to 65535: urlsplit raises on a larger one, and port 0 would
    quietly become 443."""
    try:
        port = urlsplit(url).port
    except ValueError:
        port = 0
    if port == 0:
        raise ValidationError(_("The port must be a number from 1 to 65535."), code="port")


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
