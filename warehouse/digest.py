"""The digest's data (issue 20): counts per topic, spikes, new workforce events, watch hits
and the top stories of a period, read from the warehouse (flows/digest.py renders it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from warehouse.spikes import Spike, find_spikes


@dataclass(frozen=True)
class Story:
    outlet: str
    title: str
    url: str
    topics: tuple[str, ...]
    copies: int = 1


@dataclass(frozen=True)
class Digest:
    since: datetime
    until: datetime
    stories: int                                   # AI×work stories (copies once)
    topics: tuple[tuple[str, int], ...]
    spikes: tuple[Spike, ...]
    events: tuple[tuple[str, str, int | None, str], ...]   # company, action, headcount, url
    watches: tuple[tuple[str, tuple[Story, ...]], ...]
    top: tuple[Story, ...]


def build_digest(con: duckdb.DuckDBPyConnection, since: datetime, until: datetime,
                 top: int = 10) -> Digest:
    between = [since, until]
    topics = con.execute(
        "SELECT topic, count(*) FROM (SELECT unnest(topics) AS topic FROM story_facts "
        "WHERE is_first AND is_ai_work AND story_at >= ? AND story_at < ?) GROUP BY topic "
        "ORDER BY 2 DESC, 1", between).fetchall()
    count = con.execute("SELECT count(*) FROM story_facts WHERE is_first AND is_ai_work "
                        "AND story_at >= ? AND story_at < ?", between).fetchone()[0]
    top_rows = con.execute(
        "WITH c AS (SELECT cluster_key, count(*) AS copies, count(DISTINCT outlet) AS outlets "
        "           FROM story_facts WHERE story_at >= ? AND story_at < ? GROUP BY cluster_key) "
        "SELECT a.outlet, a.title, a.url, f.topics, c.copies FROM story_facts f "
        "JOIN c USING (cluster_key) JOIN articles a USING (article_id) "
        "WHERE f.is_first AND f.is_ai_work AND f.story_at >= ? AND f.story_at < ? "
        "ORDER BY c.outlets DESC, c.copies DESC, len(f.topics) DESC, f.story_at LIMIT ?",
        between + between + [top]).fetchall()
    days = max(1, round((until - since).total_seconds() / 86400))
    spikes = find_spikes(con, until, days=days, stories=3)
    return Digest(since, until, count, tuple(topics), tuple(spikes), _events(con, since, until),
                  _watch_hits(con, since, until),
                  tuple(Story(r[0] or "", r[1] or "", r[2], tuple(r[3] or ()), r[4]) for r in top_rows))


def _events(con, since, until):
    try:
        rows = con.execute(
            "SELECT company, action, headcount, url FROM workforce_events "
            "WHERE first_seen >= ? AND first_seen < ? ORDER BY headcount DESC NULLS LAST LIMIT 20",
            [since, until]).fetchall()
    except duckdb.Error:  # an older warehouse without workforce events (migration 010)
        return ()
    return tuple((r[0], r[1], r[2], r[3]) for r in rows)


def _watch_hits(con, since, until):
    rows = con.execute(
        "SELECT h.watch, a.outlet, a.title, a.url, f.topics FROM watch_hits h "
        "JOIN articles a ON a.article_id = h.article_id "
        "LEFT JOIN story_facts f ON f.article_id = h.article_id "
        "WHERE (coalesce(a.published_at, a.first_seen_at) >= ? "
        "       AND coalesce(a.published_at, a.first_seen_at) < ?) "
        "   OR (h.matched_at >= ? AND h.matched_at < ?) ORDER BY h.watch, a.published_at",
        [since, until, since, until]).fetchall()
    grouped: dict[str, list[Story]] = {}
    for watch, outlet, title, url, topics in rows:
        grouped.setdefault(watch, []).append(Story(outlet or "", title or "", url, tuple(topics or ())))
    return tuple((w, tuple(s)) for w, s in grouped.items())
