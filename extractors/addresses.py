"""The SSRF rule: a link found inside a feed may point at a non-public address only when it
is on the feed's own host. Every address the host resolves to is checked."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Awaitable, Callable
from urllib.parse import urlsplit

from extractors.errors import BlockedURLError, TransientFetchError

Resolver = Callable[[str, int], Awaitable[list[str]]]


async def system_resolver(host: str, port: int) -> list[str]:
    """All addresses the system resolver gives for host."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({info[4][0] for info in infos})


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class AddressPolicy:
    """Decides whether a URL found inside a feed may be fetched."""

    def __init__(self, resolver: Resolver | None = None, allow_private: bool = False):
        self.resolver = resolver or system_resolver
        self.allow_private = allow_private

    async def check(self, url: str, trusted_host: str) -> None:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if not host:
            raise BlockedURLError("URL has no host", url)
        if self.allow_private or host == trusted_host.lower():
            return
        port = parts.port or (443 if parts.scheme == "https" else 80)
        for address in await self._addresses(host, port, url):
            if not is_public(address):
                raise BlockedURLError(
                    f"{host} resolves to non-public address {address}; only the feed's own "
                    f"host ({trusted_host}) may be non-public", url)

    async def _addresses(self, host: str, port: int, url: str) -> list[str]:
        try:
            ipaddress.ip_address(host.strip("[]"))
            return [host.strip("[]")]
        except ValueError:
            pass
        try:
            addresses = await self.resolver(host, port)
        except (OSError, socket.gaierror) as exc:
            raise TransientFetchError(f"cannot resolve {host}: {exc}", url) from None
        if not addresses:
            raise TransientFetchError(f"{host} resolves to no address", url)
        return addresses
