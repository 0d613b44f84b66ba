"""The `backfill` Prefect flow and its plain logic: load a past date range on demand.

Sources:
  sitemap     outlets' sitemaps (robots.txt Sitemap: lines, /sitemap.xml, indexes, Google
              News sitemaps), URLs dated inside the range, source='sitemap'
  archive     paged feed archives (`?paged=N`) back to the range's start, source='archive'
  urls        a file of URLs, one a line, source='urls'
  reprocess   re-extract stored raw HTML (WARC) with today's extractor; no network
  reclassify  re-score stored articles with today's classifier version; no network

Each fetching source is one UnitSource class (UNIT_SOURCES): a new source is one class.
Work is cut into units (one sitemap, one archive page, one chunk of the URL list) and each
unit into batches loaded in one transaction each, so a backfill never holds the whole range
in memory, and an interrupted backfill, run again, finishes without duplicates: stored
articles are skipped, and units already done (same selection) are not even looked at.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable, ClassVar, Iterator, Sequence

from prefect import flow, get_run_logger, task
from prefect.artifacts import acreate_table_artifact
from prefect.cache_policies import NO_CACHE

from extractors.archive import archive_dir
from extractors.config import Config, load_config
from extractors.errors import ConfigError, WorkwatchError
from extractors.feed_archive import walk_feed_archive
from extractors.addresses import trusted_origin
from extractors.pages import host_of
from extractors.settings import FetchSettings
from extractors.sitemaps import (DateWindow, SitemapEntry, discover_sitemaps, site_origins,
                                 walk_sitemaps)
from extractors.types import Article, ArticleError, Feed, FeedItem
from extractors.urls import canonical_url, is_fetchable
from flows import pipeline
from flows.pipeline import BatchResult, Runtime
from flows.progress import SilentReporter, reporter, set_reporter
from flows.run_summary import log_run_summary
from flows.scaleout import runner_is_dask, use_task_runner_for_extraction
from warehouse.db import ingest_lock, write_connection
from warehouse import runs
from warehouse.load import sync_feeds
from warehouse.skips import unseen_items
from warehouse.runs import finish_run, start_run

FEEDS_IN_FLIGHT = 4  # outlets walked at the same time (each host keeps its own politeness gate)


class BackfillRequestError(WorkwatchError):
    """The backfill was asked for something that cannot be done (bad source, dates ...)."""


@dataclass(frozen=True)
class BackfillRequest:
    """What to backfill: the parameters of one backfill run."""

    source: str = "sitemap"
    since: date | None = None
    until: date | None = None
    outlet: str | None = None  # a feed name of feeds.toml
    urls_file: str | None = None
    urls: tuple[str, ...] = ()
    feeds_path: str = "feeds.toml"
    db_path: str = "data/workwatch.duckdb"
    data_dir: str | None = None
    batch_size: int = 100
    workers: int | None = None
    force: bool = False  # redo units already done; reclassify: re-score every article

    @property
    def window(self) -> DateWindow:
        return DateWindow(self.since, self.until)

    @property
    def db(self) -> Path:
        return Path(self.db_path)

    @property
    def data(self) -> Path:
        return Path(self.data_dir) if self.data_dir else self.db.parent

    def parameters(self) -> dict[str, Any]:
        """The parameters recorded on the run's `runs` row."""
        params = {"source": self.source, "since": self.since, "until": self.until,
                  "outlet": self.outlet, "urls_file": self.urls_file, "force": self.force}
        if self.urls:
            params["urls"] = len(self.urls)
        return {k: v for k, v in params.items() if v not in (None, False)}

    def job_key(self, scope: str) -> str:
        """Names one backfill job (source, scope, range): what resumes across runs."""
        return f"{self.source}|{scope}|{self.since or ''}|{self.until or ''}"

    def validate(self) -> None:
        if self.source not in SOURCES:
            raise BackfillRequestError(f"unknown source {self.source!r}; choose one of "
                                       f"{', '.join(SOURCES)}")
        if self.since and self.until and self.since > self.until:
            raise BackfillRequestError(f"--since {self.since} is after --until {self.until}")
        problem = (UNIT_SOURCES[self.source].request_problem(self)
                   if self.source in UNIT_SOURCES else None)
        if problem:
            raise BackfillRequestError(problem)
        if self.batch_size < 1:
            raise BackfillRequestError("batch size must be at least 1")


@dataclass(frozen=True)
class Unit:
    """One unit of fetching work: the items selected from one sitemap, archive page or chunk
    of a URL list."""

    key: str
    scope: str  # the feed name, or the URL file
    items: tuple[FeedItem, ...] = ()
    listed: int = 0
    undated: int = 0
    error: str | None = None
    stage: str = "sitemap"
    listed_dates: dict[str, datetime] = field(default_factory=dict)  # article id -> lastmod

    @property
    def selection(self) -> str:
        """A hash of what the unit selected: a unit done with the same selection is skipped."""
        urls = "\n".join(sorted(i.canonical_url for i in self.items))
        return hashlib.sha256(urls.encode("utf-8")).hexdigest()


@dataclass
class Tally:
    """Counts of one backfill run, updated as units finish (not a stage boundary)."""

    units: int = 0
    units_resumed: int = 0  # skipped: already done by an earlier run of the same backfill
    listed: int = 0
    undated: int = 0
    selected: int = 0
    already_stored: int = 0
    queued: int = 0  # new items handed to batches so far (the progress bar's total)
    fetched: int = 0
    new_articles: int = 0
    ai_work: int = 0
    out_of_range: int = 0
    unit_errors: list[dict] = field(default_factory=list)
    article_errors: list[ArticleError] = field(default_factory=list)
    failed_scopes: set[str] = field(default_factory=set)
    ok_scopes: set[str] = field(default_factory=set)


ProcessFn = Callable[..., Awaitable[BatchResult]]
BatchHook = Callable[[BatchResult], None]


# ---------------------------------------------------------------- items from each source


def sitemap_item(entry: SitemapEntry, feed: Feed) -> FeedItem:
    """An item for a sitemap URL. Only a Google News publication date is taken as the
    publication date; a lastmod (often a later update) only stands in for a page without one."""
    return FeedItem(feed=feed.name, outlet=feed.outlet, url=entry.loc,
                    canonical_url=canonical_url(entry.loc), guid=None, title=entry.title,
                    published_at=entry.published_at, language=feed.language, source="sitemap")


def url_item(url: str, feed: Feed | None) -> FeedItem:
    """An item for a listed URL: of the given outlet, else of the configured outlet on the
    same host, else an outlet named after the host."""
    host = host_of(url)
    return FeedItem(feed=feed.name if feed else host, outlet=feed.outlet if feed else host,
                    url=url, canonical_url=canonical_url(url), guid=None, title="",
                    language=feed.language if feed else None, source="urls")


def read_url_lines(path: str | Path) -> Iterator[tuple[int, str]]:
    """(line number, URL) of a URL file; blank lines and # comments are skipped."""
    try:
        fh = open(path, encoding="utf-8")
    except OSError as exc:
        raise BackfillRequestError(f"{path}: cannot read the URL file ({exc.strerror})") from None
    with fh:
        for number, line in enumerate(fh, 1):
            text = line.strip()
            if text and not text.startswith("#"):
                yield number, text


def check_url_file(path: str | Path) -> int:
    """Validate a URL file up front (one pass, nothing kept); return how many URLs it lists."""
    count = 0
    for number, url in read_url_lines(path):
        if not is_fetchable(url):
            raise BackfillRequestError(f"{path}:{number}: not an http(s) URL: {url[:200]}")
        count += 1
    return count


def select_feeds(config: Config, request: BackfillRequest) -> list[Feed]:
    """The outlets a sitemap/archive backfill covers: --outlet, or every enabled feed."""
    try:
        return config.enabled_feeds([request.outlet] if request.outlet else None)
    except ConfigError as exc:
        raise BackfillRequestError(str(exc)) from None


# ---------------------------------------------------------------- unit sources


class UnitSource(ABC):
    """One fetching backfill source: which scopes it covers and the units of each scope (in
    the manner of fundus's URLSource). A new source is one subclass in UNIT_SOURCES; the
    runner (fetching_backfill, run_scope) does the rest: resuming units already done,
    batches, the date window, loading, counting.

    A scope is what one job key resumes: an outlet (a feed name) or a URL file."""

    name: ClassVar[str]
    needs_window: ClassVar[bool] = False  # --since and --until required
    needs_feeds: ClassVar[bool] = True  # feeds.toml must exist (else only when it does)
    scopes_in_flight: ClassVar[int] = 1  # scopes walked at the same time

    def __init__(self, request: BackfillRequest, config: Config | None):
        self.request = request
        self.config = config

    @classmethod
    def request_problem(cls, request: BackfillRequest) -> str | None:
        """What is wrong with a request for this source, before anything runs."""
        if cls.needs_window and not (request.since and request.until):
            return f"a {cls.name} backfill needs --since and --until"
        return None

    def check(self) -> None:
        """Checks that read files (raise BackfillRequestError), before the runtime opens."""

    @abstractmethod
    def scopes(self) -> list[str]:
        """The scopes to walk, in order."""

    @abstractmethod
    def units(self, rt: Runtime, scope: str) -> AsyncIterator[Unit] | Iterator[Unit]:
        """The units of one scope, produced lazily."""


class OutletSource(UnitSource):
    """A source walked per outlet: --outlet, or every enabled feed of feeds.toml, a few at
    a time (each host keeps its own politeness gate)."""

    needs_window = True
    scopes_in_flight = FEEDS_IN_FLIGHT

    def __init__(self, request: BackfillRequest, config: Config | None):
        super().__init__(request, config)
        self.feeds = {f.name: f for f in select_feeds(config, request)}

    def scopes(self) -> list[str]:
        return list(self.feeds)


class SitemapSource(OutletSource):
    """One unit per sitemap document of the outlet, with its URLs dated in the window."""

    name = "sitemap"

    async def units(self, rt: Runtime, scope: str) -> AsyncIterator[Unit]:
        feed, window = self.feeds[scope], self.request.window
        origins = await site_origins(rt.fetcher, feed.url)
        roots, guessed = await discover_sitemaps(rt.fetcher, origins, trusted_origin(feed.url))
        found = False
        errors = []
        async for sel in walk_sitemaps(rt.fetcher, roots, window, trusted_origin(feed.url),
                                       guessed):
            if sel.missing:
                continue
            if sel.error:
                errors.append(sel.error)
                yield Unit(sel.url, feed.name, error=sel.error, stage="sitemap")
                continue
            found = True
            reporter().note(f"{feed.name}: {sel.url}: {len(sel.entries)} of {sel.listed} URLs "
                            "in range"
                            + (f", {sel.children} sitemaps listed" if sel.children else ""))
            items = tuple(sitemap_item(e, feed) for e in sel.entries)
            yield Unit(sel.url, feed.name, items, sel.listed, sel.undated, stage="sitemap",
                       listed_dates={i.article_id: e.date for i, e in zip(items, sel.entries)})
        if not found and not errors:
            yield Unit(f"{feed.name}:sitemaps", feed.name, stage="sitemap",
                       error=f"no sitemap found (tried {', '.join(roots)})")


class ArchiveSource(OutletSource):
    """One unit per page of the outlet's feed archive, with its items dated in the window."""

    name = "archive"

    async def units(self, rt: Runtime, scope: str) -> AsyncIterator[Unit]:
        feed = self.feeds[scope]
        async for page in walk_feed_archive(rt.fetcher, feed, self.request.window):
            if page.error:
                yield Unit(page.url, feed.name, error=page.error, stage="archive")
                return
            if page.listed:
                reporter().note(f"{feed.name}: archive page {page.number}: {len(page.items)} "
                                f"of {page.listed} items in range")
                yield Unit(page.url, feed.name, page.items, page.listed, page.undated,
                           stage="archive")
            if page.stop:
                reporter().note(f"{feed.name}: archive walk stops at page {page.number}: "
                                f"{page.stop}")


class UrlListSource(UnitSource):
    """Chunks of a URL list (batch_size URLs each, read lazily): one scope, the file. A URL
    list comes from the user, like feeds.toml: each listed host is trusted."""

    name = "urls"
    needs_feeds = False

    @classmethod
    def request_problem(cls, request: BackfillRequest) -> str | None:
        if not (request.urls_file or request.urls):
            return "a urls backfill needs --urls FILE"
        return None

    def check(self) -> None:
        if self.request.urls_file:
            check_url_file(self.request.urls_file)

    def scopes(self) -> list[str]:
        return [units_scope(self.request)]

    def units(self, rt: Runtime, scope: str) -> Iterator[Unit]:
        return list_units_trusted(rt, url_units(self.request, self.config))


UNIT_SOURCES: dict[str, type[UnitSource]] = {
    cls.name: cls for cls in (SitemapSource, ArchiveSource, UrlListSource)}
FETCHING = tuple(UNIT_SOURCES)  # sources that fetch pages
SOURCES = FETCHING + ("reprocess", "reclassify")  # reprocess, reclassify: flows/reprocess.py


def url_units(request: BackfillRequest, config: Config | None) -> Iterator[Unit]:
    """Chunks of the URL list (batch_size URLs each), read lazily."""
    if request.outlet and config is None:
        raise BackfillRequestError(f"--outlet {request.outlet}: no feeds file {request.feeds_path}")
    outlet = select_feeds(config, request)[0] if request.outlet else None
    by_host = {host_of(f.url): f for f in (config.feeds if config else ())}
    scope = units_scope(request)
    lines = (read_url_lines(request.urls_file) if request.urls_file
             else enumerate(request.urls, 1))
    chunk: list[FeedItem] = []
    number = 0
    for _line, url in lines:
        chunk.append(url_item(url, outlet or by_host.get(host_of(url))))
        if len(chunk) >= request.batch_size:
            yield Unit(f"urls:{number}", scope, tuple(chunk), len(chunk), stage="urls")
            chunk, number = [], number + 1
    if chunk:
        yield Unit(f"urls:{number}", scope, tuple(chunk), len(chunk), stage="urls")


# ---------------------------------------------------------------- running units


@dataclass
class Job:
    """One running fetching backfill (holds live objects; not a stage boundary)."""

    request: BackfillRequest
    rt: Runtime
    process: ProcessFn
    tally: Tally
    on_batch: BatchHook | None = None
    done: dict[str, dict[str, str]] = field(default_factory=dict)  # job key -> unit -> selection

    def settle(self, unit: Unit) -> Callable[[Article], Article | None]:
        """An article's date: its own (feed entry, news sitemap, else the page's), else the
        date its sitemap listed; articles dated outside the range are not loaded."""
        window = self.request.window
        bounded = bool(self.request.since or self.request.until)
        listed = unit.listed_dates

        def settle(article: Article) -> Article | None:
            when = article.published_at or listed.get(article.article_id)
            if when is not None and bounded and not window.contains(when):
                return None
            return article if when is article.published_at else replace(article, published_at=when)

        return settle


async def run_scope(job: Job, scope: str, units: AsyncIterator[Unit] | Iterator[Unit]) -> None:
    """Run the units of one outlet (or URL file) one after the other."""
    key = job.request.job_key(scope)
    job.done[key] = await in_warehouse(job.rt, done_units, job.rt.db_path, key)
    if hasattr(units, "__aiter__"):
        async for unit in units:
            await run_unit(job, key, unit)
    else:
        for unit in units:
            await run_unit(job, key, unit)
    if scope not in job.tally.failed_scopes:
        job.tally.ok_scopes.add(scope)


async def run_unit(job: Job, key: str, unit: Unit) -> None:
    t = job.tally
    if unit.error:
        t.unit_errors.append({"scope": unit.scope, "url": unit.key, "stage": unit.stage,
                              "error": unit.error})
        t.failed_scopes.add(unit.scope)
        return
    t.units += 1
    t.listed += unit.listed
    t.undated += unit.undated
    t.selected += len(unit.items)
    if not job.request.force and job.done[key].get(unit.key) == unit.selection:
        t.units_resumed += 1
        return
    items = await in_warehouse(job.rt, new_items_only, job.rt.db_path, unit.items,
                               job.rt.fetcher.settings.hard_failure_retry_days)
    t.already_stored += len(unit.items) - len(items)
    results = []
    show_progress(t, len(items), job.rt.progress_shown)
    for batch in pipeline.batches(items, job.request.batch_size):
        result = await job.process(job.rt, unit.key, batch, job.settle(unit))
        results.append(result)
        t.fetched += result.attempted
        t.new_articles += result.new_articles
        t.ai_work += result.ai_work
        t.out_of_range += result.dropped
        t.article_errors.extend(result.errors)
        if job.on_batch is not None:
            job.on_batch(result)
    if not any(e.kind == "transient" for r in results for e in r.errors):
        await in_warehouse(job.rt, mark_done, job.rt.db_path, key, unit, job.rt.run_id, results)


async def in_warehouse(rt: Runtime, fn: Callable, *args):
    """Run a warehouse call in a thread, one at a time with the batches' loads (outlets run
    concurrently; DuckDB wants one connection configuration per file and process)."""
    async with rt.write_lock:
        return await asyncio.to_thread(fn, *args)


def show_progress(t: Tally, more: int, shown: int) -> None:
    """One "articles" bar for the whole backfill: its total grows as units are selected; it
    advances page by page (`shown`: items shown done so far, pipeline.process_batch)."""
    if more:
        t.queued += more
        reporter().start("articles", t.queued)
        reporter().advance("articles", shown)


def new_items_only(db_path: Path, items: Sequence[FeedItem],
                   retry_days: float = FetchSettings.hard_failure_retry_days) -> list[FeedItem]:
    """Items not stored yet, one per URL identity (warehouse/skips.py: any variant of the URL
    stored, or a recent lasting failure, counts as stored)."""
    if not items:
        return []
    with write_connection(db_path) as con:
        return unseen_items(con, items, retry_days=retry_days)


def done_units(db_path: Path, job_key: str) -> dict[str, str]:
    with write_connection(db_path) as con:
        return runs.done_units(con, job_key)


def mark_done(db_path: Path, job_key: str, unit: Unit, run_id: str,
              results: Sequence[BatchResult]) -> None:
    with write_connection(db_path) as con:
        runs.mark_unit_done(con, job_key, unit.key, unit.selection, run_id, len(unit.items),
                            sum(r.new_articles for r in results),
                            sum(len(r.errors) for r in results))


async def fetching_backfill(request: BackfillRequest, run_id: str, process: ProcessFn,
                            on_batch: BatchHook | None, pool=None) -> Tally:
    """A fetching source (UNIT_SOURCES: sitemap, archive, urls): walk the units of each of
    its scopes, load their new articles."""
    kind = UNIT_SOURCES[request.source]
    config = load_config(request.feeds_path) if kind.needs_feeds or \
        Path(request.feeds_path).exists() else None
    source = kind(request, config)
    source.check()
    settings = config.fetch if config else FetchSettings()
    tally = Tally()
    async with pipeline.open_runtime(run_id, request.db, request.data, settings, request.workers,
                                     request.batch_size, pool=pool) as rt:
        rt.trust_feeds(config.feeds if config else ())
        job = Job(request, rt, process, tally, on_batch)
        gate = asyncio.Semaphore(source.scopes_in_flight)

        async def one(scope: str) -> None:
            async with gate:
                await run_scope(job, scope, source.units(rt, scope))

        try:
            async with asyncio.TaskGroup() as group:
                for scope in source.scopes():
                    group.create_task(one(scope))
        except BaseExceptionGroup as failed:  # the first failure, as itself (typed errors)
            raise failed.exceptions[0] from None
    return tally


def units_scope(request: BackfillRequest) -> str:
    return str(Path(request.urls_file).resolve()) if request.urls_file else "urls"


def list_units_trusted(rt: Runtime, units: Iterator[Unit]) -> Iterator[Unit]:
    """A URL list comes from the user, like feeds.toml: each listed host is trusted."""
    for unit in units:
        for item in unit.items:
            rt.feed_hosts.setdefault(item.feed, trusted_origin(item.url))
        yield unit


# ---------------------------------------------------------------- the run


async def run_backfill(request: BackfillRequest, *, process: ProcessFn | None = None,
                       on_batch: BatchHook | None = None, pool=None) -> dict[str, Any]:
    """Run one backfill under the ingest lock and record it as a `runs` row (kind backfill).

    process: how a batch is processed (the flow passes a Prefect task); on_batch: called
    after every loaded batch (tests use it to interrupt a backfill)."""
    request.validate()
    run_id = uuid.uuid4().hex[:12]
    started = time.monotonic()
    with ingest_lock(request.db):
        with write_connection(request.db) as con:
            if request.source in FETCHING and Path(request.feeds_path).exists():
                sync_feeds(con, load_config(request.feeds_path).feeds)
            runs.close_stale_runs(con, "backfill")
            start_run(con, run_id, "backfill", request.parameters())
        try:
            summary = await _dispatch(request, run_id, process or _plain_process, on_batch, pool)
        except BaseException as exc:
            _finish(request.db, run_id, "failed", {}, _failure(exc))
            raise
        summary.update(run_id=run_id, seconds=round(time.monotonic() - started, 2),
                       **{k: v for k, v in request.parameters().items() if k != "force"})
        counts = {"feeds_ok": summary.get("outlets_ok", 0),
                  "feeds_failed": summary.get("outlets_failed", 0),
                  "items": summary.get("selected", 0), "new_articles": summary.get("new_articles", 0),
                  "ai_work": summary.get("ai_work", 0), "errors": summary.get("errors", 0)}
        _finish(request.db, run_id, summary["status"], counts, summary.get("message"))
        if summary.get("new_articles"):  # issue 20: its watch hits alerted now (never raises)
            from flows.alerts import after_backfill
            after_backfill(request.db, request.feeds_path, run_id)
    return summary


async def _dispatch(request, run_id, process, on_batch, pool) -> dict[str, Any]:
    if request.source in FETCHING:
        tally = await fetching_backfill(request, run_id, process, on_batch, pool)
        return fetching_summary(tally).as_dict()
    from flows import reprocess

    if request.source == "reclassify":
        result = await asyncio.to_thread(
            reprocess.reclassify, request.db, request.window, workers=request.workers,
            rescore_all=request.force, pool=pool)
    else:
        result = await asyncio.to_thread(
            reprocess.reprocess, request.db, archive_dir(request.db, request.data),
            request.window, run_id=run_id, workers=request.workers, batch_size=request.batch_size, pool=pool)
    return result.summary()


async def _plain_process(rt: Runtime, unit_key: str, items: list[FeedItem], settle) -> BatchResult:
    return await pipeline.process_batch(rt, items, settle=settle)


@dataclass(frozen=True)
class BackfillSummary:
    """What a fetching backfill (sitemap, archive, urls) did: the start of its run summary
    (`workwatch backfill --json` prints these keys, in this order, before run_id, seconds and
    the request's parameters). Reprocess and reclassify have their own (flows.reprocess)."""

    status: str  # ok, partial, or failed (nothing but errors: the CLI exits 3)
    outlets_ok: int
    outlets_failed: int
    units: int
    units_resumed: int
    listed: int
    undated: int
    selected: int
    already_stored: int
    fetched: int
    new_articles: int
    ai_work: int
    out_of_range: int
    errors: int  # unit errors + article errors
    unit_errors: tuple[dict[str, Any], ...]  # the first 50
    article_errors: tuple[ArticleError, ...]  # the first 50

    def as_dict(self) -> dict[str, Any]:
        fields = {name: getattr(self, name) for name in self.__dataclass_fields__}
        fields["unit_errors"] = list(self.unit_errors)
        fields["article_errors"] = [e.fields(("url", "stage", "kind", "error"))
                                    for e in self.article_errors]
        return fields


def fetching_summary(t: Tally) -> BackfillSummary:
    errors = len(t.unit_errors) + len(t.article_errors)
    status = "ok" if not errors else ("failed" if not t.ok_scopes and t.failed_scopes else "partial")
    return BackfillSummary(
        status=status, outlets_ok=len(t.ok_scopes), outlets_failed=len(t.failed_scopes),
        units=t.units, units_resumed=t.units_resumed, listed=t.listed, undated=t.undated,
        selected=t.selected, already_stored=t.already_stored, fetched=t.fetched,
        new_articles=t.new_articles, ai_work=t.ai_work, out_of_range=t.out_of_range,
        errors=errors, unit_errors=tuple(t.unit_errors[:50]),
        article_errors=tuple(t.article_errors[:50]))


def _finish(db: Path, run_id: str, status: str, counts: dict, message: str | None) -> None:
    with contextlib.suppress(WorkwatchError):
        with write_connection(db) as con:
            finish_run(con, run_id, status, counts, message)


def _failure(exc: BaseException) -> str:
    if isinstance(exc, (KeyboardInterrupt, asyncio.CancelledError)):
        return "interrupted; running the same backfill again resumes it"
    return f"{type(exc).__name__}: {exc}"[:1000]


# ---------------------------------------------------------------- Prefect


@task(name="backfill-batch", cache_policy=NO_CACHE, retries=0)
async def backfill_batch_task(rt: Runtime, unit: str, items: list, settle) -> BatchResult:
    return await pipeline.process_batch(rt, items, settle=settle)


async def _process_on_dask(rt: Runtime, unit: str, items: list, settle) -> BatchResult:
    """On a DaskTaskRunner: the batch's extraction chunks are the tasks, sent to Dask."""
    use_task_runner_for_extraction(rt)
    return await pipeline.process_batch(rt, items, settle=settle)


@flow(name="backfill", log_prints=True)
async def backfill(since: date | None = None, until: date | None = None, source: str = "sitemap",
                   outlet: str | None = None, urls_file: str | None = None,
                   urls: list[str] | None = None, feeds_path: str = "feeds.toml",
                   db_path: str = "data/workwatch.duckdb", data_dir: str | None = None,
                   batch_size: int = 100, workers: int | None = None,
                   force: bool = False) -> dict[str, Any]:
    """Backfill a date range (days, UTC, both included) from outlets' sitemaps, their feed
    archives or a list of URLs; or re-extract / re-classify stored articles without network."""
    request = BackfillRequest(source=source, since=since, until=until, outlet=outlet,
                              urls_file=urls_file, urls=tuple(urls or ()), feeds_path=feeds_path,
                              db_path=db_path, data_dir=data_dir, batch_size=batch_size,
                              workers=workers, force=force)
    with _notes_to_run_log():
        process = _process_on_dask if runner_is_dask() else backfill_batch_task
        summary = await run_backfill(request, process=process)
    await _publish(summary)
    log_run_summary('backfill', summary)  # served runs: the one-line summary at INFO
    return summary


class _RunLogReporter(SilentReporter):
    """Progress notes go to the flow run's log (visible in the Prefect UI) when nothing else
    displays them (served runs, --json)."""

    def __init__(self, logger):
        self.logger = logger

    def note(self, message: str) -> None:
        self.logger.info(message)


@contextlib.contextmanager
def _notes_to_run_log() -> Iterator[None]:
    if not isinstance(reporter(), SilentReporter):
        yield
        return
    set_reporter(_RunLogReporter(get_run_logger()))
    try:
        yield
    finally:
        set_reporter(None)


async def _publish(summary: dict[str, Any]) -> None:
    skip = {"unit_errors", "article_errors"}
    table = [{"field": k, "value": str(v)} for k, v in summary.items() if k not in skip]
    table += [{"field": f"error: {e.get('url')}", "value": str(e.get("error"))}
              for e in summary.get("unit_errors", [])[:20] + summary.get("article_errors", [])[:20]]
    try:
        await acreate_table_artifact(table=table, key="backfill-summary",
                                     description=f"workwatch backfill {summary.get('run_id')}")
    except Exception as exc:  # the artifact is a convenience; never fail the run for it
        print(f"could not publish the summary artifact: {exc}")


__all__ = ["BackfillRequest", "BackfillRequestError", "backfill", "run_backfill", "SOURCES"]
