"""Bulk loading: each batch goes in through Arrow, in one transaction."""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Iterable, Sequence

import duckdb
import pyarrow as pa

from core.hooks import pause_point
from extractors.types import Article, ArticleError, Classification, Evidence, Feed
from warehouse.clusters import assign_clusters
from warehouse.db import naive_utc, utcnow
from warehouse.events import record_events
from warehouse.facts import facts_fresh, refresh_facts
from warehouse.search_hooks import after_load
from warehouse.sqlfiles import sql
from warehouse.tx import insert_table, transaction

ARTICLE_SCHEMA = pa.schema([
    ("article_id", pa.string()), ("url", pa.string()), ("canonical_url", pa.string()),
    ("feed", pa.string()), ("outlet", pa.string()), ("guid", pa.string()),
    ("title", pa.string()), ("summary", pa.string()), ("author", pa.string()),
    ("published_at", pa.timestamp("us")), ("first_seen_at", pa.timestamp("us")),
    ("language", pa.string()), ("text", pa.string()), ("word_count", pa.int32()),
    ("text_hash", pa.string()), ("source", pa.string()), ("sitename", pa.string()),
    ("archive_path", pa.string()), ("run_id", pa.string()), ("truncated", pa.bool_()),
])
CLASSIFICATION_SCHEMA = pa.schema([
    ("article_id", pa.string()), ("classifier", pa.string()), ("version", pa.string()),
    ("ai_score", pa.float64()), ("work_score", pa.float64()), ("is_ai", pa.bool_()),
    ("is_work", pa.bool_()), ("is_ai_work", pa.bool_()), ("topics", pa.list_(pa.string())),
    ("evidence", pa.string()), ("classified_at", pa.timestamp("us")),
    ("probability", pa.float64()),  # calibrated P(ai_work), learned classifier only (041)
])
ERROR_SCHEMA = pa.schema([
    ("run_id", pa.string()), ("article_id", pa.string()), ("url", pa.string()),
    ("feed", pa.string()), ("stage", pa.string()), ("kind", pa.string()),
    ("error", pa.string()), ("failed_at", pa.timestamp("us")), ("reason", pa.string()),
])


def articles_table(articles: Sequence[Article], run_id: str | None) -> pa.Table:
    seen: set[str] = set()
    rows = []
    for a in articles:
        if a.article_id in seen:
            continue
        seen.add(a.article_id)
        rows.append({
            "article_id": a.article_id, "url": a.url, "canonical_url": a.canonical_url,
            "feed": a.feed, "outlet": a.outlet, "guid": a.guid, "title": a.title,
            "summary": a.summary, "author": a.author,
            "published_at": naive_utc(a.published_at), "first_seen_at": naive_utc(a.first_seen_at),
            "language": a.language, "text": a.text, "word_count": a.word_count,
            "text_hash": a.text_hash, "source": a.source, "sitename": a.sitename,
            "archive_path": a.archive_path, "run_id": run_id, "truncated": a.truncated,
        })
    return pa.Table.from_pylist(rows, schema=ARTICLE_SCHEMA)


EVIDENCE_FIELDS = tuple(f.name for f in fields(Evidence))


def evidence_json(c: Classification) -> str:
    return json.dumps([{n: getattr(e, n) for n in EVIDENCE_FIELDS} for e in c.evidence],
                      ensure_ascii=False)


def classifications_table(classifications: Sequence[Classification]) -> pa.Table:
    """The classification rows, one per (article, classifier, version) - the last wins -
    built column-wise (fast for big slices: reclassify sends 2,500 at a time)."""
    rows: dict[tuple, Classification] = {}
    for c in classifications:
        rows[(c.item_id, c.classifier, c.version)] = c
    scored = list(rows.values())
    now = utcnow()
    columns = {
        "article_id": [c.item_id for c in scored], "classifier": [c.classifier for c in scored],
        "version": [c.version for c in scored], "ai_score": [c.ai_score for c in scored],
        "work_score": [c.work_score for c in scored], "is_ai": [c.is_ai for c in scored],
        "is_work": [c.is_work for c in scored], "is_ai_work": [c.is_ai_work for c in scored],
        "topics": [list(c.topics) for c in scored], "evidence": [evidence_json(c) for c in scored],
        "classified_at": [now] * len(scored),
        "probability": [c.probability for c in scored]}
    return pa.Table.from_pydict(columns, schema=CLASSIFICATION_SCHEMA)


def errors_table(errors: Iterable[ArticleError], run_id: str | None) -> pa.Table:
    now = utcnow()
    rows = [{"run_id": run_id or "", "article_id": e.article_id, "url": e.url,
             "feed": e.feed, "stage": e.stage, "kind": e.kind,
             "error": (e.error or "")[:1000], "failed_at": now,
             "reason": e.reason} for e in errors]
    return pa.Table.from_pylist(rows, schema=ERROR_SCHEMA)


def load_batch(con: duckdb.DuckDBPyConnection, run_id: str | None, articles: Sequence[Article],
               classifications: Sequence[Classification],
               errors: Sequence[ArticleError] = ()) -> int:
    """Insert one batch of articles, their classifications and per-article errors atomically.

    Returns the number of articles that were new. Re-loading the same batch changes nothing.
    """
    before = con.execute("SELECT count(*) FROM articles").fetchone()[0]
    with transaction(con):
        facts_were_fresh = facts_fresh(con)
        insert_table(con, "batch_articles", articles_table(articles, run_id), "insert_articles")
        assign_clusters(con, articles)
        insert_table(con, "batch_classifications", classifications_table(classifications),
                     "upsert_classifications")
        record_events(con, articles, classifications)  # workforce events (issue 19)
        insert_table(con, "batch_errors", errors_table(errors, run_id), "insert_article_errors")
        mark_versions_current(con, {(c.classifier, c.version) for c in classifications})
        refresh_facts(con, [a.article_id for a in articles] + [c.item_id for c in classifications],
                      facts_were_fresh)
        after_load(con, [a.article_id for a in articles])  # search index, watch hits (issue 20)
        pause_point("commit")  # crash tests only (core/hooks.py)
    return con.execute("SELECT count(*) FROM articles").fetchone()[0] - before


def mark_versions_current(con: duckdb.DuckDBPyConnection,
                          versions: Iterable[tuple[str, str]]) -> None:
    """The one "current classifier version" policy: a (classifier, version) becomes current
    in the transaction that writes its first classifications - a load, a reclassify or
    reprocess slice, the LLM judge. Nothing waits for every article to be scored: `stories`
    (migration 006) shows an article without a row of the current version its latest
    classification of any version, so a switch never hides an article."""
    for classifier, version in sorted(set(versions)):
        mark_current_classifier(con, classifier, version)


def mark_current_classifier(con: duckdb.DuckDBPyConnection, classifier: str, version: str) -> None:
    """Make (classifier, version) the one the `stories` view shows."""
    current = con.execute(
        "SELECT version FROM classifier_versions WHERE classifier = ? AND is_current",
        [classifier]).fetchall()
    if current == [(version,)]:
        return
    con.execute("UPDATE classifier_versions SET is_current = FALSE WHERE classifier = ?", [classifier])
    con.execute(
        "INSERT INTO classifier_versions VALUES (?, ?, ?, TRUE) "
        "ON CONFLICT (classifier, version) DO UPDATE SET is_current = TRUE",
        [classifier, version, utcnow()])


def known_article_ids(con: duckdb.DuckDBPyConnection, ids: Sequence[str]) -> set[str]:
    """Which of these article ids are already stored.

    The ids go in as one list parameter: registering an Arrow table would make DuckDB import
    pandas (0.25 s) on the ingest's critical path, before any page is fetched."""
    if not ids:
        return set()
    rows = con.execute("SELECT article_id FROM articles WHERE article_id IN "
                       "(SELECT unnest($ids))", {"ids": list(ids)}).fetchall()
    return {r[0] for r in rows}


def stored_article_ids(con: duckdb.DuckDBPyConnection) -> frozenset[str]:
    """Every stored article id (a replay skips them)."""
    return frozenset(r[0] for r in con.execute("SELECT article_id FROM articles").fetchall())


def sync_feeds(con: duckdb.DuckDBPyConnection, feeds: Sequence[Feed]) -> None:
    """Add new configured feeds, refresh their details (one list parameter, no Arrow table:
    see known_article_ids)."""
    if not feeds:
        return
    rows = [{"name": f.name, "url": f.url, "outlet": f.outlet, "language": f.language,
             "enabled": f.enabled} for f in feeds]
    with transaction(con):
        con.execute(sql("sync_feeds"), {"feeds": rows})
