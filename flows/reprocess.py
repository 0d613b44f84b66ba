"""Backfills without network: re-extract stored raw HTML, re-score stored articles.

reprocess   reads each article's raw HTML back from the WARC archive, extracts it again with
            today's extractor settings, updates text / word_count / text_hash and re-scores it.
reclassify  streams stored articles out of DuckDB in Arrow slices, scores them with today's
            classifier version in a process pool (a few slices in flight while the main process
            reads the next and writes the last), and bulk-upserts the results. Rows of older
            versions stay; the new version becomes current with its first rows (one policy,
            warehouse.load.mark_versions_current); unscored articles keep their verdict.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections import deque
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pyarrow as pa
import pyarrow.compute as pc

from classifiers.base import DEFAULT, get_classifier
from extractors.archive import read_archived
from extractors.errors import ExtractionError
from warehouse.errors import WarehouseError
from extractors.extract import DEFAULT_EXTRACT, ExtractSettings, extract_article
from extractors.sitemaps import DateWindow
from extractors.types import ArticleError, FeedItem, Page, TextItem
from flows.pipeline import default_workers
from flows.progress import reporter
from warehouse import rescore
from warehouse.db import write_connection
from warehouse.load import classifications_table

RECLASSIFY_SLICE = 2_500  # articles per slice sent to a worker


@dataclass(frozen=True)
class ReclassifyResult:
    """What a reclassify did."""

    classifier: str
    version: str
    considered: int
    scored: int
    ai_work: int
    current: bool  # the version is now the one `stories` shows
    unscored: int  # stored articles still without a row for this version
    seconds: float

    def summary(self) -> dict[str, Any]:
        rate = round(self.scored / self.seconds) if self.seconds else None
        return {"status": "ok", "classifier": self.classifier, "version": self.version,
                "selected": self.considered, "scored": self.scored, "ai_work": self.ai_work,
                "current": self.current, "unscored": self.unscored, "articles_per_s": rate,
                "errors": 0, "message": _version_message(self)}


@dataclass(frozen=True)
class ReprocessResult:
    """What a reprocess did."""

    considered: int
    extracted: int
    changed: int  # articles whose text changed
    errors: tuple[ArticleError, ...]
    reclassified: ReclassifyResult | None
    seconds: float

    def summary(self) -> dict[str, Any]:
        r = self.reclassified
        reasons: dict[str, int] = {}
        for e in self.errors:
            reasons[e.reason or "unknown"] = reasons.get(e.reason or "unknown", 0) + 1
        # nothing re-extracted and every article failed: "failed" (the CLI exits 3), not "ok"
        status = ("ok" if not self.errors
                  else "failed" if not self.extracted else "partial")
        return {"status": status, "selected": self.considered,
                "extracted": self.extracted, "changed": self.changed,
                "ai_work": r.ai_work if r else 0, "classifier_version": r.version if r else None,
                "current": r.current if r else None, "errors": len(self.errors),
                "errors_by_reason": dict(sorted(reasons.items())),
                "article_errors": [e.fields() for e in self.errors[:50]],
                "message": f"re-extracted {self.extracted} of {self.considered} articles, "
                           f"{self.changed} texts changed"}


def _version_message(r: ReclassifyResult) -> str:
    done = f"scored {r.scored} articles with {r.classifier} {r.version}"
    if r.current and not r.unscored:
        return f"{done}; it is now current"
    if r.current:
        return (f"{done}; it is current: {r.unscored} stored articles have no row for it yet and "
                "show their previous verdict in `stories` (reclassify without --since/--until "
                "to score them)")
    return (f"{done}; {r.unscored} stored articles have no row for it yet, so `stories` keeps "
            "the previous version (reclassify without --since/--until to switch)")


@contextlib.contextmanager
def worker_pool(pool: Executor | None, workers: int | None) -> Iterator[Executor]:
    """The given pool, or a process pool of `workers` (default: one per core) for the call."""
    if pool is not None:
        yield pool
        return
    from flows.lifeline import die_with_parent  # workers end with this process (kill -9 too)

    own = ProcessPoolExecutor(max_workers=workers or default_workers(),
                              initializer=die_with_parent, initargs=(os.getpid(),))
    try:
        yield own
    finally:
        own.shutdown(wait=True, cancel_futures=True)


def _require(db_path: Path) -> None:
    if not Path(db_path).exists():
        raise WarehouseError(f"{db_path}: no warehouse here yet (run `workwatch ingest` first)")


# ---------------------------------------------------------------- reclassify


def text_cap(classifier) -> int:
    """How much of a text the classifier reads (the rule classifier stops at its lexicon's
    max_text_chars); the rest need not leave the database."""
    cap = getattr(getattr(classifier, "lexicon", None), "max_text_chars", None)
    return int(cap) if isinstance(cap, int) and cap > 0 else 10_000_000


def score_slice(table: pa.Table, classifier_name: str) -> pa.Table:
    """Worker-process function: classify one slice (article_id, title, summary, text) and
    return the classifications as an Arrow table ready to upsert."""
    clf = get_classifier(classifier_name)
    columns = [table.column(n).to_pylist() for n in ("article_id", "title", "summary", "text")]
    items = [TextItem(*row) for row in zip(*columns)]
    return classifications_table(clf.classify(items))


def reclassify(db_path: Path, window: DateWindow = DateWindow(), classifier: str = DEFAULT,
               workers: int | None = None, slice_size: int = RECLASSIFY_SLICE,
               rescore_all: bool = False, pool: Executor | None = None) -> ReclassifyResult:
    """Score stored articles (in the window; only those without a row for the current version
    unless rescore_all) with the current classifier version. No network."""
    _require(db_path)
    started = time.monotonic()
    clf = get_classifier(classifier)
    with write_connection(db_path) as con:
        rows = rescore.row_ids_to_score(con, window.start, window.end, clf.name, clf.version,
                                        rescore_all)
    reporter().start("articles", len(rows))
    scored = ai_work = 0
    with worker_pool(pool, workers) as ex:
        for table in _score_pipelined(db_path, rows, ex, classifier, text_cap(clf), slice_size,
                                      in_flight=(workers or default_workers()) + 1):
            scored += table.num_rows
            ai_work += pc.sum(table.column("is_ai_work")).as_py() or 0
            reporter().advance("articles", table.num_rows)
    current, unscored = version_state(db_path, clf.name, clf.version)
    return ReclassifyResult(clf.name, clf.version, len(rows), scored, ai_work, current, unscored,
                            round(time.monotonic() - started, 2))


def _score_pipelined(db_path: Path, rows: pa.ChunkedArray, ex: Executor, classifier: str,
                     cap: int, slice_size: int, in_flight: int) -> Iterator[pa.Table]:
    """Keep `in_flight` slices (of sorted row ids) in the pool; each trip to the warehouse
    (one short connection) writes the slices scored so far and reads the next one."""
    pending: deque[Future] = deque()
    for start in range(0, len(rows), slice_size):
        ready = _take_ready(pending, block=len(pending) >= in_flight)
        with write_connection(db_path) as con:
            rescore.upsert_classifications(con, ready)
            texts = rescore.read_texts(con, rows.slice(start, slice_size), cap)
        pending.append(ex.submit(score_slice, texts, classifier))
        yield from ready
    while pending:
        ready = _take_ready(pending, block=True)
        with write_connection(db_path) as con:
            rescore.upsert_classifications(con, ready)
        yield from ready


def _take_ready(pending: deque[Future], block: bool) -> list[pa.Table]:
    ready = []
    if block and pending:
        ready.append(pending.popleft().result())
    while pending and pending[0].done():
        ready.append(pending.popleft().result())
    return ready


def version_state(db_path: Path, classifier: str, version: str) -> tuple[bool, int]:
    """(current, unscored) of (classifier, version) after a re-scoring: it became current
    with its first rows (warehouse.load.mark_versions_current); unscored articles show their
    previous verdict in `stories` until re-scored."""
    with write_connection(db_path) as con:
        return rescore.settle_version(con, classifier, version)


# ---------------------------------------------------------------- reprocess


def reextract_rows(rows: list[dict], archive_root: str, classifier_name: str,
                   settings: ExtractSettings
                   ) -> tuple[list[dict], pa.Table, list[ArticleError]]:
    """Worker-process function: read raw HTML back from the WARC archive, extract, classify.
    Returns (new texts, classifications, errors)."""
    texts, articles, errors = [], [], []
    for row in rows:
        try:
            url, html = read_archived(archive_root, row["archive_path"])
            article = extract_article(_page(row, url, html), settings)
        except FileNotFoundError as exc:
            errors.append(_error(row, "extract", f"raw HTML not in the archive ({archive_root}): "
                                                 f"{exc.filename or exc}", "archive_missing"))
            continue
        except (OSError, ValueError) as exc:
            errors.append(_error(row, "extract", f"raw HTML not readable: {exc}",
                                 "archive_unreadable"))
            continue
        except ExtractionError as exc:
            errors.append(_error(row, "extract", str(exc),
                                 getattr(exc, "reason", None) or "extraction_failed"))
            continue
        articles.append(article)
        texts.append({"article_id": row["article_id"], "text": article.text,
                      "word_count": article.word_count, "text_hash": article.text_hash,
                      "language": article.language, "sitename": article.sitename,
                      "changed": article.text_hash != row["text_hash"]})
    clf = get_classifier(classifier_name)
    scored = clf.classify([TextItem(a.article_id, a.title, a.summary, a.text) for a in articles])
    return texts, classifications_table(scored), errors


def _page(row: dict, url: str | None, html: bytes) -> Page:
    item = FeedItem(feed=row["feed"] or "", outlet=row["outlet"] or "", url=row["url"],
                    canonical_url=row["canonical_url"], guid=row["guid"],
                    title=row["title"] or "", summary=row["summary"] or "",
                    author=row["author"], published_at=row["published_at"],
                    language=row["language"], source=row["source"])
    return Page(item=item, final_url=url or row["url"], http_status=200, html=html,
                content_type=None, fetched_at=row["first_seen_at"],
                archive_path=row["archive_path"])


def _error(row: dict, stage: str, message: str, reason: str) -> ArticleError:
    return ArticleError(row["article_id"], row["url"], row["feed"], stage, "hard", reason,
                        message)


def reprocess(db_path: Path, archive_root: Path, window: DateWindow = DateWindow(),
              run_id: str = "", classifier: str = DEFAULT, workers: int | None = None,
              batch_size: int = 100, pool: Executor | None = None,
              settings: ExtractSettings = DEFAULT_EXTRACT) -> ReprocessResult:
    """Re-extract stored articles (in the window) from their archived raw HTML, page by page
    of the article table; each page is written in one transaction. No network."""
    _require(db_path)
    started = time.monotonic()
    workers = workers or default_workers()
    clf = get_classifier(classifier)
    considered = extracted = changed = ai_work = 0
    errors: list[ArticleError] = []
    after = ""
    with write_connection(db_path) as con:
        total = rescore.reprocess_count(con, window.start, window.end)
    reporter().start("articles", total)
    with worker_pool(pool, workers) as ex:
        while True:
            with write_connection(db_path) as con:
                rows = rescore.reprocess_page(con, window.start, window.end, after, batch_size)
            if not rows:
                break
            after = rows[-1]["article_id"]
            considered += len(rows)
            size = max(1, -(-len(rows) // workers))
            futures = [ex.submit(reextract_rows, rows[i:i + size], str(archive_root), classifier,
                                 settings) for i in range(0, len(rows), size)]
            results = [f.result() for f in futures]
            texts = [t for r in results for t in r[0]]
            batch_errors = [e for r in results for e in r[2]]
            with write_connection(db_path) as con:
                rescore.write_reextracted(con, run_id, texts, [r[1] for r in results],
                                          batch_errors)
            extracted += len(texts)
            changed += sum(1 for t in texts if t["changed"])
            ai_work += sum(pc.sum(r[1].column("is_ai_work")).as_py() or 0 for r in results)
            errors += batch_errors
            reporter().advance("articles", len(rows))
    current, unscored = version_state(db_path, clf.name, clf.version)
    seconds = round(time.monotonic() - started, 2)
    scored = ReclassifyResult(clf.name, clf.version, considered, extracted, ai_work, current,
                              unscored, seconds)
    return ReprocessResult(considered, extracted, changed, tuple(errors), scored, seconds)

