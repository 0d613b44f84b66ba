"""Sitemaps: find them (robots.txt, well-known paths), parse them safely, walk indexes.

Parsing is bounded and safe: lxml's incremental parser with entities left unresolved, no
network, no DTD, huge_tree off; at most MAX_ENTRIES entries per document and MAX_SITEMAP_BYTES
per body (after decompression). A backfill walks an outlet's sitemaps one document at a time
and keeps only the URLs whose date (Google News publication date, else lastmod) falls in the
asked window, so the whole site is never held in memory.
"""

from __future__ import annotations

import gzip
import io
import re
from collections import deque
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import AsyncIterator, Iterable
from urllib.parse import urljoin, urlsplit

import feedparser
from lxml import etree
from protego import Protego

from extractors.errors import FetchError, WorkwatchError
from extractors.text import clean_text, plausible_date
from extractors.http import Fetcher
from extractors.urls import canonical_url, identity_key, is_fetchable

MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemap protocol's own limit, uncompressed
MAX_ENTRIES = 50_000  # idem, per document
MAX_DEPTH = 3  # index -> index -> index -> urlset
MAX_SITEMAPS = 2_000  # per site and backfill
MAX_ROBOTS_BYTES = 512 * 1024
WELL_KNOWN = ("/sitemap.xml", "/sitemap_index.xml", "/wp-sitemap.xml")
YEAR_RE = re.compile(r"^\d{4}$")
MONTH_RE = re.compile(r"^\d{4}-\d{2}$")


class SitemapError(WorkwatchError):
    """A body is not a sitemap (or nothing could be read from it)."""


@dataclass(frozen=True)
class DateWindow:
    """Days `since` to `until`, both included, in UTC. An open end is unbounded."""

    since: date | None = None
    until: date | None = None

    @property
    def start(self) -> datetime | None:
        return datetime.combine(self.since, time(), timezone.utc) if self.since else None

    @property
    def end(self) -> datetime | None:
        """Exclusive end: midnight after `until`."""
        if self.until is None:
            return None
        return datetime.combine(self.until + timedelta(days=1), time(), timezone.utc)

    def contains(self, when: datetime | None) -> bool:
        """Is this (known) date inside the window? An unknown date is not."""
        if when is None:
            return False
        when = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
        return (self.start is None or when >= self.start) and (self.end is None or when < self.end)

    def is_before(self, when: datetime | None) -> bool:
        """Is this known date earlier than the window's start?"""
        if when is None or self.start is None:
            return False
        when = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
        return when < self.start

    def may_hold(self, lastmod: datetime | None) -> bool:
        """Can a sitemap last changed at `lastmod` list URLs dated inside the window?"""
        return not self.is_before(lastmod)


@dataclass(frozen=True)
class SitemapEntry:
    """One <url> of a urlset (or one <sitemap> of an index)."""

    loc: str
    lastmod: datetime | None = None
    published_at: datetime | None = None  # news:publication_date (Google News sitemaps)
    title: str = ""  # news:title

    @property
    def date(self) -> datetime | None:
        """The date a backfill selects by: the publication date when given, else lastmod."""
        return self.published_at or self.lastmod


@dataclass(frozen=True)
class Sitemap:
    """A parsed sitemap document: its URLs, or (for an index) the sitemaps it lists."""

    url: str
    urls: tuple[SitemapEntry, ...] = ()
    sitemaps: tuple[SitemapEntry, ...] = ()
    truncated: bool = False  # more than MAX_ENTRIES entries: the rest was not read


@dataclass(frozen=True)
class SitemapSelection:
    """What a walk yields per sitemap document: the entries inside the window."""

    url: str
    entries: tuple[SitemapEntry, ...] = ()
    listed: int = 0  # URLs in the document
    undated: int = 0  # URLs without a (plausible) date: never selected
    children: int = 0  # sitemaps listed (index)
    error: str | None = None
    missing: bool = False  # 404/410 on a guessed well-known path: not an error


def parse_w3c_date(value: str | None) -> datetime | None:
    """A W3C datetime (YYYY, YYYY-MM, YYYY-MM-DD, with time and zone) in UTC; implausible or
    unreadable dates come back as None."""
    text = (value or "").strip()
    if not text:
        return None
    if YEAR_RE.match(text):
        text += "-01-01"
    elif MONTH_RE.match(text):
        text += "-01"
    try:
        parsed = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return None
    return plausible_date(parsed)


def parse_sitemap(body: bytes, url: str, max_entries: int = MAX_ENTRIES) -> Sitemap:
    """Parse a urlset or sitemapindex (gzipped or not). Raises SitemapError when the body is
    not a sitemap."""
    body = _gunzip(body)
    urls: list[SitemapEntry] = []
    children: list[SitemapEntry] = []
    root_name = None
    truncated = False
    try:
        for event, el in etree.iterparse(io.BytesIO(body), events=("start", "end"),
                                         resolve_entities=False, no_network=True,
                                         load_dtd=False, huge_tree=False, recover=True,
                                         remove_comments=True, remove_pis=True):
            name = _local(el)
            if event == "start":
                root_name = root_name or name
                continue
            if name not in ("url", "sitemap"):
                continue
            if len(urls) + len(children) >= max_entries:
                truncated = True
                break
            entry = _entry(el, url)
            if entry is not None:
                (urls if name == "url" else children).append(entry)
            _release(el)
    except etree.XMLSyntaxError as exc:
        if root_name is None:
            raise SitemapError(f"not a sitemap: {clean_text(str(exc), 200)}") from None
    if root_name not in ("urlset", "sitemapindex"):
        raise SitemapError(f"not a sitemap: root element is {root_name or 'missing'}")
    return Sitemap(url, tuple(urls), tuple(children), truncated)


def _gunzip(body: bytes) -> bytes:
    if not body.startswith(b"\x1f\x8b"):
        return body
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as fh:
            data = fh.read(MAX_SITEMAP_BYTES + 1)
    except (OSError, EOFError) as exc:
        raise SitemapError(f"bad gzip data: {exc}") from None
    if len(data) > MAX_SITEMAP_BYTES:
        raise SitemapError(f"sitemap over {MAX_SITEMAP_BYTES} bytes once decompressed")
    return data


def _local(el) -> str:
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def _entry(el, base: str) -> SitemapEntry | None:
    """The entry's own <loc> and <lastmod>, and its <news:news> publication date and title
    (image and video extensions have <loc>s and titles of their own: ignored)."""
    loc = lastmod = pub = title = None
    for child in el:
        name = _local(child)
        if name == "loc" and loc is None:
            loc = (child.text or "").strip()
        elif name == "lastmod":
            lastmod = child.text
        elif name == "news":
            for part in child:
                if _local(part) == "publication_date":
                    pub = part.text
                elif _local(part) == "title":
                    title = part.text
    if not loc:
        return None
    loc = urljoin(base, loc)
    if not is_fetchable(loc):
        return None
    return SitemapEntry(loc=loc, lastmod=parse_w3c_date(lastmod),
                        published_at=parse_w3c_date(pub), title=clean_text(title or "", 1000))


def _release(el) -> None:
    """Free what the incremental parser built so far (bounded memory on big sitemaps)."""
    el.clear()
    parent = el.getparent()
    if parent is not None:
        while el.getprevious() is not None:
            del parent[0]


def select(doc: Sitemap, window: DateWindow) -> SitemapSelection:
    """The entries of a document dated inside the window (unique by URL identity)."""
    chosen: dict[str, SitemapEntry] = {}
    undated = 0
    for entry in doc.urls:
        if entry.date is None:
            undated += 1
        elif window.contains(entry.date):
            chosen.setdefault(identity_key(canonical_url(entry.loc)), entry)
    return SitemapSelection(doc.url, tuple(chosen.values()), len(doc.urls), undated,
                            len(doc.sitemaps))


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


async def site_origins(fetcher: Fetcher, feed_url: str) -> list[str]:
    """Where an outlet's sitemaps may live: the feed's origin and the origin of the site the
    feed links to (feeds often live on a feeds.* host)."""
    origins = [origin_of(feed_url)]
    try:
        resp = await fetcher.get(feed_url, max_bytes=fetcher.settings.max_feed_bytes)
    except FetchError:
        return origins
    link = feedparser.parse(resp.body).feed.get("link") or ""
    if is_fetchable(link) and origin_of(link) not in origins:
        origins.append(origin_of(link))
    return origins


async def robots_sitemaps(fetcher: Fetcher, origin: str, trusted_host: str) -> list[str]:
    """The `Sitemap:` lines of an origin's robots.txt (none when it has no robots.txt)."""
    try:
        resp = await fetcher.get(f"{origin}/robots.txt", max_bytes=MAX_ROBOTS_BYTES,
                                 trusted_host=trusted_host)
    except FetchError:
        return []
    rules = Protego.parse(resp.body.decode("utf-8", errors="replace"))
    return [u for u in (urljoin(origin + "/", s.strip()) for s in rules.sitemaps) if is_fetchable(u)]


async def discover_sitemaps(fetcher: Fetcher, origins: Iterable[str], trusted_host: str
                            ) -> tuple[list[str], set[str]]:
    """Sitemap URLs to start from: robots.txt's `Sitemap:` lines, plus /sitemap.xml; when
    robots.txt lists none, the usual well-known paths. Returns (urls, guessed urls).
    Only trusted_host (the outlet's feed host) may be a non-public address."""
    found: list[str] = []
    guessed: set[str] = set()
    for origin in origins:
        listed = await robots_sitemaps(fetcher, origin, trusted_host)
        guesses = [origin + WELL_KNOWN[0]] if listed else [origin + p for p in WELL_KNOWN]
        for url in listed + guesses:
            if url not in found:
                found.append(url)
                if url not in listed:
                    guessed.add(url)
    return found, guessed


async def fetch_sitemap(fetcher: Fetcher, url: str, trusted_host: str) -> Sitemap:
    """GET and parse one sitemap; robots.txt is honoured; only the outlet's own host may be
    non-public. Raises FetchError or SitemapError."""
    resp = await fetcher.get(url, max_bytes=MAX_SITEMAP_BYTES, trusted_host=trusted_host,
                             check_robots=True)
    return parse_sitemap(resp.body, resp.final_url)


async def walk_sitemaps(fetcher: Fetcher, roots: Iterable[str], window: DateWindow,
                        trusted_host: str, guessed: set[str] | None = None,
                        max_sitemaps: int = MAX_SITEMAPS) -> AsyncIterator[SitemapSelection]:
    """Breadth-first over sitemaps and their indexes, one document at a time. Child sitemaps
    whose lastmod is older than the window are not fetched."""
    guessed = guessed or set()
    queue = deque((url, 0) for url in roots)
    seen: set[str] = set()
    while queue and len(seen) < max_sitemaps:
        url, depth = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        try:
            doc = await fetch_sitemap(fetcher, url, trusted_host)
        except (FetchError, SitemapError) as exc:
            missing = url in guessed and (getattr(exc, "status", None) in (404, 410)
                                          or isinstance(exc, SitemapError))
            yield SitemapSelection(url, error=str(exc), missing=missing)
            continue
        if depth < MAX_DEPTH:
            queue.extend((child.loc, depth + 1) for child in doc.sitemaps
                         if window.may_hold(child.lastmod))
        yield select(doc, window)
