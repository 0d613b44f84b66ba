"""Fetch feeds with conditional GET and a body hash; parse them leniently into FeedItems."""

from __future__ import annotations

import calendar
import hashlib
import html
import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone

import feedparser

from extractors.addresses import trusted_origin
from extractors.errors import FeedParseError, FetchError
from extractors.http import Fetcher
from extractors.text import clean_text, plausible_date
from extractors.types import Feed, FeedFetch, FeedItem, FeedState
from extractors.urls import canonical_url, identity_key, is_fetchable, strip_credentials

TAG_RE = re.compile(r"<[^>]+>")
# numeric character references feedparser would crash on: surrogates, beyond U+10FFFF
CHARREF_RE = re.compile(rb"&#([xX][0-9a-fA-F]+|[0-9]+)")
# entity declarations in the prolog; only short plain values are kept (no nesting, no
# parameter or external entities): billion laughs and quadratic blow-ups never reach expat
ROOT_RE = re.compile(rb"<[A-Za-z_]")
ENTITY_DECL_RE = re.compile(rb"""<!ENTITY\s+(%\s*)?[^\s>]+\s+("[^"]*"|'[^']*'|[^>]*)\s*>""")
SAFE_ENTITY_VALUE_RE = re.compile(rb"""^(?:"(?:&\#\w+;|[^&%"]{0,64})"|'(?:&\#\w+;|[^&%']{0,64})')$""")
MAX_TITLE = 1000
MAX_SUMMARY = 5000


@dataclass(frozen=True)
class ParsedFeed:
    """Items recovered from one feed body, plus what was dropped and why."""

    items: tuple[FeedItem, ...]
    warning: str | None = None  # feedparser's bozo message when items were still recovered
    skipped_links: int = 0  # entries without a usable http(s) link
    entries: int = 0


async def fetch_feed(fetcher: Fetcher, feed: Feed, state: FeedState | None = None) -> FeedFetch:
    """GET a feed, conditionally. Never raises for network trouble: errors come back as data."""
    state = state or FeedState()
    headers = {"Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, "
                         "text/xml;q=0.9, */*;q=0.5"}
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    started = time.monotonic()
    try:  # the feed's own host and port are trusted; a redirect elsewhere obeys the SSRF rule
        resp = await fetcher.get(feed.fetch_url, headers=headers, trusted_host=trusted_origin(feed.url),
                                 max_bytes=fetcher.settings.max_feed_bytes)
    except FetchError as exc:
        return FeedFetch(feed=feed, status="error", http_status=exc.status,
                         elapsed_s=time.monotonic() - started, error=_without_credentials(str(exc), feed),
                         error_kind=exc.kind, etag=state.etag,
                         last_modified=state.last_modified, body_hash=state.body_hash)
    if resp.status == 304:
        return FeedFetch(feed=feed, status="not_modified", http_status=304,
                         etag=resp.headers.get("etag", state.etag),
                         last_modified=resp.headers.get("last-modified", state.last_modified),
                         body_hash=state.body_hash, final_url=strip_credentials(resp.final_url),
                         elapsed_s=resp.elapsed_s)
    body_hash = hashlib.sha256(resp.body).hexdigest()
    status = "unchanged" if body_hash == state.body_hash else "ok"
    return FeedFetch(feed=feed, status=status, http_status=resp.status, body=resp.body,
                     content_type=resp.content_type, etag=resp.headers.get("etag"),
                     last_modified=resp.headers.get("last-modified"), body_hash=body_hash,
                     final_url=strip_credentials(resp.final_url), elapsed_s=resp.elapsed_s)


def _without_credentials(message: str, feed: Feed) -> str:
    """An error message never carries the feed's credentials (whatever the library wrote)."""
    if feed.credentials:
        message = message.replace(feed.credentials + "@", "").replace(feed.credentials, "***")
    return message


def parse_feed(fetch: FeedFetch) -> ParsedFeed:
    """Parse a fetched feed body into FeedItems (deduplicated by canonical URL).

    Lenient like a feed reader: a malformed feed whose items can be recovered yields them with
    a warning; only a body with nothing recoverable raises FeedParseError.
    """
    return parse_feed_bytes(fetch.body, fetch.feed, base_url=fetch.final_url or fetch.feed.url,
                            content_type=fetch.content_type)


def parse_feed_bytes(body: bytes, feed: Feed, base_url: str | None = None,
                     content_type: str | None = None, source: str = "feed") -> ParsedFeed:
    headers = {"content-location": base_url or feed.url}
    if content_type:
        headers["content-type"] = content_type
    try:
        parsed = feedparser.parse(_defuse_entities(_safe_charrefs(body)), response_headers=headers,
                                  sanitize_html=True, resolve_relative_uris=True)
    except Exception as exc:  # feedparser can raise on hostile input; never fail the run
        raise FeedParseError(f"feed parser failed: {type(exc).__name__}: {exc}"[:300]) from None
    if not parsed.entries:
        raise FeedParseError(_why_no_items(parsed, body))
    items: dict[str, FeedItem] = {}  # by identity: one item per page (scheme, slash ignored)
    skipped = 0
    for entry in parsed.entries:
        item = _item_from_entry(entry, feed, source)
        if item is None:
            skipped += 1
        else:
            items.setdefault(identity_key(item.canonical_url), item)
    if not items:
        raise FeedParseError(f"{len(parsed.entries)} entries but none with an http(s) link")
    warning = None
    if parsed.get("bozo"):
        warning = f"malformed feed, items recovered: {_bozo_message(parsed)}"
    return ParsedFeed(tuple(items.values()), warning, skipped, len(parsed.entries))


def _safe_charrefs(body: bytes) -> bytes:
    """Replace character references to surrogates or beyond U+10FFFF with U+FFFD."""
    if b"&#" not in body:
        return body

    def fix(match: re.Match) -> bytes:
        digits = match.group(1)
        try:
            value = int(digits[1:], 16) if digits[:1] in b"xX" else int(digits)
        except ValueError:
            return match.group(0)
        if 0xD800 <= value <= 0xDFFF or value > 0x10FFFF:
            return b"&#xFFFD"
        return match.group(0)

    return CHARREF_RE.sub(fix, body)


def _defuse_entities(body: bytes) -> bytes:
    """Drop entity declarations that could expand (nested, long, parameter, external)."""
    root = ROOT_RE.search(body)
    end = root.start() if root else len(body)
    head = body[:end]
    if b"<!ENTITY" not in head:
        return body

    def keep_safe(match: re.Match) -> bytes:
        safe = match.group(1) is None and SAFE_ENTITY_VALUE_RE.match(match.group(2).strip())
        return match.group(0) if safe else b""

    return ENTITY_DECL_RE.sub(keep_safe, head) + body[end:]


def _why_no_items(parsed, body: bytes) -> str:
    head = body[:2048].lstrip().lower()
    if not body.strip():
        return "empty response body"
    if b"<html" in head or head.startswith(b"<!doctype html"):
        return "not a feed: got an HTML page"
    if parsed.get("version"):
        note = f" ({_bozo_message(parsed)})" if parsed.get("bozo") else ""
        return f"feed ({parsed.version}) has no entries{note}"
    if parsed.get("bozo"):
        return f"not a feed: {_bozo_message(parsed)}"
    return "not a feed: no RSS or Atom structure found"


def _bozo_message(parsed) -> str:
    exc = parsed.get("bozo_exception")
    text = str(exc) if exc else "unknown problem"
    return clean_text(f"{type(exc).__name__}: {text}" if exc else text, 300)


def _item_from_entry(entry, feed: Feed, source: str) -> FeedItem | None:
    link = (entry.get("link") or "").strip()
    guid = entry.get("id") or entry.get("guid")
    if not link and guid and str(guid).startswith(("http://", "https://")):
        link = str(guid)
    if not link or not is_fetchable(link):
        return None
    return FeedItem(
        feed=feed.name,
        outlet=feed.outlet,
        url=strip_credentials(link),  # fetched and stored without credentials
        canonical_url=canonical_url(link),
        guid=clean_text(str(guid), 2000) if guid else None,
        title=clean_text(html_to_text(entry.get("title", "")), MAX_TITLE),
        summary=clean_text(html_to_text(entry.get("summary", "")), MAX_SUMMARY),
        author=entry_author(entry),
        published_at=entry_date(entry),
        language=feed.language,
        source=source,
    )


def entry_author(entry) -> str | None:
    """The author's name: feedparser's parsed name first (the raw string may carry an email)."""
    detail = entry.get("author_detail") or {}
    name = detail.get("name") or entry.get("author") or ""
    return clean_text(html_to_text(name), 300) or None


def entry_date(entry) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                return plausible_date(datetime.fromtimestamp(calendar.timegm(value), tz=timezone.utc))
            except (OverflowError, ValueError, OSError):
                return None
    return None


def html_to_text(value: str) -> str:
    return html.unescape(TAG_RE.sub(" ", value or ""))
