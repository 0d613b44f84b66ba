"""Polite, bounded async HTTP fetching.

One `Fetcher` per run holds an httpx.AsyncClient per origin, a gate per host (concurrency limit and a
minimum delay between request starts), a robots.txt cache, and the SSRF address policy.
Redirects are followed by hand so that every hop is checked; bodies are streamed and cut at
the size cap after decompression; the whole request has a deadline, counted from the moment
the host's gate lets the request go (waiting in line for a busy host is not a timeout), that
covers the body as it streams in: a body trickling a byte every few seconds is cut there.
A request that ran out of time is retried at most once, with a shorter deadline, and not at
all when another request to the same host timed out just before it.
A checked link is fetched from the very address the SSRF check approved (DNS pinning).
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import random
import time
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit

import httpcore  # noqa: F401 -- httpx imports it on the first client; not behind a host's gate
import httpx

from extractors.addresses import AddressPolicy
from extractors.errors import (
    BlockedURLError,
    BodyTooLargeError,
    FetchError,
    FetchTimeoutError,
    HardFetchError,
    InvalidURLError,
    NotHTMLError,
    RobotsDisallowedError,
    RobotsUnavailableError,
    TransientFetchError,
)
from extractors.robots import RobotsCache
from extractors.settings import FetchSettings

TRANSIENT_STATUSES = {408, 425, 429, 500, 502, 503, 504}
HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "application/xml", "text/xml")
MAX_CLIENTS = 64  # HTTP clients (one per origin) kept open at once; idle ones beyond are closed
BACK_OFF_STATUSES = {429, 503}  # the host asks us to slow down: every request to it waits
TIMEOUT_RETRY_SHARE = 0.25  # a retry after a timeout gets this share of the request deadline
BINARY_MAGIC = {b"%PDF-": "PDF", b"\x89PNG": "PNG image", b"GIF8": "GIF image",
                b"\xff\xd8\xff": "JPEG image", b"PK\x03\x04": "ZIP archive",
                b"\x1f\x8b": "gzip data", b"OggS": "Ogg media", b"ID3": "MP3 audio"}


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
    gzip_body: bytes | None = None  # the gzip-encoded body as received, when it was one

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")


class HostGate:
    """Per-host concurrency limit plus a minimum gap between request starts."""

    def __init__(self, concurrency: int, delay_s: float, max_wait_s: float = float("inf")):
        self._sem = asyncio.Semaphore(concurrency)
        self._lock = asyncio.Lock()
        self._next_start = 0.0
        self.delay_s = delay_s
        self.max_wait_s = max_wait_s  # a longer push-back (Retry-After) fails fast instead
        self.timeouts = 0  # consecutive requests to this host that ran out of time

    async def __aenter__(self) -> None:
        await self._sem.acquire()
        try:
            async with self._lock:
                wait = self._next_start - time.monotonic()
                if wait > self.max_wait_s:
                    raise TransientFetchError(
                        f"host asked us to come back in {wait:.0f}s (Retry-After); not this run",
                        retry_after=wait)
                if wait > 0:
                    await asyncio.sleep(wait)
                self._next_start = time.monotonic() + self.delay_s
        except BaseException:
            self._sem.release()
            raise

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
        self.policy = policy or AddressPolicy.for_settings(self.settings)
        self._transport = transport
        self._gates: dict[str, HostGate] = {}
        # One small client per origin, not one big shared pool: httpcore scans every pooled
        # connection for every queued request (O(requests x connections) per event); with 50
        # hosts that took fetching from ~2.2 to ~3.7 ms of CPU per page. `_slots` keeps the
        # total concurrency.
        self._clients: dict[str, httpx.AsyncClient] = {}
        self._in_flight: dict[str, int] = {}
        self._slots: asyncio.Semaphore | None = None
        self._ssl = None
        self.robots = RobotsCache(self)
        self.requests_sent = 0

    async def __aenter__(self) -> "Fetcher":
        self._slots = asyncio.Semaphore(self.settings.total_concurrency)
        if self._transport is None:  # built once here (~50 ms), not behind a host's gate
            self._ssl = httpx.create_ssl_context(trust_env=False)
        return self

    async def __aexit__(self, *exc) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()

    async def _client_for(self, url: str) -> tuple[str, httpx.AsyncClient]:
        """The client of this URL's origin; idle clients beyond MAX_CLIENTS are closed."""
        parts = urlsplit(url)
        key = f"{parts.scheme.lower()}://{parts.netloc.lower()}"
        if key not in self._clients:
            for old in [k for k in self._clients if not self._in_flight.get(k)][
                    :max(0, len(self._clients) - MAX_CLIENTS + 1)]:
                stale = self._clients.pop(old, None)
                if stale is not None:
                    await stale.aclose()
        client = self._clients.pop(key, None)  # re-inserted last: the dict is an LRU
        if client is None:
            s = self.settings
            client = httpx.AsyncClient(
                headers={"User-Agent": s.user_agent, "Accept-Encoding": "gzip, deflate"},
                timeout=httpx.Timeout(s.read_timeout_s, connect=s.connect_timeout_s),
                limits=httpx.Limits(max_connections=s.per_host_concurrency,
                                    max_keepalive_connections=s.per_host_concurrency),
                follow_redirects=False,
                trust_env=False,
                transport=self._transport,
                verify=self._ssl or True,
            )
        self._clients[key] = client
        return key, client

    @contextlib.asynccontextmanager
    async def _stream(self, url: str, headers: dict[str, str], extensions):
        key, client = await self._client_for(url)
        self._in_flight[key] = self._in_flight.get(key, 0) + 1
        try:
            async with self._slots, client.stream("GET", url, headers=headers,
                                                  extensions=extensions) as resp:
                yield resp
        finally:
            self._in_flight[key] -= 1

    def gate(self, url: str) -> HostGate:
        host = urlsplit(url).netloc.lower()
        if host not in self._gates:
            self._gates[host] = HostGate(self.settings.per_host_concurrency,
                                         self.settings.per_host_delay_s,
                                         self.settings.max_retry_after_s)
        return self._gates[host]

    async def get(self, url: str, *, headers: dict[str, str] | None = None,
                  max_bytes: int | None = None, trusted_host: str | None = None,
                  check_robots: bool = False, html_only: bool = False) -> Response:
        """GET with retries for transient errors (backoff with jitter, Retry-After honoured).

        trusted_host: None means the URL itself is trusted (a configured feed); otherwise every
        hop must be public, or on that "host:port" (the feed's, addresses.trusted_origin; the
        address pinned), or allowed by [fetch] private_allow (links found inside a feed).
        """
        attempt = 0
        deadline_s = self.settings.request_deadline_s
        while True:
            try:
                resp = await self._get_once(url, headers or {}, max_bytes, trusted_host,
                                            check_robots, html_only, deadline_s)
                self.gate(url).timeouts = 0
                return resp
            except FetchTimeoutError:
                # Never again at the full deadline: a host that trickles or stays silent would
                # cost it on every try. At most one retry, shorter, and none when the host's
                # previous request timed out too.
                gate = self.gate(url)
                gate.timeouts += 1
                if (attempt >= self.settings.retries or deadline_s < self.settings.request_deadline_s
                        or gate.timeouts > 1):
                    raise
                deadline_s = self.settings.request_deadline_s * TIMEOUT_RETRY_SHARE
                await asyncio.sleep(self._backoff(attempt, None))
                attempt += 1
            except TransientFetchError as exc:
                if exc.status is not None:
                    self.gate(url).timeouts = 0  # the host answered
                delay = self._backoff(attempt, exc.retry_after)
                if exc.status in BACK_OFF_STATUSES or exc.retry_after is not None:
                    # the whole host waits, not only this request; a Retry-After beyond the
                    # cap makes every request to the host fail fast for the rest of the run
                    self.gate(exc.url or url).push_back(
                        exc.retry_after if exc.retry_after is not None else delay)
                if (attempt >= self.settings.retries or isinstance(exc, RobotsUnavailableError)
                        or (exc.retry_after or 0) > self.settings.max_retry_after_s):
                    raise
                await asyncio.sleep(delay)
                attempt += 1

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        s = self.settings
        if retry_after is not None:
            return min(retry_after, s.max_retry_after_s)
        base = min(s.backoff_max_s, s.backoff_base_s * (2 ** attempt))
        return base * random.uniform(0.5, 1.5)

    def host_timeouts(self, url: str) -> int:
        """How many requests in a row to this URL's host ran out of time."""
        gate = self._gates.get(urlsplit(url).netloc.lower())
        return gate.timeouts if gate is not None else 0

    async def _get_once(self, url, headers, max_bytes, trusted_host, check_robots, html_only,
                        deadline_s: float | None = None):
        cap = max_bytes or self.settings.max_page_bytes
        deadline_s = deadline_s or self.settings.request_deadline_s
        started = time.monotonic()
        try:
            return await self._follow(url, headers, cap, trusted_host, check_robots,
                                      html_only, started, deadline_s)
        except TimeoutError:
            raise FetchTimeoutError(f"no complete answer within {deadline_s:g}s", url) from None
        except httpx.TimeoutException as exc:
            raise FetchTimeoutError(f"timeout ({type(exc).__name__})", url) from None
        except httpx.TransportError as exc:
            raise TransientFetchError(f"connection failed: {exc or type(exc).__name__}", url) from None
        except httpx.HTTPError as exc:
            raise HardFetchError(f"HTTP error: {exc}", url) from None
        except (httpx.InvalidURL, ValueError) as exc:  # UnicodeError (IDNA) is a ValueError
            raise InvalidURLError(f"invalid URL: {exc}", url) from None

    async def _follow(self, url, headers, cap, trusted_host, check_robots, html_only, started,
                      deadline_s):
        current = url
        deadline = None  # set when the first hop gets through its host's gate
        for _hop in range(self.settings.max_redirects + 1):
            address = await self._check_allowed(current, trusted_host)
            if check_robots:
                await self.robots.check(current, trusted_host)
            async with self.gate(current):
                if deadline is None:
                    deadline = asyncio.get_running_loop().time() + deadline_s
                async with asyncio.timeout_at(deadline):
                    self.requests_sent += 1
                    target, hop_headers, extensions = _pinned(current, address, headers)
                    async with self._stream(target, hop_headers, extensions) as resp:
                        if resp.is_redirect and "location" in resp.headers:
                            current = urljoin(current, resp.headers["location"])
                            continue
                        _raise_for_status(resp, current)
                        if html_only:
                            _require_html(resp, current)
                        body, gzip_body = await _read_capped(resp, cap, current)
                        if html_only:
                            _require_not_binary(body, current, resp.status_code)
                        return Response(
                            url=url, final_url=str(httpx.URL(current)), status=resp.status_code,
                            headers={k.lower(): v for k, v in resp.headers.items()}, body=body,
                            elapsed_s=time.monotonic() - started,
                            fetched_at=datetime.now(timezone.utc), gzip_body=gzip_body,
                        )
        raise HardFetchError(f"more than {self.settings.max_redirects} redirects", url)

    async def _check_allowed(self, url: str, trusted_host: str | None) -> str | None:
        """Scheme and URL checks; for links, the SSRF rule. Returns the address to pin."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise BlockedURLError(f"scheme {scheme or '(none)'!r} is not allowed", url)
        if not parts.hostname or any(c.isspace() or ord(c) < 32 for c in parts.netloc):
            raise InvalidURLError("URL has no usable host", url)
        parts.port  # noqa: B018 -- raises ValueError (-> InvalidURLError) when out of range
        httpx.URL(url)  # raises httpx.InvalidURL for what httpx could not request
        if trusted_host is None:
            return None
        try:
            async with asyncio.timeout(self.settings.connect_timeout_s):
                return await self.policy.check(url, trusted_host)
        except TimeoutError:
            raise TransientFetchError("DNS lookup timed out", url) from None


def _raise_for_status(resp: httpx.Response, url: str) -> None:
    status = resp.status_code
    if status < 400 or status == 304:
        return
    if status in TRANSIENT_STATUSES:
        raise TransientFetchError(f"HTTP {status}", url, status,
                                  retry_after=parse_retry_after(resp.headers.get("retry-after")))
    raise HardFetchError(f"HTTP {status}", url, status)


def _pinned(url: str, address: str | None, headers: dict[str, str]):
    """(URL to request, headers, extensions): the checked address in place of the host name,
    with the name kept in the Host header and in TLS (SNI and certificate check)."""
    if address is None:
        return url, headers, None
    parts = urlsplit(url)
    ip = address.split("%")[0]
    host = f"[{ip}]" if ":" in ip else ip
    netloc = f"{host}:{parts.port}" if parts.port else host
    if "@" in parts.netloc:  # a configured feed's credentials go with it (HTTP Basic)
        netloc = parts.netloc.rsplit("@", 1)[0] + "@" + netloc
    host_header = parts.netloc.rsplit("@", 1)[-1]
    target = parts._replace(netloc=netloc).geturl()
    extensions = {"sni_hostname": parts.hostname} if parts.scheme.lower() == "https" else None
    return target, {**headers, "Host": host_header}, extensions


def _require_html(resp: httpx.Response, url: str) -> None:
    ctype = resp.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype and not ctype.startswith(HTML_TYPES):
        raise NotHTMLError(f"not an HTML page ({ctype})", url, resp.status_code)


def _require_not_binary(body: bytes, url: str, status: int) -> None:
    """A PDF or an image served as text/html (or untyped) is still not a page."""
    head = body[:8].lstrip()
    for magic, what in BINARY_MAGIC.items():
        if head.startswith(magic):
            raise NotHTMLError(f"not an HTML page ({what} content)", url, status)


async def _read_capped(resp: httpx.Response, cap: int, url: str) -> tuple[bytes, bytes | None]:
    """(body, gzip body): the body decompressed as it streams in, never more than cap bytes
    held even for a small compressed body that expands enormously (a gzip bomb); and, when
    the server sent one complete gzip stream, those bytes as received (for the archive)."""
    encoding = resp.headers.get("content-encoding", "identity").strip().lower()
    declared = resp.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > cap and encoding == "identity":
        raise BodyTooLargeError(f"body of {declared} bytes is over the {cap}-byte cap", url)
    decoder = _Decoder(encoding, cap, url)
    async for raw in resp.aiter_raw():
        decoder.feed(raw)
    body = decoder.finish()
    return body, decoder.gzip_body()


class _Decoder:
    """Bounded streaming decompression (identity, gzip, deflate)."""

    def __init__(self, encoding: str, cap: int, url: str):
        self.cap, self.url = cap, url
        self.chunks: list[bytes] = []
        self.raw_chunks: list[bytes] = []  # gzip only: the encoded bytes
        self.size = 0
        self.raw_size = 0
        if encoding in ("identity", ""):
            self.zlib = None
        elif encoding in ("gzip", "x-gzip"):
            self.zlib = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif encoding == "deflate":
            self.zlib = zlib.decompressobj()
            self.raw_deflate_checked = False
        else:
            raise HardFetchError(f"unsupported content encoding {encoding!r}", url)
        self.encoding = encoding

    def feed(self, data: bytes) -> None:
        if self.zlib is None:
            self._keep(data)
            return
        # The cap counts the bytes received as well as the decoded ones, and nothing may
        # follow the end of the compressed stream: a 4 KB article followed by 800 MB of junk
        # once came back "OK" with an 838 MB gzip body (peak RSS 1.9 GB).
        self.raw_size += len(data)
        if self.raw_size > self.cap:
            raise BodyTooLargeError(f"body over the {self.cap}-byte cap (as received)", self.url)
        if self.zlib.eof:
            if data:
                raise HardFetchError(f"data after the end of the {self.encoding} stream", self.url)
            return
        if self.encoding != "deflate":
            self.raw_chunks.append(data)
        try:
            if self.encoding == "deflate" and not self.raw_deflate_checked:
                self.raw_deflate_checked = True
                if data and (data[0] & 0x0F) != 8:  # no zlib header: a raw deflate stream
                    self.zlib = zlib.decompressobj(-zlib.MAX_WBITS)
            while data and not self.zlib.eof:
                out = self.zlib.decompress(data, self.cap - self.size + 1)
                self._keep(out)
                data = self.zlib.unconsumed_tail
        except zlib.error as exc:
            raise HardFetchError(f"body could not be decompressed ({self.encoding}): {exc}",
                                 self.url) from None
        if self.zlib.eof and self.zlib.unused_data:
            raise HardFetchError(f"data after the end of the {self.encoding} stream", self.url)

    def _keep(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.cap:
            where = " (after decompression)" if self.zlib is not None else ""
            raise BodyTooLargeError(f"body over the {self.cap}-byte cap{where}", self.url)
        self.chunks.append(data)

    def finish(self) -> bytes:
        if self.zlib is not None and not self.zlib.eof:
            try:
                self._keep(self.zlib.flush())
            except zlib.error:
                pass  # a truncated stream: keep what was decoded
        return b"".join(self.chunks)

    def gzip_body(self) -> bytes | None:
        """The gzip bytes as received, if they were exactly one complete gzip stream."""
        z = self.zlib
        if z is None or self.encoding == "deflate" or not z.eof or z.unused_data:
            return None
        return b"".join(self.raw_chunks)


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
