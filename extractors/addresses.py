"""The SSRF rule: a link found inside a feed may point at a non-public address only when it
is on the feed's own host *and port* (its origin, `trusted_origin(feed.url)`), or matches an
explicit allow-list entry (`[fetch] private_allow` in feeds.toml). Every address a host
resolves to is checked.

The feed's own origin, when non-public, is resolved once per run and every request to it
goes to that address (pinned): a name that a resolver answers with 127.0.0.1 reaches only
the feed's port, and only the address it had when first checked. A bare host given as the
trusted origin (no port) trusts only the default ports, 80 and 443.

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


DEFAULT_PORTS = {"http": 80, "https": 443}


def trusted_origin(url: str) -> str:
    """"host:port" of a (feed) URL, the port explicit: what the SSRF rule trusts for its links.
    Never raises: a URL without a usable port gives its bare host (default ports only; the
    fetch itself then fails as an invalid URL)."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower(), 80)
    except ValueError:
        try:
            return (urlsplit(url).hostname or "").lower()
        except ValueError:
            return ""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def split_origin(origin: str) -> tuple[str, int | None]:
    """(host, port) of "host:port", "[v6]:port" or a URL ("http://host:port/..."); port None
    for a bare host or IPv6 address."""
    origin = origin.strip().lower()
    if "://" in origin:
        origin = trusted_origin(origin)
    if origin.startswith("["):
        host, _, rest = origin[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif origin.count(":") == 1:
        host, _, port = origin.partition(":")
    else:
        host, port = origin, ""
    return host, (int(port) if port.isdigit() else None)


class AllowEntry:
    """One `private_allow` entry: "host", "host:port", "[v6]:port" (a host name matches by
    name, an address by the addresses the URL's host resolves to), or a network such as
    "10.0.0.0/8" (any port)."""

    def __init__(self, spec: str):
        self.spec = spec.strip()
        self.network = None
        self.port: int | None = None
        if "/" in self.spec:
            self.network = ipaddress.ip_network(self.spec, strict=False)
            self.host = ""
            return
        host, self.port = split_origin(self.spec)
        self.host = ip_literal(host) or host

    @property
    def by_name(self) -> bool:
        return self.network is None and ip_literal(self.host) is None

    def matches(self, host: str, port: int, addresses: list[str] | None = None) -> bool:
        if self.port is not None and port != self.port:
            return False
        if self.network is not None:
            return bool(addresses) and all(
                ipaddress.ip_address(a.split("%")[0]) in self.network for a in addresses)
        if self.by_name:
            return host == self.host
        return bool(addresses) and all(a == self.host for a in addresses)


class AddressPolicy:
    """Decides whether a URL found inside a feed may be fetched."""

    def __init__(self, resolver: Resolver | None = None, allow_private: bool = False,
                 allow: tuple[str, ...] | list[str] = ()):
        self.resolver = resolver or system_resolver
        self.allow_private = allow_private
        self.allow = [AllowEntry(a) for a in allow]
        # per trusted origin, this run: the address it was first found at when non-public
        # (pinned), None when public
        self._pinned: dict[tuple[str, int], str | None] = {}

    @classmethod
    def for_settings(cls, settings) -> "AddressPolicy":
        return cls(allow_private=settings.allow_private_links,
                   allow=tuple(getattr(settings, "private_allow", ()) or ()))

    async def check(self, url: str, trusted_host: str) -> str | None:
        """Raise BlockedURLError unless url may be fetched for a feed whose origin is
        trusted_host ("host:port"; a bare host means its default ports).

        Returns the approved address to connect to, or None when no check was needed
        (private links allowed, an allow-listed host name, or the feed's own origin on public
        addresses)."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if not host:
            raise BlockedURLError("URL has no host", url)
        if self.allow_private:
            return None
        port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower(), 80)
        if any(e.by_name and e.matches(host, port) for e in self.allow):
            return None
        trusted, trusted_port = split_origin(trusted_host)
        trusted_ports = {trusted_port} if trusted_port else set(DEFAULT_PORTS.values())
        own_host = host == trusted or (ip_literal(host) or host) == (ip_literal(trusted) or trusted)
        if own_host and port in trusted_ports:
            return await self._own_origin(host, port, url)
        addresses = await self._addresses(host, port, url)
        if any(not e.by_name and e.matches(host, port, addresses) for e in self.allow):
            return addresses[0]
        for address in addresses:
            if not is_public(address):
                where = "host and port" if own_host else "host"
                raise BlockedURLError(
                    f"{host}:{port} resolves to non-public address {address}; only the feed's "
                    f"own {where} ({trusted_host}) or a private_allow entry may be non-public",
                    url)
        return addresses[0]

    async def _own_origin(self, host: str, port: int, url: str) -> str | None:
        """The feed's own origin: None when it is public (nothing to protect), else the
        address it was first seen at this run (pinned, so a second DNS answer cannot move it)."""
        key = (host, port)
        if key in self._pinned:
            return self._pinned[key]
        addresses = await self._addresses(host, port, url)
        return self._pinned.setdefault(
            key, None if all(is_public(a) for a in addresses) else addresses[0])

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
