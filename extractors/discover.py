"""Find and check one feed for `workwatch feeds add` and `feeds test` (issue 18).

Given a URL, the feed is the URL itself when it parses as RSS/Atom; otherwise the URL is a
page (a site's homepage) whose `<link rel="alternate" type="application/rss+xml">` (or
atom+xml) names the feed. Everything is fetched with the project's polite fetcher
(extractors/http.py): robots.txt for pages, size caps, the SSRF rule. The URL the user typed
is trusted like a configured feed (its own host and port may be private, e.g. a feed on the
intranet); links found in it obey the usual rule.

Nothing here writes anything: appending to feeds.toml is `append_feed` (text append of one
[[feeds]] table, checked with parse_config before a temporary file is renamed over it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from extractors.addresses import trusted_origin
from extractors.config import parse_config
from extractors.errors import ConfigError, FeedParseError, FetchError, WorkwatchError
from extractors.feeds import ParsedFeed, parse_feed_bytes
from extractors.http import Fetcher
from extractors.settings import FetchSettings
from extractors.types import Feed

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+xml",
              "application/rdf+xml", "application/xml", "text/xml")
MAX_CANDIDATES = 5  # feed links tried from one page


class DiscoveryError(WorkwatchError):
    """The URL is not a feed and names none, or the feed it names does not parse."""


@dataclass(frozen=True)
class FoundFeed:
    url: str                 # the feed's URL (what feeds.toml gets)
    title: str | None        # the feed's own title
    site_name: str | None    # the page's og:site_name, when found via a page
    parsed: ParsedFeed       # its items, parsed once (the validation)
    via_page: str | None     # the page it was discovered on, if any

    @property
    def host(self) -> str:
        return (urlsplit(self.url).hostname or "").lower().removeprefix("www.")


class _LinkFinder(HTMLParser):
    """<link rel=alternate type=rss/atom href> and og:site_name of a page's head."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.feeds: list[tuple[str, str | None]] = []  # (href, title)
        self.site_name: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "link":
            rels = a.get("rel", "").lower().split()
            kind = a.get("type", "").lower().split(";")[0].strip()
            if "alternate" in rels and kind in FEED_TYPES[:4] and a.get("href"):
                self.feeds.append((a["href"].strip(), a.get("title") or None))
        elif tag == "meta" and a.get("property", "").lower() == "og:site_name" and a.get("content"):
            self.site_name = self.site_name or a["content"].strip()


def feed_links(html: bytes | str, base_url: str) -> tuple[list[tuple[str, str | None]], str | None]:
    """The page's feed links (absolute, in page order, http(s) only) and its site name."""
    text = html.decode("utf-8", "replace") if isinstance(html, bytes) else html
    finder = _LinkFinder()
    try:
        finder.feed(text[:2_000_000])
        finder.close()
    except Exception:  # html.parser is lenient; a hostile page still never crashes `feeds add`
        pass
    links, seen = [], set()
    for href, title in finder.feeds:
        url = urljoin(base_url, href)
        if urlsplit(url).scheme in ("http", "https") and url not in seen:
            seen.add(url)
            links.append((url, title))
    # og:site_name only: a homepage's <title> is rarely the outlet's name ("Technology |
    # The Guardian"); without it the feed's title, then the host, name the outlet
    name = re.sub(r"\s+", " ", finder.site_name or "").strip() or None
    return links, (name[:200] if name else None)


def _looks_like_feed(body: bytes, content_type: str | None) -> bool:
    kind = (content_type or "").lower().split(";")[0].strip()
    if kind in FEED_TYPES:
        return True
    head = body[:2000].lstrip().lower()
    return head.startswith(b"<?xml") or head.startswith(b"<rss") or head.startswith(b"<feed")


FEED_ACCEPT = ("application/rss+xml, application/atom+xml, application/xml;q=0.9, "
               "text/xml;q=0.9, text/html;q=0.8, */*;q=0.5")


async def _get(fetcher: Fetcher, url: str):
    try:  # the typed URL (and a feed on its host) is trusted like a configured feed
        return await fetcher.get(url, trusted_host=trusted_origin(url), headers={"Accept": FEED_ACCEPT},
                                 max_bytes=fetcher.settings.max_feed_bytes)
    except FetchError as exc:
        raise DiscoveryError(f"{url}: {exc}") from None


def _parse(url: str, resp) -> ParsedFeed:
    feed = Feed(name="candidate", url=url, outlet="candidate")
    try:
        return parse_feed_bytes(resp.body, feed, base_url=resp.final_url or url,
                                content_type=resp.content_type)
    except FeedParseError as exc:
        raise DiscoveryError(f"{url}: not a usable feed: {exc}") from None


async def discover(url: str, settings: FetchSettings | None = None) -> FoundFeed:
    """The feed at `url`, or the first working feed its page links to (each fetched once).
    Raises DiscoveryError."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DiscoveryError(f"{url!r} is not an http(s) URL")
    async with Fetcher(settings or FetchSettings()) as fetcher:
        resp = await _get(fetcher, url)
        not_a_feed = None
        if _looks_like_feed(resp.body, resp.content_type):
            try:
                return FoundFeed(url, feed_title_of(resp.body), None, _parse(url, resp), None)
            except DiscoveryError as exc:  # XHTML starts with <?xml too: look for links
                not_a_feed = exc
        links, site_name = feed_links(resp.body, resp.final_url or url)
        if not links and not_a_feed is not None:
            raise not_a_feed
        if not links:
            raise DiscoveryError(
                f"{url}: neither a feed nor a page that names one (no <link rel=\"alternate\" "
                "type=\"application/rss+xml\"> or atom+xml); give the feed's own URL")
        problems = []
        for link, _title in links[:MAX_CANDIDATES]:
            try:
                feed_resp = await _get(fetcher, link)
                parsed = _parse(link, feed_resp)
            except DiscoveryError as exc:
                problems.append(str(exc))
                continue
            return FoundFeed(link, feed_title_of(feed_resp.body), site_name, parsed, url)
        raise DiscoveryError(f"{url} names {len(links)} feed(s), none usable: "
                             f"{'; '.join(problems)}"[:600])


def feed_title_of(body: bytes) -> str | None:
    """The feed's own title (channel/title or feed/title), if any."""
    import feedparser

    try:
        title = feedparser.parse(body[:2_000_000]).feed.get("title")
    except Exception:
        return None
    title = re.sub(r"\s+", " ", title or "").strip()
    return title[:200] or None


# ------------------------------------------------------------------ feeds.toml


def url_key(url: str) -> str:
    """Two spellings of one feed URL compare equal (scheme/host case, trailing slash)."""
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{(parts.netloc or '').lower()}{parts.path.rstrip('/')}" + \
        (f"?{parts.query}" if parts.query else "")


def suggest_name(found: FoundFeed, taken: set[str]) -> str:
    """A feed name from the site's host ("theguardian.com"), made unique."""
    base = re.sub(r"[^a-z0-9._-]+", "-", found.host).strip("-._")[:60] or "feed"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    return name


def toml_string(value: str) -> str:
    """A TOML basic string (JSON's escapes are valid TOML ones)."""
    import json

    return json.dumps(value, ensure_ascii=False)


def feed_block(name: str, url: str, outlet: str, note: str | None = None) -> str:
    comment = f"# {note}\n" if note else ""
    return (f"{comment}[[feeds]]\nname = {toml_string(name)}\nurl = {toml_string(url)}\n"
            f"outlet = {toml_string(outlet)}\n")


def appended(text: str, block: str) -> str:
    """The file's text with one more [[feeds]] table at the end; nothing above it changes."""
    if not text:
        return block
    return text + ("" if text.endswith("\n") else "\n") + "\n" + block


def append_feed(path: str | Path, block: str) -> None:
    """Append a [[feeds]] table to feeds.toml without reformatting it: the new text must load
    (parse_config) before it replaces the file (temporary file + rename, mode kept)."""
    import os
    import tempfile

    path = Path(path)
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    new_text = appended(text, block)
    parse_config(new_text, str(path))  # raises ConfigError naming the line; nothing written
    mode = path.stat().st_mode & 0o7777 if path.exists() else None
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(new_text)
        if mode is not None:
            os.chmod(tmp, mode)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def added_note() -> str:
    return f"added by `workwatch feeds add` on {datetime.now(timezone.utc):%Y-%m-%d}"


__all__ = ["DiscoveryError", "FoundFeed", "discover", "feed_links", "append_feed", "feed_block",
           "suggest_name", "url_key", "ConfigError"]
