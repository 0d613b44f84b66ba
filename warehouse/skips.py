"""What a run does not fetch again: items already stored under any variant of their URL, and
pages that failed for good not long ago.

- An article is the same whatever the scheme or trailing slash of the link
  (extractors/urls.py identity_variants): an item is known when any variant's id is stored.
- A page that answered 404 or 410, or was not HTML, or was over the size cap, is not requested
  again for `hard_failure_retry_days` ([fetch] in feeds.toml, 7 by default; 0 = every run).
- A page that yielded no article text is not requested again until its feed entry changes
  (title, summary, date, guid or link): its error records the entry's fingerprint.

Reads only `articles` and `article_errors`; no schema change.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Iterable, Sequence

import duckdb

from warehouse.db import naive_utc
from warehouse.sqlfiles import sql
from extractors.types import ENTRY_MARK, FeedItem, article_id_for
from extractors.urls import identity_key, identity_variants

HARD_HTTP_ERRORS = ("HTTP 404", "HTTP 410")  # the `error` text of those HardFetchErrors
HARD_REASONS = ("not_html", "too_large")  # fetching again would bring the same answer
NO_TEXT_REASON = "no_text"


def variant_ids(item: FeedItem) -> list[str]:
    """The ids this item's article may be stored under (http/https, trailing slash or not);
    its own id first."""
    return [item.article_id] + [article_id_for(v) for v in identity_variants(item.canonical_url)
                                if v != item.canonical_url]


def unique_by_identity(items: Iterable[FeedItem]) -> list[FeedItem]:
    """One item per URL identity (the first of each), in order."""
    unique: dict[str, FeedItem] = {}
    for item in items:
        unique.setdefault(identity_key(item.canonical_url), item)
    return list(unique.values())


def unseen_items(con: duckdb.DuckDBPyConnection, items: Iterable[FeedItem], *,
                 retry_days: float = 7.0, now: datetime | None = None) -> list[FeedItem]:
    """The items to fetch: one per URL identity (the first), minus those stored under any
    variant of their URL, those that failed hard within retry_days, and those that yielded
    no text for the same feed entry."""
    unique = unique_by_identity(items)
    if not unique:
        return []
    skip = skipped_ids(con, unique, retry_days=retry_days, now=now)
    return [item for item in unique if item.article_id not in skip]


def skipped_ids(con: duckdb.DuckDBPyConnection, items: Iterable[FeedItem], *,
                retry_days: float = 7.0, now: datetime | None = None) -> set[str]:
    """The article ids of those items not to fetch: stored under any variant of their URL,
    failed hard within retry_days, or no text for the same feed entry. (A drop-in for
    warehouse.load.known_article_ids that takes the items rather than their ids.)"""
    items = list(items)
    if not items:
        return set()
    ids_of = [variant_ids(item) for item in items]
    all_ids = sorted({i for ids in ids_of for i in ids})
    known = {r[0] for r in con.execute(
        "SELECT article_id FROM articles WHERE article_id IN (SELECT unnest($ids))",
        {"ids": all_ids}).fetchall()}
    failed = _recent_failures(con, all_ids, retry_days, now)
    skip = set()
    for item, ids in zip(items, ids_of):
        marks = set().union(*(failed.get(i, ()) for i in ids))
        if (any(i in known for i in ids) or "hard" in marks
                or f"{ENTRY_MARK}{item.entry_fingerprint}" in marks):
            skip.add(item.article_id)
    return skip


def past_timeouts(con: duckdb.DuckDBPyConnection, ids: Sequence[str]) -> dict[str, int]:
    """article id -> how many earlier fetches of its page ran out of time."""
    return dict(con.execute(sql("past_timeouts"), {"ids": list(ids)}).fetchall())


def _recent_failures(con: duckdb.DuckDBPyConnection, ids: Sequence[str], retry_days: float,
                     now: datetime | None) -> dict[str, set[str]]:
    """article id -> {"hard"} for a recent lasting fetch failure, plus "entry <fp>" for each
    feed entry whose page yielded no text."""
    now = now or datetime.now(timezone.utc)
    cutoff = naive_utc((now - timedelta(days=max(0.0, retry_days))).astimezone(timezone.utc))
    rows = con.execute(
        """SELECT article_id, stage, reason, error, failed_at >= $cutoff AS recent
           FROM article_errors
           WHERE article_id IN (SELECT unnest($ids)) AND kind = 'hard'
             AND ((stage = 'fetch' AND (reason IN (SELECT unnest($reasons))
                                        OR error IN (SELECT unnest($http))))
                  OR (stage = 'extract' AND reason = $no_text))""",
        {"ids": list(ids), "cutoff": cutoff, "reasons": list(HARD_REASONS),
         "http": list(HARD_HTTP_ERRORS), "no_text": NO_TEXT_REASON}).fetchall()
    marks: dict[str, set[str]] = {}
    for article_id, stage, _reason, error, recent in rows:
        if stage == "fetch":
            if recent and retry_days > 0:
                marks.setdefault(article_id, set()).add("hard")
        else:
            text = (error or "").rstrip(")")
            at = text.rfind(f"({ENTRY_MARK}")
            if at >= 0:
                marks.setdefault(article_id, set()).add(text[at + 1:])
    return marks
