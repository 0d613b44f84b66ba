"""Spike detection (issue 20): a topic or evidence term whose count of AI×work stories in the
last period is unusually high against its own recent history.

The test: the period's count k (stories, copies of one story once) against a Poisson with
rate λ = the mean count of the `history` periods before it (at least MIN_RATE: a topic
with no history would otherwise spike on its second story). A spike needs k >= min_count
and P(X >= k | λ) < p. Defaults (7-day periods, 8 of history, min_count 5, p 0.001)
measured on the 2023 replay corpus: the week of the writers' strike (1-7 May 2023, policy:
8 stories against a mean of 0.9) is flagged; no other week's policy count is (the next
highest, 25 Sep-1 Oct, 5 against 1.1, has p = 0.006).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb

from warehouse.sqlfiles import sql

MIN_RATE = 1.0


@dataclass(frozen=True)
class Spike:
    kind: str          # topic | term
    key: str
    count: int         # stories in the period
    expected: float    # λ: mean per period over the history
    p_value: float
    period_start: datetime
    period_end: datetime
    stories: tuple[tuple[str, str, str], ...] = ()  # (outlet, title, url), the period's first few


def poisson_tail(k: int, rate: float) -> float:
    """P(X >= k) for X ~ Poisson(rate)."""
    if k <= 0:
        return 1.0
    term = math.exp(-rate)
    below = term
    for i in range(1, k):
        term *= rate / i
        below += term
    return max(0.0, 1.0 - below)


def find_spikes(con: duckdb.DuckDBPyConnection, end: datetime, days: int = 7, history: int = 8,
                min_count: int = 5, p: float = 0.001, kinds: tuple[str, ...] = ("topic", "term"),
                stories: int = 5) -> list[Spike]:
    start = end - timedelta(days=days * (history + 1))
    rows = con.execute(sql("spike_counts"), {"start": start, "end": end, "days": days,
                                             "history": history, "min_count": min_count}).fetchall()
    spikes = []
    for kind, key, current, past in rows:
        if kind not in kinds:
            continue
        rate = max(past / history, MIN_RATE)
        tail = poisson_tail(current, rate)
        if tail < p:
            spikes.append(Spike(kind, key, current, round(past / history, 2), tail,
                                end - timedelta(days=days), end))
    spikes.sort(key=lambda s: s.p_value)
    return [_with_stories(con, s, stories) for s in spikes]


def _with_stories(con: duckdb.DuckDBPyConnection, spike: Spike, limit: int) -> Spike:
    column = "topics" if spike.kind == "topic" else "terms"
    rows = con.execute(
        f"SELECT a.outlet, a.title, a.url FROM story_facts f JOIN articles a USING (article_id) "
        f"WHERE f.is_first AND f.is_ai_work AND list_contains(f.{column}, ?) "
        f"AND f.story_at >= ? AND f.story_at < ? ORDER BY f.story_at LIMIT ?",
        [spike.key, spike.period_start, spike.period_end, limit]).fetchall()
    from dataclasses import replace

    return replace(spike, stories=tuple((r[0] or "", r[1] or "", r[2]) for r in rows))
