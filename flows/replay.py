"""The replay pipeline (`workwatch replay FILE.jsonl.gz`, bench/replay.py): load a corpus of past feed items as if they had been
collected, classified and loaded day by day (e.g. ../shared/corpus/replay-2023.jsonl.gz).

Each line is one feed entry: {published, feed_url, title, summary, url}. It becomes an
Article (source `feed`, text = summary, feed = the feed URL's host, outlet = that host
without www./feeds./rss.) seen at its publication time. Classification runs in a process
pool while the main process loads finished batches, one transaction per batch (Arrow, with
near-duplicate clusters). Items already in the warehouse are skipped, so a replay is
idempotent and can resume after an interruption.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import time
import uuid
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Sequence
from urllib.parse import urlsplit

from extractors.errors import WorkwatchError
from extractors.types import Article, Classification, TextItem, article_id_for

from classifiers.base import DEFAULT as DEFAULT_CLASSIFIER  # noqa: E402

HOST_PREFIXES = ("www.", "feeds.", "feed.", "rss.")
DEFAULT_BATCH = 10000


@dataclass(frozen=True)
class ReplaySummary:
    run_id: str
    lines: int
    skipped: int  # stored already, repeated in the file, or without a URL
    new_articles: int
    ai_work: int
    seconds: float
    bad_lines: int = 0  # not valid UTF-8 JSON objects of the expected shape: not loaded
    bad_examples: tuple[str, ...] = ()  # the first few, as "line N: reason"


MAX_BAD_EXAMPLES = 3
TITLE_CHARS = 1000
SUMMARY_CHARS = 20000
_STRING_FIELDS = ("published", "feed_url", "title", "summary", "url")


class ReplayFileError(WorkwatchError):
    """The replay file is missing or not JSON lines."""


# ------------------------------------------------------------------ records -> articles


def outlet_of(host: str) -> str:
    """An outlet name from a feed host: feeds.bbci.co.uk -> bbci.co.uk."""
    host = host.lower().rstrip(".")
    for prefix in HOST_PREFIXES:
        if host.startswith(prefix) and host.count(".") > 1:
            return host[len(prefix):]
    return host


def parse_published(value: str | None) -> datetime | None:
    """A naive-UTC publication time; None when missing, unparseable or implausible (before
    1995 or after tomorrow: a 9999-12-31 date once made `query trend --interval day` build
    a 3-million-day series)."""
    from extractors.text import plausible_date

    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except (ValueError, OverflowError):
        return None
    try:
        parsed = plausible_date(parsed)
    except OverflowError:  # e.g. 9999-12-31T23:59-01:00 does not fit in UTC
        return None
    if parsed is None:
        return None
    from warehouse.db import naive_utc

    return naive_utc(parsed.astimezone(timezone.utc))


class BadLine(ValueError):
    """One replay line that cannot be loaded (counted and reported, never fatal)."""


def record_of(raw: bytes | str) -> dict | None:
    """The JSON object of one line; None for a blank line. Raises BadLine (with a short
    reason) for invalid UTF-8, invalid or too deeply nested JSON, a non-object, or a field
    of the wrong type."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise BadLine("not valid UTF-8") from None
    if not raw.strip():
        return None
    try:
        record = json.loads(raw)
    except RecursionError:
        raise BadLine("JSON nested too deeply") from None
    except ValueError:
        raise BadLine("not JSON") from None
    if not isinstance(record, dict):
        raise BadLine("not a JSON object")
    for key in _STRING_FIELDS:
        value = record.get(key)
        if value is not None and not isinstance(value, str):
            raise BadLine(f"{key!r} is a {type(value).__name__}, not a string")
    return record


def article_from_record(record: dict, loaded_at: datetime) -> Article | None:
    """One replay line as an Article; None when it has no usable URL."""
    from extractors.urls import canonical_url, is_fetchable

    from extractors.text import CONTROL_RE, clean_text

    url = (record.get("url") or "").strip()  # with a control character: not fetchable, skipped
    if not url or not is_fetchable(url):
        return None
    canonical = canonical_url(url)
    try:
        host = urlsplit(CONTROL_RE.sub("", record.get("feed_url") or "") or url).hostname or ""
    except ValueError:  # e.g. an invalid IPv6 literal in the feed URL
        host = ""
    # Control characters (ESC/OSC sequences, lone surrogates) are removed at the boundary:
    # stored raw, they reached analysts' terminals through `query stories` and `sql`.
    text = clean_text(record.get("summary") or "", SUMMARY_CHARS)
    published = parse_published(record.get("published"))
    return Article(
        article_id=article_id_for(canonical), url=url, canonical_url=canonical, feed=host,
        outlet=outlet_of(host), guid=None, title=clean_text(record.get("title") or "", TITLE_CHARS),
        summary=text, author=None, published_at=published,
        first_seen_at=published or loaded_at, language=None, text=text,
        word_count=len(text.split()),
        text_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(), source="feed")


def read_lines(path: Path, limit: int | None = None) -> Iterator[bytes]:
    """The file's lines as bytes: each is decoded on its own, so one invalid line is counted
    as bad instead of ending the replay."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            for number, line in enumerate(fh, 1):
                if limit is not None and number > limit:
                    return
                yield line
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise ReplayFileError(f"{path}: cannot read ({exc})") from None


def count_lines(path: Path, limit: int | None = None) -> int:
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            total = sum(1 for _ in fh)
    except (OSError, EOFError) as exc:
        raise ReplayFileError(f"{path}: cannot read ({exc})") from None
    return min(total, limit) if limit is not None else total


def chunks(lines: Iterator[str], size: int) -> Iterator[list[str]]:
    chunk: list[str] = []
    for line in lines:
        chunk.append(line)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def articles_of(lines: Sequence[bytes | str], loaded_at: datetime, first_line: int = 1,
                bad: list[str] | None = None) -> list[Article]:
    """The articles of a chunk of lines. Blank lines and lines without a usable URL are
    skipped; a line that is not a valid record is skipped and, when `bad` is given, noted
    there as "line N: reason" (without it, the first such line raises ReplayFileError)."""
    found = []
    for number, line in enumerate(lines, first_line):
        try:
            record = record_of(line)
        except BadLine as exc:
            if bad is None:
                raise ReplayFileError(f"line {number}: {exc}") from None
            bad.append(f"line {number}: {exc}")
            continue
        if record is None:
            continue
        article = article_from_record(record, loaded_at)
        if article is not None:
            found.append(article)
    return found


def variant_ids(article: Article) -> list[str]:
    """The ids an article may already be stored under: its own, then those of the http/https
    and trailing-slash spellings of its URL (which are the same story)."""
    from extractors.urls import identity_variants

    return [article.article_id] + [article_id_for(v) for v in identity_variants(article.canonical_url)
                                   if v != article.canonical_url]


# ------------------------------------------------------------------ workers: prepare a batch


@dataclass(frozen=True)
class PreparedBatch:
    """One chunk of lines, made ready to load by a worker process."""

    lines: int
    articles: list[Article]
    classifications: list[Classification]
    signatures: Any  # numpy array (n x NUM_PERM) of the articles' MinHash signatures
    shingle_counts: Any
    bad: int = 0  # lines that were not valid records
    bad_examples: tuple[str, ...] = ()


_skip_ids: frozenset[str] = frozenset()


def _init_worker(stored: frozenset[str]) -> None:
    global _skip_ids
    _skip_ids = stored


def prepare_batch(lines: list[bytes], loaded_at: datetime, first_line: int = 1,
                  classifier_name: str = DEFAULT_CLASSIFIER) -> PreparedBatch:
    """Worker-process function: parse, skip stored articles, classify, sign (MinHash)."""
    from classifiers.base import get_classifier
    from warehouse.clusters import cluster_text, signatures

    bad: list[str] = []
    articles = [a for a in articles_of(lines, loaded_at, first_line, bad)
                if not any(i in _skip_ids for i in variant_ids(a))]
    classifications = get_classifier(classifier_name).classify(
        [TextItem(a.article_id, a.title, a.summary, "") for a in articles])
    sigs, counts = signatures([cluster_text(a) for a in articles])
    return PreparedBatch(len(lines), articles, classifications, sigs, counts, len(bad),
                         tuple(bad[:MAX_BAD_EXAMPLES]))


# ------------------------------------------------------------------ main process: load


def stored_ids(db_path: Path) -> frozenset[str]:
    from warehouse.db import read_connection
    from warehouse.load import stored_article_ids

    if not db_path.exists():
        return frozenset()
    with read_connection(db_path) as con:
        return stored_article_ids(con)


def load_prepared(db_path: Path, run_id: str, batch: PreparedBatch, seen: set[str]) -> tuple[int, int]:
    """Load one prepared batch in one transaction; returns (new articles, AI×work among them)."""
    from warehouse.clusters import remember_signatures
    from warehouse.db import write_connection
    from warehouse.load import load_batch

    keep = []
    for i, a in enumerate(batch.articles):
        ids = variant_ids(a)
        if not any(v in seen for v in ids):  # http/https, trailing slash: one article
            keep.append(i)
            seen.update(ids)
    if not keep:
        return 0, 0
    articles = [batch.articles[i] for i in keep]
    classifications = [batch.classifications[i] for i in keep]
    remember_signatures([a.article_id for a in articles], batch.signatures[keep],
                        batch.shingle_counts[keep])
    with write_connection(db_path) as con:
        new = load_batch(con, run_id, articles, classifications)
    return new, sum(1 for c in classifications if c.is_ai_work)


def replay(path: Path, db_path: Path, limit: int | None = None, batch_size: int = DEFAULT_BATCH,
           workers: int = 2, progress=None) -> ReplaySummary:
    """Replay a JSON-lines corpus into the warehouse; see the module docstring. Like an
    ingest or a backfill, it holds the warehouse's ingest lock while it runs."""
    from warehouse.db import ingest_lock

    if not path.exists():
        raise ReplayFileError(f"{path}: no such file")
    with ingest_lock(db_path):
        return _replay(path, db_path, limit, batch_size, workers, progress)


def _replay(path: Path, db_path: Path, limit: int | None, batch_size: int, workers: int,
            progress) -> ReplaySummary:
    from warehouse.db import utcnow, write_connection
    from warehouse.runs import finish_run, start_run

    started = time.monotonic()
    run_id = f"replay-{datetime.now(timezone.utc):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    loaded_at = utcnow()
    with write_connection(db_path) as con:  # creates / migrates the warehouse
        start_run(con, run_id, "replay", {"file": str(path), "limit": limit})
    stored = stored_ids(db_path)
    seen: set[str] = set(stored)
    lines = new = ai_work = 0
    bad: list[tuple[int, tuple[str, ...]]] = []  # (count, first examples) per batch
    pending: deque[Future] = deque()
    status = "failed"
    from flows.lifeline import die_with_parent  # workers end with this process (kill -9 too)

    pool = ProcessPoolExecutor(max_workers=max(1, workers), initializer=die_with_parent,
                               initargs=(os.getpid(), _init_worker, stored))
    try:
        first_line = 1
        for chunk in chunks(read_lines(path, limit), batch_size):
            pending.append(pool.submit(prepare_batch, chunk, loaded_at, first_line))
            first_line += len(chunk)
            while len(pending) > workers + 1:
                lines, new, ai_work = _load_next(db_path, run_id, pending, seen, progress,
                                                 (lines, new, ai_work), bad)
        while pending:
            lines, new, ai_work = _load_next(db_path, run_id, pending, seen, progress,
                                             (lines, new, ai_work), bad)
        status = "ok"
    finally:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
        with write_connection(db_path) as con:
            finish_run(con, run_id, status, {"items": lines, "new_articles": new, "ai_work": ai_work,
                                             "bad_lines": sum(n for n, _ in bad)})
    bad_lines = sum(n for n, _ in bad)
    examples = tuple(e for _, ex in bad for e in ex)[:MAX_BAD_EXAMPLES]
    return ReplaySummary(run_id, lines, lines - new - bad_lines, new, ai_work,
                         round(time.monotonic() - started, 1), bad_lines, examples)


def _load_next(db_path: Path, run_id: str, pending: deque, seen: set[str], progress,
               totals: tuple[int, int, int],
               bad: list[tuple[int, tuple[str, ...]]]) -> tuple[int, int, int]:
    batch: PreparedBatch = pending.popleft().result()
    if batch.bad:
        bad.append((batch.bad, batch.bad_examples))
    new, ai_work = load_prepared(db_path, run_id, batch, seen)
    if progress is not None:
        progress(batch.lines)
    return totals[0] + batch.lines, totals[1] + new, totals[2] + ai_work
