"""The naive pipeline, as a first script would do it: one thing after another.

feedparser on every feed, then for each item `httpx.get` the page, `trafilatura.extract`
it and INSERT one row into DuckDB (autocommit). It runs on at most `limit` articles; the
time for all of them is extrapolated from the time per article.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from extractors.extract import DEFAULT_EXTRACT, ExtractSettings

DEFAULT_LIMIT = 200


@dataclass(frozen=True)
class NaiveResult:
    articles: int  # all the articles the feeds list
    measured: int  # articles actually processed
    feeds_s: float  # fetching and parsing every feed
    articles_s: float  # the measured articles
    loaded: int

    @property
    def per_article_s(self) -> float:
        return self.articles_s / self.measured if self.measured else 0.0

    @property
    def extrapolated_s(self) -> float:
        """Time for all the articles: feeds plus per-article time times their number."""
        return self.feeds_s + self.per_article_s * self.articles

    @property
    def rate(self) -> float:
        return self.articles / self.extrapolated_s if self.extrapolated_s else 0.0


def naive_pipeline(feed_urls: Sequence[str], db_path: Path, limit: int = DEFAULT_LIMIT,
                   settings: ExtractSettings = DEFAULT_EXTRACT) -> NaiveResult:
    import duckdb
    import feedparser
    import httpx
    import trafilatura

    con = duckdb.connect(str(db_path))
    con.execute("CREATE TABLE IF NOT EXISTS articles (url VARCHAR PRIMARY KEY, title VARCHAR, "
                "text VARCHAR, fetched_at TIMESTAMP)")
    try:
        started = time.perf_counter()
        entries = []
        for url in feed_urls:
            entries += feedparser.parse(httpx.get(url).content).entries
        feeds_s = time.perf_counter() - started
        started = time.perf_counter()
        loaded = 0
        for entry in entries[:limit]:
            html = httpx.get(entry.link).text
            text = trafilatura.extract(html, url=entry.link, fast=settings.fast,
                                       include_comments=settings.include_comments,
                                       include_tables=settings.include_tables,
                                       favor_recall=settings.favor_recall)
            con.execute("INSERT INTO articles VALUES (?, ?, ?, now())",
                        [entry.link, entry.get("title"), text])
            loaded += 1
        articles_s = time.perf_counter() - started
    finally:
        con.close()
    return NaiveResult(len(entries), min(limit, len(entries)), round(feeds_s, 3),
                       round(articles_s, 3), loaded)
