"""The SSRF rule: a link found inside a feed may point at a non-public address only when it
is on the feed's own host. Every address the host resolves to is checked.

Numeric hosts in every spelling the C resolver accepts (2130706434, 0x7f000002, 0177.0.0.2,
127.2) are read as the address they mean, and addresses that embed an IPv4 address
(IPv4-mapped, IPv4-compatible, 6to4, NAT64) are judged by that IPv4 address. `check` returns
the address it approved so that the fetcher connects to exactly that address (no second DNS
lookup that a rebinding name could answer differently).
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from typing import Awaitable, Callable
from urllib.parse import urlsplit

from extractors.errors import BlockedURLError, InvalidURLError, TransientFetchError

Resolver = Callable[[str, int], Awaitable[list[str]]]
NUMERIC_HOST_RE = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}$", re.I)
NAT64 = ipaddress.ip_network("64:ff9b::/96")
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


async def system_resolver(host: str, port: int) -> list[str]:
    """All addresses the system resolver gives for host."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({info[4][0] for info in infos})


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            ip = embedded
    return ip.is_global and not ip.is_multicast and not ip.is_reserved


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip in NAT64 or ip in IPV4_COMPATIBLE:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def ip_literal(host: str) -> str | None:
    """The address a host names when it is an IP literal in any spelling, else None."""
    host = host.strip("[]").rstrip(".")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if "%" in host:  # IPv6 with a zone id
        try:
            ipaddress.ip_address(host.split("%")[0])
            return host
        except ValueError:
            return None
    if NUMERIC_HOST_RE.match(host):
        try:  # the C library's reading: decimal, octal (0177), hex (0x7f), short forms (127.1)
            return socket.inet_ntoa(socket.inet_aton(host))
        except OSError:
            return None
    return None


class AddressPolicy:
    """Decides whether a URL found inside a feed may be fetched."""

    def __init__(self, resolver: Resolver | None = None, allow_private: bool = False):
        self.resolver = resolver or system_resolver
        self.allow_private = allow_private

    async def check(self, url: str, trusted_host: str) -> str | None:
        """Raise BlockedURLError unless url may be fetched for a feed on trusted_host.

        Returns the approved address to connect to, or None when no check was needed (the
        feed's own host, or private links allowed)."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if not host:
            raise BlockedURLError("URL has no host", url)
        if self.allow_private or host == trusted_host.lower():
            return None
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = await self._addresses(host, port, url)
        for address in addresses:
            if not is_public(address):
                raise BlockedURLError(
                    f"{host} resolves to non-public address {address}; only the feed's own "
                    f"host ({trusted_host}) may be non-public", url)
        return addresses[0]

    async def _addresses(self, host: str, port: int, url: str) -> list[str]:
        literal = ip_literal(host)
        if literal is not None:
            return [literal]
        try:
            addresses = await self.resolver(host, port)
        except UnicodeError as exc:
            raise InvalidURLError(f"invalid host name {host!r}: {exc}", url) from None
        except (OSError, socket.gaierror) as exc:
            raise TransientFetchError(f"cannot resolve {host}: {exc}", url) from None
        if not addresses:
            raise TransientFetchError(f"{host} resolves to no address", url)
        return addresses
