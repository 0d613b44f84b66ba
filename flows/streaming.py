"""The streaming ingest: a feed's new items go to page fetching as soon as that feed is parsed,
and batches commit by size or by age, so that no feed or host waits for another.

    feeds (all at once) ─► parsed feed ─► new items (one DB probe for whatever is parsed)
      ─► per-host queues (a few workers each, behind the fetcher's host gates)
      ─► results gathered into the open batch; pages go on to the extraction pool in chunks
      ─► the batch is sealed when it holds `batch_size` results or its oldest result is
         `batch_interval_s` old ─► one Prefect task per batch: wait for its chunks, load it in
         one transaction.

Limits, all recorded as *deferred* (an `article_errors` row of kind "deferred" with a reason:
`slow_host`, `run_deadline`, `interrupted`): such an item is not stored, and its feed keeps
its old validators (ETag, Last-Modified, body hash), so the next run parses the feed again
and picks the item up. Nothing is marked as seen that was not loaded.

- A host whose pages time out `host_max_timeouts` times in a row gets no more requests this
  run: each slow page costs a whole request deadline, and twenty of them on one host would
  otherwise cost twenty deadlines divided by the host's concurrency, every run.
- The run deadline (`run_deadline_s`, `--deadline`): a little before it (the reserve) the run
  stops taking work: feeds not yet answered and pages not yet fetched are deferred, what is
  fetched is extracted and committed; at the deadline itself whatever extraction is still
  running is abandoned (its pages deferred) and the batches are loaded as they are.
- SIGINT/SIGTERM during the run: the same as reaching the deadline, with 10 s of
  grace; a second signal abandons the extraction at once. The run is recorded
  `interrupted`; the flow returns normally with `interrupted` set in its summary.

A crash at any point keeps every batch committed before it (each is one DuckDB transaction)
and a re-run changes nothing for them (articles are keyed by canonical URL).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Awaitable, Callable, Iterator, Sequence
from urllib.parse import urlsplit

from extractors.pages import fetch_page_or_error
from extractors.types import ArticleError, Feed, FeedItem, Page
from flows import pipeline
from flows.pipeline import BatchResult, FeedOutcome, Runtime
from flows.progress import reporter
from extractors.urls import identity_key
from warehouse.db import read_connection
from warehouse.skips import past_timeouts, skipped_ids

BATCHES_IN_FLIGHT = 3  # fetched-but-not-loaded results are capped at this many batches
SIGNAL_GRACE_S = 10.0  # after SIGINT/SIGTERM: time to extract and commit what is fetched
TICK_S = 0.1  # how often the clock and the batch timer look

DEFERRED = "deferred"  # article_errors.kind of a deferred item
SLOW_HOST = "slow_host"
RUN_DEADLINE = "run_deadline"
INTERRUPTED = "interrupted"
FAILED = "failed"
DEFER_MESSAGES = {
    FAILED: "deferred to the next run: the run stopped after an error",
    SLOW_HOST: "deferred to the next run: {n} requests in a row to this host timed out",
    RUN_DEADLINE: "deferred to the next run: the run deadline ({deadline:g}s) was reached",
    INTERRUPTED: "deferred to the next run: the run was interrupted ({signal})",
}


def reserve_s(deadline_s: float) -> float:
    """How long before the deadline the run stops taking work, to extract and commit."""
    return min(15.0, max(1.0, 0.15 * deadline_s))


class RunClock:
    """The run's deadline and stop requests (the deadline, a signal, a failed batch).

    `stopping`: take no new work. `abandoning`: stop waiting for extraction, load as is."""

    def __init__(self, deadline_s: float | None):
        self.loop = asyncio.get_running_loop()
        self.started = self.loop.time()
        self.deadline_s = deadline_s or None
        self.hard_at = self.started + deadline_s if deadline_s else float("inf")
        self.soft_at = self.hard_at - reserve_s(deadline_s) if deadline_s else float("inf")
        self.stopping = asyncio.Event()
        self.abandoning = asyncio.Event()
        self.reason: str | None = None  # why it stopped early: RUN_DEADLINE or INTERRUPTED
        self.signal_name: str | None = None
        self._watcher: asyncio.Task | None = None

    def elapsed(self) -> float:
        return self.loop.time() - self.started

    def start(self) -> None:
        self._watcher = asyncio.ensure_future(self._watch())

    def close(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()

    def stop(self, reason: str, grace_s: float | None = None) -> None:
        if self.reason is None and not self.stopping.is_set():
            self.reason = reason
        if grace_s is not None:
            self.hard_at = min(self.hard_at, self.loop.time() + grace_s)
        self.stopping.set()

    def abandon(self) -> None:
        self.stopping.set()
        self.abandoning.set()

    async def _watch(self) -> None:
        while not self.abandoning.is_set():
            now = self.loop.time()
            if now >= self.soft_at and not self.stopping.is_set():
                self.stop(RUN_DEADLINE)
            if now >= self.hard_at:
                self.abandon()
                return
            await asyncio.sleep(min(TICK_S, max(0.0, min(self.soft_at, self.hard_at) - now))
                                if not self.stopping.is_set() else TICK_S)

    def deferral_message(self, reason: str, **extra) -> str:
        return DEFER_MESSAGES[reason].format(deadline=self.deadline_s or 0,
                                             signal=self.signal_name or "signal", **extra)

    @contextlib.contextmanager
    def signals(self) -> Iterator[None]:
        """While inside: SIGINT/SIGTERM stop the run gracefully (a second one abandons the
        extraction). Only in the main thread; the previous handlers come back afterwards."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        installed: dict[int, object] = {}
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                previous = signal.getsignal(sig)
                self.loop.add_signal_handler(sig, self._on_signal, sig)
                installed[sig] = previous
            except (ValueError, RuntimeError, NotImplementedError):
                pass
        try:
            yield
        finally:
            for sig, previous in installed.items():
                with contextlib.suppress(Exception):
                    self.loop.remove_signal_handler(sig)
                    signal.signal(sig, previous)

    def _on_signal(self, sig: int) -> None:
        name = signal.Signals(sig).name
        if self.signal_name is not None:  # the second one: no more waiting
            self.abandon()
            return
        self.signal_name = name
        self.reason = INTERRUPTED
        self.stop(INTERRUPTED, grace_s=SIGNAL_GRACE_S)
        reporter().note(f"{name}: committing what is done (again to stop at once)")


@dataclass
class _Host:
    items: deque = field(default_factory=deque)
    workers: int = 0
    timeouts: int = 0  # pages in a row that timed out
    deferred: bool = False


@dataclass
class Chunk:
    """Pages on their way through the archive and the extraction pool."""

    pages: list[Page]
    future: asyncio.Future  # -> (articles, classifications, errors)


@dataclass
class Batch:
    """Fetch results that commit together (one load transaction)."""

    no: int
    opened_at: float | None = None  # loop time of its first result
    results: int = 0  # fetch results (pages and errors): each holds a pipeline slot
    chunks: list[Chunk] = field(default_factory=list)
    errors: list[ArticleError] = field(default_factory=list)  # fetch errors and deferrals
    pending: list[Page] = field(default_factory=list)  # pages not yet sent to extraction
    sealed_by: str | None = None  # size | timer | end

    def empty(self) -> bool:
        return not self.results and not self.errors


class Stream:
    """One run's streaming ingest. Use: `await stream.fetch_feeds(...)` (from the feeds task)
    and `await stream.run()` (from the flow) together."""

    def __init__(self, rt: Runtime, clock: RunClock,
                 run_batch: Callable[[int, Batch], Awaitable[BatchResult]]):
        self.rt = rt
        self.clock = clock
        self.settings = rt.fetcher.settings
        self._run_batch = run_batch
        self.seen: set[str] = set()  # URL identities taken up this run (dedupe across feeds)
        self.new_by_feed: Counter[str] = Counter()
        self.new_items = 0
        self.done_items = 0
        self.hosts: dict[str, _Host] = {}
        self.fetches: dict[asyncio.Task, FeedItem] = {}
        self._workers: set[asyncio.Task] = set()  # strong references: the loop keeps weak ones
        self.slots = asyncio.Semaphore(BATCHES_IN_FLIGHT * rt.batch_size)
        self.chunk_size = pipeline.chunk_size(rt)
        self.chunks_in_flight = 0
        self.open = Batch(0)
        self.batch_tasks: list[asyncio.Task] = []
        self.sealed: list[Batch] = []
        self.failure: BaseException | None = None
        self._to_probe: list[FeedOutcome] = []
        self._feeds_done = False
        self._changed = asyncio.Event()
        self._probing = False

    # ------------------------------------------------------------ feeds

    async def fetch_feeds(self, feeds: Sequence[Feed], stored: dict
                          ) -> tuple[list[FeedOutcome], list[Feed]]:
        """Fetch and parse every feed at once; each parsed feed's items go on at once.
        Returns (outcomes, feeds deferred because the run stopped first)."""
        async def one(feed: Feed) -> FeedOutcome:
            outcome = await pipeline.fetch_and_parse_feed(self.rt, feed, stored.get(feed.name))
            self._to_probe.append(outcome)
            self._changed.set()
            return outcome

        tasks = {asyncio.ensure_future(one(f)): f for f in feeds}
        try:
            pending = set(tasks)
            stop = asyncio.ensure_future(self.clock.stopping.wait())
            try:
                while pending and not self.clock.stopping.is_set():
                    done, pending = await asyncio.wait(pending | {stop},
                                                       return_when=asyncio.FIRST_COMPLETED)
                    pending.discard(stop)
            finally:
                stop.cancel()
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            outcomes = [t.result() for t in tasks if t.done() and not t.cancelled()
                        and t.exception() is None]
            failed = [t.exception() for t in tasks if t.done() and not t.cancelled()
                      and t.exception() is not None]
            if failed:
                raise failed[0]
            deferred = [f for t, f in tasks.items() if t.cancelled()]
            return outcomes, deferred
        finally:
            for task in tasks:
                task.cancel()
            self.feeds_done()

    def feeds_done(self) -> None:
        self._feeds_done = True
        self._changed.set()

    # ------------------------------------------------------------ the run

    async def run(self) -> list[BatchResult]:
        """Until every feed is done and every item fetched (or the run stops): probe, fetch,
        batch. Then seal the last batch and wait for every batch's load."""
        timer = asyncio.ensure_future(self._timer())
        try:
            while True:
                if self._to_probe and not self._probing:
                    await self._probe()
                    continue
                if self.clock.stopping.is_set() or (self._feeds_done and self._idle()):
                    break
                self._changed.clear()
                stop = asyncio.ensure_future(self.clock.stopping.wait())
                changed = asyncio.ensure_future(self._changed.wait())
                try:
                    await asyncio.wait({stop, changed}, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    stop.cancel()
                    changed.cancel()
            if self.clock.stopping.is_set():
                await self._wind_down()
        finally:
            timer.cancel()
        self._seal("end")
        results = []
        for task in self.batch_tasks:  # in order; each is already running
            try:
                results.append(await task)
            except BaseException as exc:  # noqa: BLE001 -- re-raised after the others finish
                self.failure = self.failure or exc
        if self.failure is not None:
            raise self.failure
        return results

    def _idle(self) -> bool:
        return (not self._to_probe and not self._probing and not self.fetches
                and all(not h.items and not h.workers for h in self.hosts.values()))

    async def _wind_down(self) -> None:
        """The run stops: defer what is queued or in flight, and items of feeds still to
        probe; wait for the feeds task to notice."""
        reason = self.clock.reason or RUN_DEADLINE
        for host in self.hosts.values():
            while host.items:
                self._defer(host.items.popleft(), reason)
        for task, item in list(self.fetches.items()):
            if task.cancel():
                self._defer(item, reason)
        self._seal("stop")  # frees the slots of what is fetched: no worker waits for one
        while not self._feeds_done or self._to_probe:
            if self._to_probe:
                await self._probe()  # known ones stay known; the new ones are deferred
            else:
                self._changed.clear()
                await self._changed.wait()
        # the workers see their fetch cancelled and leave
        while any(h.workers for h in self.hosts.values()):
            self._changed.clear()
            await self._changed.wait()

    # ------------------------------------------------------------ new items

    async def _probe(self) -> None:
        """Which items of the feeds parsed so far to fetch: one per URL identity, minus those
        stored or not to fetch again yet (warehouse/skips.py); one DB query for all of them."""
        self._probing = True
        try:
            outcomes, self._to_probe = self._to_probe, []
            candidates: dict[str, FeedItem] = {}
            for outcome in outcomes:
                for item in outcome.items:
                    key = identity_key(item.canonical_url)
                    if key not in self.seen:
                        candidates.setdefault(key, item)
            if not candidates:
                return
            self.seen.update(candidates)
            items = list(candidates.values())
            async with self.rt.write_lock:  # never beside a load's write connection
                skip, timeouts = await asyncio.to_thread(self._look_up, items)
            # pages that timed out in earlier runs go to the back of their host's queue: a
            # host's slow links must not keep its other pages waiting run after run
            fresh = sorted((item for item in items if item.article_id not in skip),
                           key=lambda item: timeouts.get(item.article_id, 0))
            self.new_items += len(fresh)
            reporter().start("articles", self.new_items)
            reporter().advance("articles", self.done_items)
            for item in fresh:
                self.new_by_feed[item.feed] += 1
                self._dispatch(item)
        finally:
            self._probing = False
            self._changed.set()

    def _look_up(self, items: list[FeedItem]) -> tuple[set[str], dict[str, int]]:
        """(ids not to fetch, id -> how many earlier fetches of it timed out)."""
        if not self.rt.db_path.exists():
            return set(), {}
        with read_connection(self.rt.db_path) as con:
            skip = skipped_ids(con, items, retry_days=self.settings.hard_failure_retry_days)
            timeouts = past_timeouts(con, [i.article_id for i in items])
        return skip, timeouts

    def _dispatch(self, item: FeedItem) -> None:
        if self.clock.stopping.is_set():
            self._defer(item, self.clock.reason or RUN_DEADLINE)
            return
        host = self.hosts.setdefault(urlsplit(item.url).netloc.lower(), _Host())
        if host.deferred:
            self._defer(item, SLOW_HOST)
            return
        host.items.append(item)
        if host.workers < self.settings.per_host_concurrency:
            host.workers += 1
            worker = asyncio.ensure_future(self._host_worker(host))
            self._workers.add(worker)
            worker.add_done_callback(self._workers.discard)

    async def _host_worker(self, host: _Host) -> None:
        """Fetch a host's queued pages, one at a time (a host has a few of these)."""
        try:
            while host.items and not host.deferred and not self.clock.stopping.is_set():
                await self.slots.acquire()
                if not host.items or host.deferred or self.clock.stopping.is_set():
                    self.slots.release()
                    break
                item = host.items.popleft()
                fetch = asyncio.ensure_future(
                    fetch_page_or_error(self.rt.fetcher, item, self.rt.feed_hosts))
                self.fetches[fetch] = item
                try:
                    await asyncio.wait([fetch])
                finally:
                    self.fetches.pop(fetch, None)
                if fetch.cancelled():  # the run stopped; _wind_down deferred the item
                    self.slots.release()
                    break
                result = fetch.result()
                self._note_timeout(host, item, result)
                self._collect(result)
        finally:
            host.workers -= 1
            self._changed.set()

    def _note_timeout(self, host: _Host, item: FeedItem, result: Page | ArticleError) -> None:
        """After host_max_timeouts timeouts in a row (requests, retries included, as the
        fetcher counts them; or pages), the host's queued pages are deferred."""
        if isinstance(result, ArticleError) and result.timed_out:
            host.timeouts += 1
            in_a_row = max(host.timeouts, self.rt.fetcher.host_timeouts(item.url))
            if in_a_row >= self.settings.host_max_timeouts and not host.deferred:
                host.deferred = True
                while host.items:
                    self._defer(host.items.popleft(), SLOW_HOST)
        else:
            host.timeouts = 0

    def _defer(self, item: FeedItem, reason: str) -> None:
        n = self.settings.host_max_timeouts
        self.open.errors.append(ArticleError(
            item.article_id, item.url, item.feed, "fetch", DEFERRED, reason,
            self.clock.deferral_message(reason, n=n)))

    # ------------------------------------------------------------ batches

    def _collect(self, result: Page | ArticleError) -> None:
        batch = self.open
        if batch.opened_at is None:
            batch.opened_at = self.clock.loop.time()
        batch.results += 1
        if isinstance(result, Page):
            batch.pending.append(result)
            # a full chunk, or at once when the pool has nothing to do (the first pages of a
            # run, a sparse stream): a page never waits for the batch timer to be extracted
            if len(batch.pending) >= self.chunk_size or not self.chunks_in_flight:
                self._launch_chunk(batch)
        else:
            batch.errors.append(result)
        if batch.results >= self.rt.batch_size:
            self._seal("size")

    def _launch_chunk(self, batch: Batch) -> None:
        pages, batch.pending = batch.pending, []
        future = asyncio.ensure_future(self._archive_and_extract(pages))
        self.chunks_in_flight += 1
        future.add_done_callback(self._chunk_done)
        batch.chunks.append(Chunk(pages, future))

    def _chunk_done(self, _future: asyncio.Future) -> None:
        self.chunks_in_flight -= 1
        if not self.chunks_in_flight and self.open.pending:  # the pool is idle: feed it
            self._launch_chunk(self.open)

    async def _archive_and_extract(self, pages: list[Page]) -> tuple:
        pages = await asyncio.to_thread(self.rt.archive.write, pages)
        return await pipeline._extract_chunk(self.rt, pages)

    async def _timer(self) -> None:
        """Seal the open batch once its oldest result is batch_interval_s old."""
        interval = self.settings.batch_interval_s
        while True:
            await asyncio.sleep(TICK_S)
            opened = self.open.opened_at
            if opened is not None and self.clock.loop.time() - opened >= interval:
                self._seal("timer")

    def _seal(self, why: str) -> None:
        batch = self.open
        if batch.empty():
            return
        if batch.pending:
            self._launch_chunk(batch)
        batch.sealed_by = why
        self.open = Batch(batch.no + 1)
        self.sealed.append(batch)
        self.batch_tasks.append(asyncio.ensure_future(self._batch(batch)))

    async def _batch(self, batch: Batch) -> BatchResult:
        try:
            result = await self._run_batch(batch.no, batch)
        except BaseException as exc:
            if not isinstance(exc, asyncio.CancelledError):
                self.failure = self.failure or exc
                self.clock.stop(FAILED)
                self._changed.set()
            raise
        finally:
            for _ in range(batch.results):
                self.slots.release()
        self.done_items += batch.results
        reporter().advance("articles", batch.results)
        return result


async def finish_batch(rt: Runtime, batch: Batch, clock: RunClock) -> BatchResult:
    """Wait for a sealed batch's extraction (not past the deadline) and load it in one
    transaction. Pages whose extraction was abandoned are deferred, not lost."""
    futures = [c.future for c in batch.chunks]
    if futures and not clock.abandoning.is_set():
        abandon = asyncio.ensure_future(clock.abandoning.wait())
        everything = asyncio.gather(*futures, return_exceptions=True)
        try:
            await asyncio.wait({abandon, everything}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            abandon.cancel()
    articles, classifications, errors = [], [], list(batch.errors)
    failure: BaseException | None = None
    for chunk in batch.chunks:
        if chunk.future.done() and not chunk.future.cancelled():
            if chunk.future.exception() is not None:  # the archive failed (disk full?)
                failure = failure or chunk.future.exception()
                continue
            chunk_articles, chunk_classifications, chunk_errors = chunk.future.result()
            articles += chunk_articles
            classifications += chunk_classifications
            errors += chunk_errors
        else:
            chunk.future.cancel()
            errors += [ArticleError(p.item.article_id, p.item.url, p.item.feed, "extract",
                                    DEFERRED, clock.reason or RUN_DEADLINE,
                                    clock.deferral_message(clock.reason or RUN_DEADLINE))
                       for p in chunk.pages]
    if failure is not None:
        raise failure
    async with rt.write_lock:
        new = await asyncio.to_thread(pipeline._load, rt, articles, classifications, errors)
    ai_work = sum(1 for c in classifications if c.is_ai_work)
    return BatchResult(batch.results, new, ai_work, tuple(errors))
