"""Benchmark helpers for the named queries: a synthetic warehouse and query timings.

    python -m bench.queries [--articles 1000000] [--db PATH] [--repeats 5]

`build_synthetic_warehouse` writes a warehouse of plausible rows entirely in DuckDB SQL
(no Python loop over rows): ~40 outlets of very different sizes, one year of dates with a
weekly rhythm, an AI×work share that grows over the year, 1–3 topics and evidence terms
per AI×work story, ~15% of articles being near-duplicate copies of a recent story from
another outlet (sharing its cluster and its verdict), a few feed outages (days without
data for one outlet), and feeds with health state.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from warehouse.analytics import QueryParams, named_queries, run_query
from warehouse.db import read_connection, write_connection
from warehouse.facts import rebuild_facts
from warehouse.tx import transaction

OUTLETS = 40
YEAR_START = "2025-01-01"

SYNTHETIC_SQL = """
CREATE TEMP TABLE gen AS
WITH base AS (
    SELECT i,
           -- one year, earlier rows first, more on weekdays (rows are dropped nowhere:
           -- the weekly rhythm comes from squeezing weekend timestamps)
           TIMESTAMP '{start}' + to_microseconds(CAST(i * (365 * 86400000000.0 / $n) AS BIGINT))
               AS raw_at,
           hash(i, 'copy') % 100 < 15 AND i > 100 AS is_copy,
           CAST(1 + hash(i, 'offset') % 60 AS BIGINT) AS offset_rows,
           -- outlet sizes follow a power law
           CAST(floor(pow((hash(i, 'outlet') % 1000000) / 1000000.0, 2.2) * {outlets}) AS INTEGER)
               AS outlet_no
    FROM range($n) t(i)
), rooted AS (
    SELECT *, CASE WHEN is_copy THEN i - offset_rows ELSE i END AS root FROM base
)
SELECT i, root,
       substr(md5(CAST(i AS VARCHAR)), 1, 16) AS article_id,
       substr(md5(CAST(root AS VARCHAR)), 1, 16) AS cluster_id,
       -- a copy comes from another outlet; outlet 7 has an outage in days 120-123
       CASE WHEN is_copy THEN CAST((outlet_no + 1 + hash(i, 'o2') % 5) % {outlets} AS INTEGER)
            WHEN outlet_no = 7 AND dayofyear(raw_at) BETWEEN 120 AND 123 THEN 8
            ELSE outlet_no END AS outlet_no,
       CASE WHEN dayofweek(raw_at) IN (0, 6) AND hash(i, 'wk') % 2 = 0
            THEN raw_at - INTERVAL 2 DAY ELSE raw_at END AS published_at,
       CAST(hash(root, 'ai') % 10000 AS BIGINT) / 10000.0 < 0.03 + 0.05 * root / $n AS is_ai_work,
       CAST(hash(root, 'topics') >> 2 AS BIGINT) AS topic_bits,
       CAST(hash(root, 'terms') >> 2 AS BIGINT) AS term_bits
FROM rooted;

INSERT INTO articles (article_id, url, canonical_url, feed, outlet, guid, title, summary,
                      published_at, first_seen_at, language, text, word_count, text_hash,
                      source, run_id)
SELECT article_id,
       'https://outlet' || outlet_no || '.example/news/' || article_id,
       'https://outlet' || outlet_no || '.example/news/' || article_id,
       'outlet' || outlet_no || '-' || (CASE WHEN hash(i, 'feed') % 3 = 0 THEN 'business' ELSE 'main' END),
       'Outlet ' || outlet_no, article_id,
       CASE WHEN is_ai_work THEN 'Company ' || (root % 997) || ' says AI will change ' ||
                 (['jobs', 'hiring', 'training', 'pay', 'contracts'])[1 + root % 5]
            ELSE 'Story ' || root || ' about ' ||
                 (['markets', 'weather', 'sport', 'politics', 'science', 'health'])[1 + root % 6]
       END,
       'Summary of story ' || root || '.',
       published_at, published_at + INTERVAL 20 MINUTE, 'en',
       'Text of story ' || root || '. It has a few sentences about the subject.',
       12, md5(CAST(root AS VARCHAR)), 'feed', 'synthetic'
FROM gen;

INSERT INTO classifications (article_id, classifier, version, ai_score, work_score, is_ai,
                             is_work, is_ai_work, topics, evidence, classified_at)
SELECT article_id, 'rules', 'synthetic-1', CASE WHEN is_ai_work THEN 0.8 ELSE 0.1 END,
       CASE WHEN is_ai_work THEN 0.7 ELSE 0.2 END, is_ai_work, is_ai_work, is_ai_work,
       CASE WHEN is_ai_work THEN list_filter(
           ['displacement', 'hiring', 'skills', 'adoption', 'policy', 'wages', 'careers'],
           lambda t, k: (topic_bits >> (k * 3)) % 8 < 2 OR k = 1 + topic_bits % 7)
       ELSE [] END,
       CAST(CASE WHEN is_ai_work THEN
           '[{{"signal": "ai", "term": "' || (['AI', 'ChatGPT', 'generative AI', 'automation'])[1 + term_bits % 4] ||
           '", "field": "title", "start": 0, "end": 2, "weight": 9.0}}, ' ||
           '{{"signal": "work", "term": "' || (['jobs', 'workers', 'layoffs', 'hiring', 'union', 'wages'])[1 + (term_bits >> 8) % 6] ||
           '", "field": "title", "start": 10, "end": 14, "weight": 4.5}}, ' ||
           '{{"signal": "negative", "term": "stock", "field": "text", "start": 1, "end": 5, "weight": 1.0}}]'
       ELSE '[]' END AS JSON),
       published_at + INTERVAL 21 MINUTE
FROM gen;

INSERT INTO classifier_versions VALUES ('rules', 'synthetic-1', TIMESTAMP '{start}', TRUE);

INSERT INTO article_clusters SELECT article_id, cluster_id, CASE WHEN i = root THEN 1.0 ELSE 0.8 END FROM gen;

INSERT INTO story_clusters
SELECT cluster_id, article_id, published_at, 'Outlet ' || outlet_no, NULL, now()::TIMESTAMP
FROM gen WHERE i = root;

INSERT INTO feeds (name, url, outlet, language, enabled, last_checked_at, last_ok_at, last_status,
                   error_score, consecutive_failures, next_check_at, last_error)
SELECT DISTINCT ON (feed) feed, 'https://' || feed || '.example/rss', outlet, 'en', TRUE,
       TIMESTAMP '{start}' + INTERVAL 365 DAY,
       TIMESTAMP '{start}' + INTERVAL 365 DAY - CASE WHEN hash(feed) % 10 = 0 THEN INTERVAL 3 DAY ELSE INTERVAL 0 DAY END,
       CASE WHEN hash(feed) % 10 = 0 THEN 'error' ELSE 'ok' END,
       CASE WHEN hash(feed) % 10 = 0 THEN 3.0 ELSE 0.0 END,
       CASE WHEN hash(feed) % 10 = 0 THEN 3 ELSE 0 END,
       TIMESTAMP '{start}' + INTERVAL 366 DAY,
       CASE WHEN hash(feed) % 10 = 0 THEN 'HTTP 503' END
FROM articles;

DROP TABLE gen;
"""


def build_synthetic_warehouse(path: str | Path, n_articles: int = 1_000_000) -> None:
    """Write a fresh warehouse at `path` with `n_articles` synthetic stories (see module doc)."""
    path = Path(path)
    for extra in ("", ".wal"):
        Path(str(path) + extra).unlink(missing_ok=True)
    script = SYNTHETIC_SQL.format(start=YEAR_START, outlets=OUTLETS)
    with write_connection(path) as con:
        con.execute("SET enable_progress_bar = false")
        with transaction(con):
            for statement in _statements(script):
                if "$n" in statement:
                    con.execute(statement, {"n": int(n_articles)})
                else:
                    con.execute(statement)
            rebuild_facts(con)
        con.execute("CHECKPOINT")


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";\n") if s.strip()]


def time_named_queries(db_path: str | Path, repeats: int = 5,
                       params: QueryParams | None = None) -> dict[str, float]:
    """Median wall time (ms) of every named query, default parameters, after one warm-up."""
    params = params or QueryParams()
    timings: dict[str, float] = {}
    with read_connection(db_path) as con:
        for name in named_queries():
            run_query(con, name, params)  # warm-up: file pages cached, plan built
            samples = []
            for _ in range(max(1, repeats)):
                started = time.perf_counter()
                run_query(con, name, params)
                samples.append((time.perf_counter() - started) * 1000)
            timings[name] = round(statistics.median(samples), 1)
    return timings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--db", default="data/bench-queries.duckdb")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="Time an existing --db as it is.")
    args = parser.parse_args(argv)
    report: dict = {"articles": args.articles}
    if not args.reuse:
        started = time.perf_counter()
        build_synthetic_warehouse(args.db, args.articles)
        report["build_s"] = round(time.perf_counter() - started, 1)
    report["median_ms"] = time_named_queries(args.db, args.repeats)
    report["median_ms_articles"] = time_named_queries(args.db, args.repeats,
                                                      QueryParams(count="articles"))
    report["median_ms_month"] = time_named_queries(args.db, args.repeats,
                                                   QueryParams(interval="month"))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
