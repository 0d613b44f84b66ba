"""The `events` table: workforce-event mentions of AI×work articles (classifiers/events.py).

record_events runs inside the caller's load transaction (warehouse.load.load_batch), so an
article and its events are written, or rolled back, together. refresh_events re-derives the
events of stored articles after they were re-scored (reclassify, backfill --source reprocess),
inside the caller's transaction too.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Iterable, Sequence

import duckdb
import pyarrow as pa

from classifiers.events import MAX_TEXT_CHARS, WorkforceEvent, company_key, extract_events
from extractors.types import Article, Classification, TextItem
from warehouse.db import utcnow
from warehouse.sqlfiles import sql

EXTRACTOR_VERSION = "1.0.0"
EVENT_SCHEMA = pa.schema([
    ("article_id", pa.string()), ("company_key", pa.string()), ("action", pa.string()),
    ("company", pa.string()), ("company_raw", pa.string()), ("headcount", pa.int64()),
    ("percent", pa.float64()), ("occupation_or_unit", pa.string()),
    ("ai_attribution", pa.string()), ("event_date", pa.date32()), ("country", pa.string()),
    ("evidence", pa.string()), ("event_key", pa.string()),
    ("extractor_version", pa.string()), ("extracted_at", pa.timestamp("us")),
])


def event_rows(article_id: str, events: Sequence[WorkforceEvent], now: datetime) -> list[dict]:
    rows = []
    for e in events:
        key = company_key(e.company)
        rows.append({
            "article_id": article_id, "company_key": key, "action": e.action,
            "company": e.company, "company_raw": e.company_raw, "headcount": e.headcount,
            "percent": e.percent, "occupation_or_unit": e.occupation_or_unit,
            "ai_attribution": e.ai_attribution, "event_date": e.event_date,
            "country": e.country,
            "evidence": json.dumps([{"field": s.field, "start": s.start, "end": s.end,
                                     "text": s.text} for s in e.evidence], ensure_ascii=False),
            "event_key": f"{key}|{e.action}", "extractor_version": EXTRACTOR_VERSION,
            "extracted_at": now,
        })
    return rows


def _story_date(a: Article) -> date | None:
    when = a.published_at or a.first_seen_at
    return when.date() if when else None


def record_events(con: duckdb.DuckDBPyConnection, articles: Sequence[Article],
                  classifications: Sequence[Classification]) -> int:
    """Replace the events of the batch's classified articles (the AI×work ones get theirs
    extracted; the others lose any they had). Call inside the load transaction, after the
    articles, clusters and classifications are written. Returns the rows written."""
    verdict: dict[str, bool] = {}
    for c in classifications:
        verdict[c.item_id] = c.is_ai_work  # the batch's last verdict on an article wins
    if not verdict:
        return 0
    now = utcnow()
    rows: list[dict] = []
    for a in {a.article_id: a for a in articles}.values():
        if verdict.get(a.article_id):
            rows.extend(event_rows(a.article_id, extract_events(a, _story_date(a)), now))
    return _replace(con, sorted(verdict), rows)


def refresh_events(con: duckdb.DuckDBPyConnection, article_ids: Iterable[str]) -> int:
    """Re-derive the events of these stored articles from their text and their latest
    classification (the one just written by a reclassify or reprocess). Call inside the
    caller's transaction. Returns the rows written."""
    ids = sorted(set(article_ids))
    if not ids:
        return 0
    now = utcnow()
    rows: list[dict] = []
    found = con.execute(sql("events_refresh_articles"),
                        {"ids": ids, "max_chars": MAX_TEXT_CHARS}).fetchall()
    for article_id, title, summary, text, story_at in found:
        item = TextItem(article_id, title or "", summary or "", text or "")
        story_date = story_at.date() if story_at else None
        rows.extend(event_rows(article_id, extract_events(item, story_date), now))
    return _replace(con, ids, rows)


def _replace(con: duckdb.DuckDBPyConnection, ids: list[str], rows: list[dict]) -> int:
    con.execute("DELETE FROM events WHERE article_id IN (SELECT unnest($ids))", {"ids": ids})
    if not rows:
        return 0
    table = pa.Table.from_pylist(rows, schema=EVENT_SCHEMA)
    con.register("batch_events", table)
    try:
        con.execute(sql("insert_events"))
    finally:
        con.unregister("batch_events")
    return table.num_rows
