"""Runs, feed fetches and feed state in the warehouse."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Sequence

import duckdb
import pyarrow as pa

from extractors.types import FeedState
from warehouse.db import naive_utc, utcnow
from warehouse.sqlfiles import sql
from warehouse.tx import insert_table, transaction


@dataclass(frozen=True)
class StoredFeed:
    name: str
    state: FeedState
    next_check_at: datetime | None
    last_ok_at: datetime | None = None  # naive UTC, as stored


@dataclass(frozen=True)
class FeedResult:
    """What one run learned about one feed: one feed_fetches row and the feed's new state."""

    feed: str
    url: str
    status: str
    fetched_at: datetime
    http_status: int | None = None
    bytes: int = 0
    items: int = 0
    new_items: int = 0
    elapsed_ms: float = 0.0
    error: str | None = None
    warning: str | None = None
    # new state
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    ok: bool = False
    error_score: float = 0.0
    consecutive_failures: int = 0
    next_check_at: datetime | None = None


CRASHED_MESSAGE = ("its process ended without finishing it (killed, or the machine stopped); "
                   "batches it committed are kept, and the next run does the rest")


def close_crashed_runs(con: duckdb.DuckDBPyConnection) -> int:
    """Mark `crashed` every run still `running`. Call it only under warehouse.db.ingest_lock:
    every run is started under that lock, so while we hold it a run marked running belongs
    to a process that died (kill -9, power cut) before it could record its end."""
    return len(con.execute(
        "UPDATE runs SET status = 'crashed', finished_at = ?, message = ? "
        "WHERE status = 'running' RETURNING run_id", [utcnow(), CRASHED_MESSAGE]).fetchall())


def start_run(con: duckdb.DuckDBPyConnection, run_id: str, kind: str, parameters: dict) -> None:
    """Record a run as `running` (the caller holds the ingest lock); runs left running by a
    dead process are closed first (`crashed`)."""
    close_crashed_runs(con)
    con.execute(
        "INSERT INTO runs (run_id, kind, parameters, started_at, status) VALUES (?, ?, ?, ?, 'running') "
        "ON CONFLICT (run_id) DO NOTHING",
        [run_id, kind, json.dumps(parameters, default=str), utcnow()])


def finish_run(con: duckdb.DuckDBPyConnection, run_id: str, status: str, counts: dict[str, Any],
               message: str | None = None) -> None:
    con.execute(
        "UPDATE runs SET finished_at = ?, status = ?, feeds_ok = ?, feeds_failed = ?, items = ?, "
        "new_articles = ?, ai_work = ?, errors = ?, message = ? WHERE run_id = ?",
        [utcnow(), status, counts.get("feeds_ok", 0), counts.get("feeds_failed", 0),
         counts.get("items", 0), counts.get("new_articles", 0), counts.get("ai_work", 0),
         counts.get("errors", 0), message, run_id])


def stored_feeds(con: duckdb.DuckDBPyConnection) -> dict[str, StoredFeed]:
    rows = con.execute(
        "SELECT name, etag, last_modified, body_hash, error_score, consecutive_failures, "
        "next_check_at, last_ok_at FROM feeds").fetchall()
    return {r[0]: StoredFeed(r[0], FeedState(r[1], r[2], r[3], r[4] or 0.0, r[5] or 0), r[6],
                             r[7]) for r in rows}


FETCH_FIELDS = [("run_id", pa.string()), ("feed", pa.string()), ("url", pa.string()),
                ("fetched_at", pa.timestamp("us")), ("status", pa.string()),
                ("http_status", pa.int32()), ("bytes", pa.int64()), ("items", pa.int32()),
                ("new_items", pa.int32()), ("elapsed_ms", pa.float64()), ("error", pa.string()),
                ("warning", pa.string())]
STATE_FIELDS = [("name", pa.string()), ("etag", pa.string()), ("last_modified", pa.string()),
                ("body_hash", pa.string()), ("checked_at", pa.timestamp("us")),
                ("ok", pa.bool_()), ("status", pa.string()), ("error_score", pa.float64()),
                ("consecutive_failures", pa.int32()), ("next_check_at", pa.timestamp("us")),
                ("error", pa.string())]


def record_feed_results(con: duckdb.DuckDBPyConnection, run_id: str,
                        results: Sequence[FeedResult]) -> None:
    """Write feed_fetches rows and update feed state, in one transaction."""
    fetches = pa.Table.from_pylist([{
        "run_id": run_id, "feed": r.feed, "url": r.url, "fetched_at": naive_utc(r.fetched_at),
        "status": r.status, "http_status": r.http_status, "bytes": r.bytes, "items": r.items,
        "new_items": r.new_items, "elapsed_ms": r.elapsed_ms, "error": r.error,
        "warning": r.warning} for r in results], schema=pa.schema(FETCH_FIELDS))
    states = pa.Table.from_pylist([{
        "name": r.feed, "etag": r.etag, "last_modified": r.last_modified,
        "body_hash": r.body_hash, "checked_at": naive_utc(r.fetched_at), "ok": r.ok,
        "status": r.status, "error_score": r.error_score,
        "consecutive_failures": r.consecutive_failures,
        "next_check_at": naive_utc(r.next_check_at), "error": r.error}
        for r in results if r.status != "skipped"], schema=pa.schema(STATE_FIELDS))
    with transaction(con):
        insert_table(con, "batch_fetches", fetches, "insert_feed_fetches")
        insert_table(con, "batch_state", states, "update_feed_state")


def close_stale_runs(con: duckdb.DuckDBPyConnection, kind: str) -> None:
    """Mark the `kind` ('ingest' or 'backfill') runs a dead process left 'running' as ended."""
    con.execute(sql(f"{kind}_close_stale_runs"), {"now": utcnow()})


def done_units(con: duckdb.DuckDBPyConnection, job_key: str) -> dict[str, str]:
    """unit key -> selection of the backfill units this job finished."""
    return dict(con.execute(sql("backfill_done_units"), {"job_key": job_key}).fetchall())


def mark_unit_done(con: duckdb.DuckDBPyConnection, job_key: str, unit: str, selection: str,
                   run_id: str, items: int, new_articles: int, errors: int) -> None:
    """Record one backfill unit as done (a resumed job skips it)."""
    con.execute(sql("backfill_mark_done"), {
        "job_key": job_key, "unit": unit, "selection": selection, "run_id": run_id,
        "items": items, "new_articles": new_articles, "errors": errors, "done_at": utcnow()})
