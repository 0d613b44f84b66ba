"""Polite, bounded async HTTP fetching.

One `Fetcher` per run holds one httpx.AsyncClient, a gate per host (concurrency limit and a
minimum delay between request starts), a robots.txt cache, and the SSRF address policy.
Redirects are followed by hand so that every hop is checked; bodies are streamed and cut at
the size cap after decompression; the whole request has a deadline.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit

import httpx

from extractors.addresses import AddressPolicy
from extractors.errors import (
    BlockedURLError,
    BodyTooLargeError,
    FetchError,
    HardFetchError,
    NotHTMLError,
    RobotsDisallowedError,
    TransientFetchError,
)
from extractors.robots import RobotsCache
from extractors.settings import FetchSettings

TRANSIENT_STATUSES = {408, 425, 429, 500, 502, 503, 504}
HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "application/xml", "text/xml")


@dataclass(frozen=True)
class Response:
    """A fetched URL: what came back after redirects, with the (capped) body."""

    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    body: bytes
    elapsed_s: float
    fetched_at: datetime

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")


class HostGate:
    """Per-host concurrency limit plus a minimum gap between request starts."""

    def __init__(self, concurrency: int, delay_s: float):
        self._sem = asyncio.Semaphore(concurrency)
        self._lock = asyncio.Lock()
        self._next_start = 0.0
        self.delay_s = delay_s

    async def __aenter__(self) -> None:
        await self._sem.acquire()
        async with self._lock:
            wait = self._next_start - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self._next_start = time.monotonic() + self.delay_s

    async def __aexit__(self, *exc) -> None:
        self._sem.release()

    def push_back(self, seconds: float) -> None:
        """Keep away from this host for a while (Retry-After)."""
        self._next_start = max(self._next_start, time.monotonic() + seconds)


class Fetcher:
    """Async HTTP client with workwatch's network rules. Use as `async with Fetcher(...)`."""

    def __init__(self, settings: FetchSettings | None = None, *,
                 policy: AddressPolicy | None = None,
                 transport: httpx.AsyncBaseTransport | None = None):
        self.settings = settings or FetchSettings()
        self.policy = policy or AddressPolicy(allow_private=self.settings.allow_private_links)
        self._transport = transport
        self._gates: dict[str, HostGate] = {}
        self._client: httpx.AsyncClient | None = None
        self.robots = RobotsCache(self)
        self.requests_sent = 0

    async def __aenter__(self) -> "Fetcher":
        s = self.settings
        self._client = httpx.AsyncClient(
            headers={"User-Agent": s.user_agent, "Accept-Encoding": "gzip, deflate"},
            timeout=httpx.Timeout(s.read_timeout_s, connect=s.connect_timeout_s),
            limits=httpx.Limits(max_connections=s.total_concurrency,
                                max_keepalive_connections=s.total_concurrency),
            follow_redirects=False,
            trust_env=False,
            transport=self._transport,
        )
        return self

    async def __aexit__(self, *exc) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def gate(self, url: str) -> HostGate:
        host = urlsplit(url).netloc.lower()
        if host not in self._gates:
            self._gates[host] = HostGate(self.settings.per_host_concurrency,
                                         self.settings.per_host_delay_s)
        return self._gates[host]

    async def get(self, url: str, *, headers: dict[str, str] | None = None,
                  max_bytes: int | None = None, trusted_host: str | None = None,
                  check_robots: bool = False, html_only: bool = False) -> Response:
        """GET with retries for transient errors (backoff with jitter, Retry-After honoured).

        trusted_host: None means the URL itself is trusted (a configured feed); otherwise every
        hop must be public or on that host (links found inside a feed).
        """
        attempt = 0
        while True:
            try:
                return await self._get_once(url, headers or {}, max_bytes, trusted_host,
                                            check_robots, html_only)
            except TransientFetchError as exc:
                if attempt >= self.settings.retries:
                    raise
                await asyncio.sleep(self._backoff(attempt, exc.retry_after))
                if exc.retry_after:
                    self.gate(url).push_back(min(exc.retry_after, self.settings.max_retry_after_s))
                attempt += 1

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        s = self.settings
        if retry_after is not None:
            return min(retry_after, s.max_retry_after_s)
        base = min(s.backoff_max_s, s.backoff_base_s * (2 ** attempt))
        return base * random.uniform(0.5, 1.5)

    async def _get_once(self, url, headers, max_bytes, trusted_host, check_robots, html_only):
        cap = max_bytes or self.settings.max_page_bytes
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.settings.request_deadline_s):
                return await self._follow(url, headers, cap, trusted_host, check_robots,
                                          html_only, started)
        except TimeoutError:
            raise TransientFetchError(
                f"no complete answer within {self.settings.request_deadline_s:g}s", url) from None
        except httpx.TimeoutException as exc:
            raise TransientFetchError(f"timeout ({type(exc).__name__})", url) from None
        except httpx.TransportError as exc:
            raise TransientFetchError(f"connection failed: {exc or type(exc).__name__}", url) from None
        except httpx.HTTPError as exc:
            raise HardFetchError(f"HTTP error: {exc}", url) from None

    async def _follow(self, url, headers, cap, trusted_host, check_robots, html_only, started):
        current = url
        for _hop in range(self.settings.max_redirects + 1):
            await self._check_allowed(current, trusted_host)
            if check_robots:
                await self.robots.check(current)
            async with self.gate(current):
                self.requests_sent += 1
                async with self._client.stream("GET", current, headers=headers) as resp:
                    if resp.is_redirect and "location" in resp.headers:
                        current = urljoin(current, resp.headers["location"])
                        continue
                    _raise_for_status(resp, current)
                    if html_only:
                        _require_html(resp, current)
                    body = await _read_capped(resp, cap, current)
                    return Response(
                        url=url, final_url=str(resp.url), status=resp.status_code,
                        headers={k.lower(): v for k, v in resp.headers.items()}, body=body,
                        elapsed_s=time.monotonic() - started,
                        fetched_at=datetime.now(timezone.utc),
                    )
        raise HardFetchError(f"more than {self.settings.max_redirects} redirects", url)

    async def _check_allowed(self, url: str, trusted_host: str | None) -> None:
        scheme = urlsplit(url).scheme.lower()
        if scheme not in ("http", "https"):
            raise BlockedURLError(f"scheme {scheme or '(none)'!r} is not allowed", url)
        if trusted_host is not None:
            await self.policy.check(url, trusted_host)


def _raise_for_status(resp: httpx.Response, url: str) -> None:
    status = resp.status_code
    if status < 400 or status == 304:
        return
    if status in TRANSIENT_STATUSES:
        raise TransientFetchError(f"HTTP {status}", url, status,
                                  retry_after=parse_retry_after(resp.headers.get("retry-after")))
    raise HardFetchError(f"HTTP {status}", url, status)


def _require_html(resp: httpx.Response, url: str) -> None:
    ctype = resp.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype and not ctype.startswith(HTML_TYPES):
        raise NotHTMLError(f"not an HTML page ({ctype})", url, resp.status_code)


async def _read_capped(resp: httpx.Response, cap: int, url: str) -> bytes:
    declared = resp.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > cap and "content-encoding" not in resp.headers:
        raise BodyTooLargeError(f"body of {declared} bytes is over the {cap}-byte cap", url)
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.aiter_bytes():
        size += len(chunk)
        if size > cap:
            raise BodyTooLargeError(f"body over the {cap}-byte cap (after decompression)", url)
        chunks.append(chunk)
    return b"".join(chunks)


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


__all__ = ["Fetcher", "Response", "HostGate", "parse_retry_after", "FetchError"]
