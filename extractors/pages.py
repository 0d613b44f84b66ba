"""Fetch article pages for feed items, politely and concurrently."""

from __future__ import annotations

import asyncio
from typing import AsyncIterator, Callable, Sequence
from urllib.parse import urlsplit

from extractors.errors import FetchError, FetchTimeoutError
from extractors.http import Fetcher
from extractors.types import ArticleError, FeedItem, Page


async def fetch_page(fetcher: Fetcher, item: FeedItem, trusted_host: str | None) -> Page:
    """Fetch one article page (robots.txt honoured, HTML only). Raises FetchError."""
    resp = await fetcher.get(item.url, trusted_host=trusted_host, check_robots=True,
                             html_only=True, max_bytes=fetcher.settings.max_page_bytes)
    return Page(item=item, final_url=resp.final_url, http_status=resp.status, html=resp.body,
                content_type=resp.content_type, fetched_at=resp.fetched_at,
                gzip_body=resp.gzip_body)


async def fetch_page_chunks(fetcher: Fetcher, items: Sequence[FeedItem],
                            feed_hosts: dict[str, str], size: int,
                            on_page: Callable[[], None] | None = None
                            ) -> AsyncIterator[tuple[list[Page], list[ArticleError]]]:
    """Fetch many pages at once (the fetcher's per-host gates keep it polite) and hand them on
    in chunks of `size` pages as they arrive, with the errors met so far, so that extraction
    can start before the slowest page of a batch is in. A page that fails is an error record,
    never an exception.

    feed_hosts maps a feed name to its "host:port" (addresses.trusted_origin of the feed URL):
    a link may be non-public only there. on_page, when given, is called as each page is done
    (fetched or failed): a progress display advances page by page, not chunk by chunk.
    """
    tasks = [asyncio.ensure_future(fetch_page_or_error(fetcher, item, feed_hosts))
             for item in items]
    pages: list[Page] = []
    errors: list[ArticleError] = []
    try:
        for next_done in asyncio.as_completed(tasks):
            result = await next_done
            if on_page is not None:
                on_page()
            if isinstance(result, Page):
                pages.append(result)
            else:
                errors.append(result)
            if len(pages) >= size:
                yield pages, errors
                pages, errors = [], []
        if pages or errors:
            yield pages, errors
    finally:
        for task in tasks:
            task.cancel()


async def fetch_page_or_error(fetcher: Fetcher, item: FeedItem,
                             feed_hosts: dict[str, str]) -> Page | ArticleError:
    """The page, or an error record (`timed_out` set when it ran out of time)."""
    try:
        return await fetch_page(fetcher, item, feed_hosts.get(item.feed, ""))
    except FetchError as exc:
        return ArticleError(item.article_id, item.url, item.feed, "fetch", exc.kind, exc.reason,
                            str(exc), timed_out=isinstance(exc, FetchTimeoutError))
    except Exception as exc:  # one broken page never fails the batch; retried next run
        return ArticleError(item.article_id, item.url, item.feed, "fetch", "transient",
                            "unexpected", f"unexpected error: {type(exc).__name__}: {exc}"[:500])


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()
