"""The extraction ceiling: trafilatura alone over the benchmark's pages, one process per core.

Same call and settings as `extractors.extract.extract_article` (bare_extraction with
metadata, `ExtractSettings` defaults), no network, no classifier, no database. Workers read
the pages themselves (nothing large crosses a pipe) and are warmed up before the clock starts.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from extractors.extract import DEFAULT_EXTRACT, ExtractSettings

CHUNK = 20


@dataclass(frozen=True)
class CeilingResult:
    articles: int
    workers: int
    seconds: float
    extracted: int  # pages that gave text
    cpu_s: float = 0.0  # CPU seconds the workers spent extracting

    @property
    def rate(self) -> float:
        return self.articles / self.seconds if self.seconds else 0.0


def extraction_ceiling(articles: int, workers: int | None = None, corpus_dir: str | None = None,
                       settings: ExtractSettings = DEFAULT_EXTRACT) -> CeilingResult:
    """Time trafilatura over pages 0..articles-1 in a pool of `workers` processes."""
    workers = workers or os.cpu_count() or 1
    ctx = multiprocessing.get_context("forkserver")
    ready = ctx.Barrier(workers)  # each worker takes exactly one warm-up task
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_load,
                             initargs=(corpus_dir, ready)) as pool:
        for future in [pool.submit(_warm_up, settings) for _ in range(workers)]:
            future.result()
        started = time.perf_counter()
        chunks = [range(i, min(i + CHUNK, articles)) for i in range(0, articles, CHUNK)]
        done = list(pool.map(_extract_range, chunks, [settings] * len(chunks)))
        seconds = time.perf_counter() - started
    return CeilingResult(articles, workers, round(seconds, 3), sum(d for d, _ in done),
                         round(sum(c for _, c in done), 3))


_pages = None
_ready = None


def _load(corpus_dir: str | None, ready) -> None:
    global _pages, _ready
    from bench.pages import load_pages

    _pages, _ready = load_pages(corpus_dir), ready


def _warm_up(settings: ExtractSettings) -> None:
    _extract_range(range(0, 2), settings)
    _ready.wait(300)


def _extract_range(indices: range, settings: ExtractSettings) -> tuple[int, float]:
    import trafilatura

    cpu = time.process_time()
    done = 0
    for i in indices:
        doc = trafilatura.bare_extraction(
            _pages.page(i).html, url=f"http://127.0.0.1/news/{i:06d}.html", with_metadata=True,
            fast=settings.fast, include_comments=settings.include_comments,
            include_tables=settings.include_tables, favor_recall=settings.favor_recall)
        done += bool(doc is not None and getattr(doc, "text", None))
    return done, time.process_time() - cpu
