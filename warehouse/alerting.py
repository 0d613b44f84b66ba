"""What alerts and digests (flows/alerts.py, `workwatch digest`, `workwatch watch`) read from
and write to the warehouse: the `alert_deliveries` queue, `watch_hits` notification marks,
the feed fetches an outage alert looks at. Plain values in and out; the callers hold the
transaction (warehouse.tx.transaction)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Sequence

import duckdb


# ------------------------------------------------------------------ the delivery queue


def insert_delivery(con: duckdb.DuckDBPyConnection, kind: str, subject: str, target_hash: str,
                    target: str, title: str, body: str, created_at: datetime,
                    run_id: str | None) -> None:
    """Queue one message to one destination (`target` is the redacted URL)."""
    con.execute("INSERT INTO alert_deliveries (delivery_id, kind, subject, target_hash, target, "
                "title, body, created_at, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [uuid.uuid4().hex, kind, subject, target_hash, target, title, body, created_at,
                 run_id])


def deliveries_since(con: duckdb.DuckDBPyConnection, kind: str, subject: str,
                     since: datetime) -> int:
    """How many messages of this kind and subject were queued since `since`."""
    return con.execute("SELECT count(*) FROM alert_deliveries WHERE kind = ? AND subject = ? "
                       "AND created_at >= ?", [kind, subject, since]).fetchone()[0]


def pending_deliveries(con: duckdb.DuckDBPyConnection, max_attempts: int) -> list[tuple]:
    """(delivery_id, kind, subject, target_hash, title, body, attempts) of every message not
    delivered yet and tried fewer than max_attempts times, oldest first."""
    return con.execute("SELECT delivery_id, kind, subject, target_hash, title, body, attempts "
                       "FROM alert_deliveries WHERE delivered_at IS NULL AND attempts < ? "
                       "ORDER BY created_at", [max_attempts]).fetchall()


def give_up_delivery(con: duckdb.DuckDBPyConnection, delivery_id: str, attempts: int,
                     error: str, at: datetime) -> None:
    """Never retry this message (its destination is gone)."""
    con.execute("UPDATE alert_deliveries SET attempts = ?, last_error = ?, last_attempt_at = ? "
                "WHERE delivery_id = ?", [attempts, error, at, delivery_id])


def record_attempt(con: duckdb.DuckDBPyConnection, delivery_id: str, error: str | None,
                   at: datetime) -> None:
    """One more attempt at this message: delivered when error is None."""
    if error is None:
        con.execute("UPDATE alert_deliveries SET attempts = attempts + 1, delivered_at = ?, "
                    "last_attempt_at = ?, last_error = NULL WHERE delivery_id = ?",
                    [at, at, delivery_id])
    else:
        con.execute("UPDATE alert_deliveries SET attempts = attempts + 1, last_attempt_at = ?, "
                    "last_error = ? WHERE delivery_id = ?", [at, error, delivery_id])


def record_digest_attempt(con: duckdb.DuckDBPyConnection, target_hash: str, error: str | None,
                          at: datetime) -> None:
    """The first (and only) attempt of a `workwatch digest --to` message to this target."""
    con.execute("UPDATE alert_deliveries SET attempts = 1, last_attempt_at = ?, "
                "delivered_at = CASE WHEN ? THEN ? END, last_error = ? "
                "WHERE kind = 'digest' AND target_hash = ? AND attempts = 0",
                [at, error is None, at, error, target_hash])


# ------------------------------------------------------------------ watch hits


def unnotified_hits(con: duckdb.DuckDBPyConnection, watch: str) -> list[tuple]:
    """(cluster_id, outlet, title, url, topics) of a watch's hits not notified yet, oldest
    story first."""
    return con.execute(
        "SELECT h.cluster_id, a.outlet, a.title, a.url, f.topics FROM watch_hits h "
        "JOIN articles a ON a.article_id = h.article_id "
        "LEFT JOIN story_facts f ON f.article_id = h.article_id "
        "WHERE h.watch = ? AND h.notified_at IS NULL "
        "ORDER BY coalesce(a.published_at, a.first_seen_at), a.article_id", [watch]).fetchall()


def mark_hits_notified(con: duckdb.DuckDBPyConnection, watch: str, cluster_ids: Sequence[str],
                       at: datetime) -> None:
    con.execute("UPDATE watch_hits SET notified_at = ? WHERE watch = ? AND notified_at IS NULL "
                "AND cluster_id IN (SELECT unnest(?))", [at, watch, list(cluster_ids)])


def mark_watches_notified(con: duckdb.DuckDBPyConnection, watches: Sequence[str],
                          at: datetime) -> None:
    """Every hit of these watches not notified yet is notified now (a digest listed them)."""
    con.execute("UPDATE watch_hits SET notified_at = ? WHERE notified_at IS NULL "
                "AND watch IN (SELECT unnest(?))", [at, list(watches)])


def stored_watch_count(con: duckdb.DuckDBPyConnection) -> int:
    """Watches the warehouse holds (0 before migration 021)."""
    try:
        return con.execute("SELECT count(*) FROM watches").fetchone()[0]
    except duckdb.CatalogException:  # migrated by the next write
        return 0


# ------------------------------------------------------------------ feed outages


def run_fetch_statuses(con: duckdb.DuckDBPyConnection, run_id: str) -> list[str]:
    """The status of each feed fetch of a run (skipped ones left out)."""
    return [r[0] for r in con.execute(
        "SELECT status FROM feed_fetches WHERE run_id = ? AND status <> 'skipped'",
        [run_id]).fetchall()]


def feeds_failing_since(con: duckdb.DuckDBPyConnection, run_id: str, n: int) -> list[tuple]:
    """(feed, last error) of the run's feeds whose last n fetches failed and the one before
    did not (or there was none): exactly n failures in a row, reported once."""
    return con.execute(
        "WITH recent AS (SELECT feed, status, error, row_number() OVER "
        "(PARTITION BY feed ORDER BY fetched_at DESC) AS i FROM feed_fetches "
        "WHERE status <> 'skipped' AND feed IN (SELECT feed FROM feed_fetches WHERE run_id = ?)) "
        "SELECT feed, any_value(error) FILTER (WHERE i = 1) FROM recent WHERE i <= ? GROUP BY feed "
        "HAVING count(*) FILTER (WHERE status = 'error') = ? "
        "AND coalesce(bool_or(status <> 'error') FILTER (WHERE i = ?), TRUE)",
        [run_id, n + 1, n, n + 1]).fetchall()
