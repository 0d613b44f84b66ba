"""robots.txt, fetched once per origin per run and honoured for article pages (RFC 9309).

An unreachable robots.txt (5xx, 429, timeout) means "complete disallow" for this run; the pages
fail with a transient error so that the next run tries them again."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from protego import Protego

from extractors.errors import (FetchError, RobotsDisallowedError, RobotsUnavailableError,
                               TransientFetchError)

if TYPE_CHECKING:
    from extractors.http import Fetcher

MAX_ROBOTS_BYTES = 512 * 1024
MAX_CRAWL_DELAY_S = 10.0


class RobotsCache:
    def __init__(self, fetcher: "Fetcher"):
        self._fetcher = fetcher
        self._rules: dict[str, Protego | None] = {}
        self._disallow_all: set[str] = set()
        self._locks: dict[str, asyncio.Lock] = {}

    async def check(self, url: str, trusted_host: str | None = None) -> None:
        """Raise unless robots.txt lets workwatch fetch url. trusted_host: as in Fetcher.get,
        so that robots.txt and its redirects obey the same SSRF rule as the page."""
        if not self._fetcher.settings.respect_robots:
            return
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}".lower()
        if parts.path == "/robots.txt":
            return
        lock = self._locks.setdefault(origin, asyncio.Lock())
        async with lock:
            if origin not in self._rules:
                await self._load(origin, trusted_host)
        if origin in self._disallow_all:
            raise RobotsUnavailableError(
                "robots.txt could not be read (server error or timeout): not fetching this run", url)
        rules = self._rules[origin]
        if rules is not None and not rules.can_fetch(url, "workwatch"):
            raise RobotsDisallowedError("robots.txt disallows this page", url)

    async def _load(self, origin: str, trusted_host: str | None) -> None:
        try:
            resp = await self._fetcher.get(f"{origin}/robots.txt", max_bytes=MAX_ROBOTS_BYTES,
                                           check_robots=False, trusted_host=trusted_host)
        except TransientFetchError:
            # RFC 9309: unreachable or 5xx means "assume complete disallow" (and 429 too).
            self._disallow_all.add(origin)
            self._rules[origin] = None
            return
        except FetchError:
            self._rules[origin] = None  # 4xx: no robots.txt, everything allowed
            return
        text = resp.body.decode("utf-8", errors="replace")
        try:
            rules = Protego.parse(text)
        except Exception:  # a robots.txt protego cannot read is as good as none
            self._rules[origin] = None
            return
        self._rules[origin] = rules
        delay = rules.crawl_delay("workwatch")
        if delay:
            self._fetcher.gate(origin).delay_s = max(self._fetcher.gate(origin).delay_s,
                                                     min(float(delay), MAX_CRAWL_DELAY_S))
