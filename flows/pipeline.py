"""The ingestion logic as plain functions; flows/ingest.py only orchestrates them.

feeds -> fetch (async, polite) -> parse -> new items only -> per batch: fetch pages, archive
raw HTML (WARC), extract + classify in a process pool, load in one transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import threading
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import AsyncIterator, Awaitable, Callable, Sequence
from urllib.parse import urlsplit

from classifiers.base import DEFAULT as DEFAULT_CLASSIFIER
from extractors.addresses import trusted_origin
from extractors.archive import WarcArchive, archive_dir
from extractors.errors import FeedParseError
from extractors.extract import DEFAULT_EXTRACT, ExtractSettings
from extractors.feeds import fetch_feed, parse_feed
from extractors.health import after_failure, after_success
from extractors.http import Fetcher
from extractors.pages import fetch_page_chunks
from extractors.settings import FetchSettings
from extractors.types import (Article, ArticleError, Classification, Feed, FeedFetch, FeedItem,
                              Page)
from flows.extraction import extract_and_classify, warm_up_worker
from flows.progress import reporter
from warehouse.db import read_connection, use_one_thread, write_connection
from warehouse.load import load_batch
from warehouse.runs import FeedResult, StoredFeed
from warehouse.skips import unique_by_identity, unseen_items


@dataclass
class Runtime:
    """Resources shared by one run's tasks (not a stage boundary: it holds live objects)."""

    run_id: str
    db_path: Path
    data_dir: Path
    fetcher: Fetcher
    pool: Executor
    archive: WarcArchive
    classifier_name: str = DEFAULT_CLASSIFIER
    extract: ExtractSettings = DEFAULT_EXTRACT
    batch_size: int = 100
    workers: int = 2
    write_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # feed name -> its "host:port" (SSRF rule: a link may be non-public only there)
    feed_hosts: dict[str, str] = field(default_factory=dict)
    # When set (a Dask cluster through Prefect's task runner), extraction chunks go there
    # instead of the local process pool: chunk -> (articles, classifications, errors).
    remote_extract: Callable[[list[Page]], Awaitable[tuple]] | None = None
    # items shown done on the "articles" progress bar by process_batch (page by page)
    progress_shown: int = 0

    def trust_feeds(self, feeds: Sequence[Feed]) -> None:
        self.feed_hosts.update({f.name: trusted_origin(f.url) for f in feeds})


@dataclass(frozen=True)
class FeedOutcome:
    """One feed's fetch and parse."""

    fetch: FeedFetch
    items: tuple[FeedItem, ...] = ()
    warning: str | None = None
    parse_error: str | None = None
    skipped_links: int = 0  # entries without an http(s) link (javascript:, mailto: ...)

    @property
    def failed(self) -> bool:
        return self.fetch.status == "error" or self.parse_error is not None


@dataclass(frozen=True)
class BatchResult:
    attempted: int
    new_articles: int
    ai_work: int
    errors: tuple[ArticleError, ...] = ()
    dropped: int = 0  # extracted but not loaded: rejected by process_batch's `settle`


def default_workers() -> int:
    return max(1, min(8, os.cpu_count() or 1))


def make_pool(workers: int) -> ProcessPoolExecutor:
    """Extraction processes, started from a clean fork server (never fork a threaded process),
    warmed up at once so that start-up overlaps with fetching the feeds."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["flows.worker_preload"])
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
    for _ in range(workers):
        pool.submit(warm_up_worker)
    return pool


class LazyPool(Executor):
    """The extraction pool, started only when a run has something to extract.

    Starting the fork server and warming the workers costs 1-2 s of CPU and blocks the
    caller while the fork server imports: `start()` does it in a thread, as soon as a feed
    has a new body, so that it overlaps fetching; a run where every feed answers 304 never
    pays for it."""

    def __init__(self, workers: int):
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._create, daemon=True,
                                                name="workwatch-pool-start")
                self._thread.start()

    def _create(self) -> None:
        try:
            self._pool = make_pool(self.workers)
        except BaseException as exc:  # surfaces on the first submit
            self._error = exc

    async def ready(self) -> None:
        """Wait for the processes without blocking the event loop."""
        self.start()
        if self._thread.is_alive():
            await asyncio.to_thread(self._thread.join)

    def submit(self, fn, /, *args, **kwargs):
        self.start()
        self._thread.join()
        if self._pool is None:
            raise RuntimeError(f"the extraction pool did not start: {self._error}")
        return self._pool.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if self._thread is not None:
            self._thread.join()
        if self._pool is not None:
            self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)


NEWS_LIKELY_AFTER = timedelta(hours=1)


def news_likely(feeds: Sequence[Feed], stored: dict[str, StoredFeed], now: datetime) -> bool:
    """Whether some of these feeds very likely have new items: never fetched successfully, or
    not for an hour. Then the run starts its extraction pool at once instead of on the first
    new feed body (~0.3 s earlier); a run right after another, whose feeds answer 304, still
    never starts it."""
    for feed in feeds:
        last_ok = stored[feed.name].last_ok_at if feed.name in stored else None
        if last_ok is None or now - last_ok.replace(tzinfo=timezone.utc) > NEWS_LIKELY_AFTER:
            return True
    return False


def start_pool(rt: "Runtime") -> None:
    """Start the run's extraction processes now, in the background, if they start lazily."""
    if rt.remote_extract is None and isinstance(rt.pool, LazyPool):
        rt.pool.start()


@contextlib.asynccontextmanager
async def open_runtime(run_id: str, db_path: Path, data_dir: Path, settings: FetchSettings,
                       workers: int | None = None, batch_size: int = 100,
                       pool: Executor | None = None) -> AsyncIterator[Runtime]:
    workers = workers or default_workers()
    own_pool = pool is None
    pool = pool or LazyPool(workers)
    try:
        async with Fetcher(settings) as fetcher:
            yield Runtime(run_id=run_id, db_path=db_path, data_dir=data_dir, fetcher=fetcher,
                          pool=pool, archive=WarcArchive(archive_dir(db_path, data_dir), run_id),
                          batch_size=batch_size, workers=workers)
    finally:
        if own_pool:
            pool.shutdown(wait=True, cancel_futures=True)


async def fetch_and_parse_feed(rt: Runtime, feed: Feed, stored: StoredFeed | None) -> FeedOutcome:
    """Fetch one feed (conditionally) and parse it. Never raises for a bad feed."""
    fetch = await fetch_feed(rt.fetcher, feed, stored.state if stored else None)
    reporter().advance("feeds")
    if fetch.status != "ok":
        return FeedOutcome(fetch)
    start_pool(rt)  # a new feed body: new articles are likely
    try:  # in a thread: a big hostile feed must not stall every other request's clock
        parsed = await asyncio.to_thread(parse_feed, fetch)
    except FeedParseError as exc:
        return FeedOutcome(fetch, parse_error=str(exc))
    except Exception as exc:  # one broken feed never fails the run
        return FeedOutcome(fetch, parse_error=f"unexpected parse failure: {type(exc).__name__}: {exc}")
    return FeedOutcome(fetch, parsed.items, parsed.warning, skipped_links=parsed.skipped_links)


def select_new_items(db_path: Path, outcomes: Sequence[FeedOutcome],
                     retry_days: float = FetchSettings.hard_failure_retry_days) -> list[FeedItem]:
    """Items of all feeds, one per URL identity, minus those already stored (under any
    variant of their URL) and those not to fetch again yet (warehouse/skips.py).

    retry_days: [fetch] hard_failure_retry_days of the run's configuration."""
    items = [item for outcome in outcomes for item in outcome.items]
    if not db_path.exists():
        return unique_by_identity(items)
    with read_connection(db_path) as con:
        return unseen_items(con, items, retry_days=retry_days)


def batches(items: Sequence, size: int) -> list[list]:
    return [list(items[i:i + size]) for i in range(0, len(items), size)]


def spread_by_host(items: Sequence[FeedItem]) -> list[FeedItem]:
    """Items in round-robin order over their hosts, each host's items in their own order.

    A batch of one outlet's 100 items waits on that host's gate (4 at a time, 0.25 s
    apart: 25 s); spread over many hosts, its pages arrive in about one round trip."""
    by_host: dict[str, list[FeedItem]] = {}
    for item in items:
        by_host.setdefault(urlsplit(item.url).netloc.lower(), []).append(item)
    queues = list(by_host.values())
    return [q[i] for i in range(max(map(len, queues), default=0)) for q in queues if i < len(q)]


async def process_batch(rt: Runtime, items: Sequence[FeedItem],
                        settle: Callable[[Article], Article | None] | None = None) -> BatchResult:
    """Fetch, archive, extract, classify and load one batch of new items.

    Pages go on to the extraction workers in small chunks as they arrive; the batch is
    loaded in one transaction once all of it is extracted.

    settle: when given, each extracted article goes through it before loading and is dropped
    when it returns None (a backfill settles dates and keeps only its date range)."""
    errors: list[ArticleError] = []
    extracting: list[asyncio.Task] = []
    shown = [0]  # the progress bar advances as each page is fetched (a backfill's bar sat
                 # at 0/28 while the batch's pages were fetched, then jumped to 28/28)

    def page_done() -> None:
        shown[0] += 1
        rt.progress_shown += 1
        reporter().advance("articles")

    chunks = fetch_page_chunks(rt.fetcher, items, rt.feed_hosts, chunk_size(rt), page_done)
    try:
        async with contextlib.aclosing(chunks):  # on an error, stop the page fetches at once
            async for pages, fetch_errors in chunks:
                errors += fetch_errors
                if pages:
                    pages = await asyncio.to_thread(rt.archive.write, pages)
                    extracting.append(asyncio.ensure_future(_extract_chunk(rt, pages)))
        extracted = await asyncio.gather(*extracting)
    except BaseException:  # the archive failed (disk full?) or the run is cancelled
        for task in extracting:
            task.cancel()
        raise
    articles, classifications = [], []
    for chunk_articles, chunk_classifications, chunk_errors in extracted:
        articles += chunk_articles
        classifications += chunk_classifications
        errors += chunk_errors
    dropped = 0
    if settle is not None:
        settled = [s for s in map(settle, articles) if s is not None]
        kept = {a.article_id for a in settled}
        dropped = len(articles) - len(settled)
        articles = settled
        classifications = [c for c in classifications if c.item_id in kept]
    async with rt.write_lock:
        new = await asyncio.to_thread(_load, rt, articles, classifications, errors)
    rt.progress_shown += len(items) - shown[0]
    reporter().advance("articles", len(items) - shown[0])
    ai_work = sum(1 for c in classifications if c.is_ai_work)
    return BatchResult(len(items), new, ai_work, tuple(errors), dropped)


def chunk_size(rt: Runtime) -> int:
    """Pages per extraction call: a quarter of a batch per worker (25 for batches of 100 on
    2 workers), so that workers start on a batch while the rest of it is still arriving."""
    return max(5, -(-rt.batch_size // (2 * rt.workers)))


async def _extract_chunk(rt: Runtime, pages: list[Page]
                         ) -> tuple[list[Article], list[Classification], list[ArticleError]]:
    """Extract and classify a chunk of pages in the pool (or on Dask). A crashed worker fails
    its chunk, never the run: its pages come back as transient errors."""
    try:
        if rt.remote_extract is not None:
            return await rt.remote_extract(pages)
        if isinstance(rt.pool, LazyPool):
            await rt.pool.ready()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(rt.pool, extract_and_classify, pages,
                                          rt.classifier_name, rt.extract)
    except Exception as exc:
        return [], [], [_chunk_error(p, exc) for p in pages]


def _chunk_error(page: Page, exc: BaseException) -> ArticleError:
    """Transient: the next run tries the page again."""
    return ArticleError(page.item.article_id, page.item.url, page.item.feed, "extract",
                        "transient", "extractor_crashed",
                        f"extraction worker failed: {type(exc).__name__}: {exc}"[:500])


def _load(rt: Runtime, articles, classifications, errors) -> int:
    with write_connection(rt.db_path) as con:
        use_one_thread(con)  # the cores belong to the extraction workers
        return load_batch(con, rt.run_id, articles, classifications, errors)


def feed_results(outcomes: Sequence[FeedOutcome], new_by_feed: dict[str, int],
                 incomplete_feeds: set[str], stored: dict[str, StoredFeed],
                 now: datetime) -> list[FeedResult]:
    """Per feed: the feed_fetches row and the new state.

    A feed's validators (ETag, Last-Modified, body hash) are kept only once all its new items
    were processed: if a page failed for a transient reason, the next run parses it again.
    """
    results = []
    for o in outcomes:
        f, prev = o.fetch, stored.get(o.fetch.feed.name)
        prev_state = prev.state if prev else None
        score = prev_state.error_score if prev_state else 0.0
        failures = prev_state.consecutive_failures if prev_state else 0
        if o.failed:
            kind = f.error_kind if f.status == "error" else "hard"
            health = after_failure(score, failures, kind, now)
            error = f.error or o.parse_error
        else:
            health = after_success(score, now)
            error = None
        keep_old = o.failed or f.feed.name in incomplete_feeds
        results.append(FeedResult(
            feed=f.feed.name, url=f.feed.url, status="error" if o.failed else f.status,
            fetched_at=now, http_status=f.http_status, bytes=len(f.body), items=len(o.items),
            new_items=new_by_feed.get(f.feed.name, 0), elapsed_ms=round(f.elapsed_s * 1000, 1),
            error=error, warning=_warning(o),
            etag=(prev_state.etag if prev_state else None) if keep_old else f.etag,
            last_modified=(prev_state.last_modified if prev_state else None) if keep_old else f.last_modified,
            body_hash=(prev_state.body_hash if prev_state else None) if keep_old else f.body_hash,
            ok=not o.failed, error_score=health.error_score,
            consecutive_failures=health.consecutive_failures, next_check_at=health.next_check_at))
    return results


def _warning(o: FeedOutcome) -> str | None:
    """The feed fetch's warning: a malformed-but-recovered feed, links that were skipped."""
    notes = [o.warning] if o.warning else []
    if o.skipped_links:
        notes.append(f"{o.skipped_links} entries skipped: no http(s) link "
                     "(javascript:, data:, file:, mailto: or none)")
    return "; ".join(notes) or None


def skipped_result(feed: Feed, stored: StoredFeed, now: datetime) -> FeedResult:
    return FeedResult(feed=feed.name, url=feed.url, status="skipped", fetched_at=now,
                      error=f"backing off after {stored.state.consecutive_failures} failures; "
                            f"next check {stored.next_check_at:%Y-%m-%d %H:%M} UTC")


def utc_now() -> datetime:
    return datetime.now(timezone.utc)
