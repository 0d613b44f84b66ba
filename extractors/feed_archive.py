"""Paged feed archives (WordPress-style `?paged=N`): page back until items predate the window.

Page 1 is the feed itself; page N adds `paged=N` to its query. The walk stops on a 404 (or
any fetch error), a page without items, a page identical to one already seen (servers that
ignore `paged`), a page whose dated items are all older than the window, or MAX_PAGES.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import AsyncIterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from extractors.errors import FeedParseError, FetchError
from extractors.feeds import parse_feed_bytes
from extractors.http import Fetcher
from extractors.sitemaps import DateWindow
from extractors.types import Feed, FeedItem

MAX_PAGES = 1_000


@dataclass(frozen=True)
class ArchivePage:
    """One page of a feed's archive: its items inside the window, and why the walk stops."""

    url: str
    number: int
    items: tuple[FeedItem, ...] = ()
    listed: int = 0  # items on the page
    undated: int = 0  # items without a (plausible) date: never selected
    stop: str | None = None  # set on the last page: why the walk ends there
    error: str | None = None


def page_url(feed_url: str, number: int) -> str:
    """The URL of archive page `number` (1 = the feed itself)."""
    if number <= 1:
        return feed_url
    parts = urlsplit(feed_url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "paged"]
    query.append(("paged", str(number)))
    return urlunsplit(parts._replace(query=urlencode(query)))


async def walk_feed_archive(fetcher: Fetcher, feed: Feed, window: DateWindow,
                            max_pages: int = MAX_PAGES) -> AsyncIterator[ArchivePage]:
    """Yield the archive's pages newest first, each with its items dated inside the window."""
    seen: set[str] = set()
    for number in range(1, max_pages + 1):
        url = page_url(feed.url, number)
        try:
            resp = await fetcher.get(url, max_bytes=fetcher.settings.max_feed_bytes)
            parsed = parse_feed_bytes(resp.body, feed, base_url=resp.final_url,
                                      content_type=resp.content_type, source="archive")
        except FetchError as exc:
            first = number == 1 or exc.status not in (404, 410)
            yield ArchivePage(url, number, stop="end of archive" if not first else "fetch error",
                              error=str(exc) if first else None)
            return
        except FeedParseError as exc:
            yield ArchivePage(url, number, stop="page without items",
                              error=str(exc) if number == 1 else None)
            return
        fingerprint = hashlib.sha256("\n".join(sorted(i.canonical_url for i in parsed.items))
                                     .encode()).hexdigest()
        if fingerprint in seen:
            yield ArchivePage(url, number, stop="page repeats an earlier one")
            return
        seen.add(fingerprint)
        dated = [i.published_at for i in parsed.items if i.published_at is not None]
        chosen = tuple(i for i in parsed.items if window.contains(i.published_at))
        older = bool(dated) and all(window.is_before(d) for d in dated)
        yield ArchivePage(url, number, chosen, len(parsed.items),
                          len(parsed.items) - len(dated),
                          stop="items older than the window" if older else None)
        if older:
            return
