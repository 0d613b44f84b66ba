"""Search benchmark (issue 20): query latency at 1M articles and the index's upkeep cost.

    python -m bench.search build --src REPLAY.duckdb --db /tmp/search-1m.duckdb [--articles 1000000]
    python -m bench.search time --db /tmp/search-1m.duckdb [--repeats 7]
    python -m bench.search upkeep --src REPLAY.duckdb --work /tmp/upkeep.duckdb [--batch 10000]

`build` copies a warehouse made by the load path (the 2023 replay: 159k articles) and
repeats its articles (new ids, same texts, each copy its own story cluster) up to
`--articles`, then rebuilds the search index with `warehouse.search.reindex` (sorted).
`time` runs each query of QUERIES once to warm up, then `--repeats` times through
`warehouse.search.search` on one open read-only connection, and prints p50/p95 per query
and per class with the machine's load average (`os.getloadavg`, as `uptime`).
`upkeep` empties a copy's index and indexes every article again in `--batch`-article
transactions through `index_articles` (what the load transaction runs per batch).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import time
from pathlib import Path

import duckdb

# (class, query): words and boolean queries are answered from the postings alone; phrases
# from word positions and neighbours (migrations 042-043; before them, from the articles'
# texts); phrase_text: a phrase of common words only, which still needs every text.
QUERIES: tuple[tuple[str, str], ...] = (
    ("word", "layoffs"),
    ("word", "chatgpt"),
    ("word", "ai jobs"),
    ("word", "strike OR union"),
    ("word", "automation NOT robots"),
    ("word", "title:chatgpt"),
    ("word", "artificial intelligence workers"),
    ("word", '"ai" "jobs"'),
    ("phrase", '"writers guild"'),
    ("phrase", '"artificial intelligence"'),
    ("phrase", '"job cuts"'),
    ("phrase", '"writers guild" strike'),
    ("phrase", 'title:"generative ai"'),
    # with common words the index leaves out (answered from neighbours since migration 043)
    ("phrase", '"future of work"'),
    ("phrase", '"the ai"'),
    ("phrase", '"at work"'),
    ("phrase", '"one of the biggest"'),
    # one-letter words (indexed since migration 044)
    ("phrase", '"7,800 jobs"'),
    ("phrase", '"plan b"'),
    ("phrase", '"U.S. workers"'),
    # only common words in the phrase: every text is checked
    ("phrase_text", '"in the" layoffs'),
)


def build(src: str, db: str, articles: int) -> dict:
    from warehouse.db import write_connection
    from warehouse.search import reindex
    from warehouse.tx import transaction

    for extra in ("", ".wal"):
        Path(db + extra).unlink(missing_ok=True)
    shutil.copyfile(src, db)
    started = time.perf_counter()
    with write_connection(db) as con:
        con.execute("SET enable_progress_bar = false")
        n = con.execute("SELECT count(*) FROM articles").fetchone()[0]
        copies = -(-articles // n) - 1
        with transaction(con):
            con.execute("CREATE TEMP TABLE bench_src AS SELECT * FROM articles")
            for k in range(1, copies + 1):
                room = articles - con.execute("SELECT count(*) FROM articles").fetchone()[0]
                if room <= 0:
                    break
                con.execute(
                    "INSERT INTO articles SELECT * REPLACE (article_id || $k AS article_id, "
                    "url || '#copy' || $k AS url, canonical_url || '#copy' || $k AS canonical_url) "
                    "FROM bench_src ORDER BY article_id LIMIT $room", {"k": f"~{k}", "room": room})
                con.execute(
                    "INSERT INTO article_clusters SELECT c.article_id || $k, c.cluster_id || $k, c.similarity "
                    "FROM article_clusters c JOIN articles a ON a.article_id = c.article_id || $k",
                    {"k": f"~{k}"})
                con.execute(
                    "INSERT INTO story_facts SELECT f.* REPLACE (f.article_id || $k AS article_id, "
                    "hash(f.cluster_key, $k) AS cluster_key) FROM story_facts f "
                    "JOIN articles a ON a.article_id = f.article_id || $k", {"k": f"~{k}"})
            con.execute("DROP TABLE bench_src")
        copied = time.perf_counter() - started
        started = time.perf_counter()
        reindex(con)
        indexed = time.perf_counter() - started
        con.execute("CHECKPOINT")
    return {"articles": articles, "copy_s": round(copied, 1), "reindex_s": round(indexed, 1),
            **index_size(db)}


def index_size(db: str) -> dict:
    con = duckdb.connect(db, read_only=True)
    try:
        out = {"file_mb": round(os.path.getsize(db) / 1e6)}
        for table in ("search_postings", "search_docs"):
            try:
                rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                blocks = con.execute(
                    "SELECT count(DISTINCT block_id) FROM pragma_storage_info(?) WHERE block_id >= 0",
                    [table]).fetchone()[0]
                out[table] = {"rows": rows, "mb": round(blocks * 262144 / 1e6)}
            except duckdb.CatalogException:
                pass
        return out
    finally:
        con.close()


def time_queries(db: str, repeats: int) -> dict:
    from warehouse.search import SearchFilters, search

    con = duckdb.connect(db, read_only=True)
    per_query: dict[str, dict] = {}
    per_class: dict[str, list[float]] = {}
    load_before = os.getloadavg()
    try:
        for cls, query in QUERIES:
            hits = search(con, query, SearchFilters(limit=20))  # warm-up
            samples = []
            for _ in range(repeats):
                started = time.perf_counter()
                search(con, query, SearchFilters(limit=20))
                samples.append((time.perf_counter() - started) * 1000)
            per_query[query] = {"class": cls, "hits": len(hits), **_percentiles(samples)}
            per_class.setdefault(cls, []).extend(samples)
    finally:
        con.close()
    return {"load_before": [round(x, 2) for x in load_before],
            "load_after": [round(x, 2) for x in os.getloadavg()],
            "per_class": {c: _percentiles(s) for c, s in per_class.items()},
            "worst_query_p95": max(q["p95"] for q in per_query.values()),
            "per_query": per_query}


def _percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"p50": round(statistics.median(ordered), 1), "p95": round(p95, 1)}


def upkeep(src: str, work: str, batch: int) -> dict:
    """Seconds to index every article of `src` in `batch`-article load transactions."""
    from warehouse.db import write_connection
    from warehouse.search import index_articles
    from warehouse.tx import transaction

    for extra in ("", ".wal"):
        Path(work + extra).unlink(missing_ok=True)
    shutil.copyfile(src, work)
    with write_connection(work) as con:
        with transaction(con):
            for table in ("search_postings", "search_docs"):
                con.execute(f"DELETE FROM {table}")
            con.execute("UPDATE search_state SET sorted_through = 0, segments = 0")
        con.execute("CHECKPOINT")
        ids = [r[0] for r in con.execute(
            "SELECT article_id FROM articles ORDER BY first_seen_at, article_id").fetchall()]
        load_before = os.getloadavg()
        started, cpu = time.perf_counter(), time.process_time()
        for i in range(0, len(ids), batch):
            with transaction(con):
                index_articles(con, ids[i:i + batch])
        took, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"articles": len(ids), "batch": batch, "index_s": round(took, 1), "cpu_s": round(cpu, 1),
            "load_before": [round(x, 2) for x in load_before],
            "load_after": [round(x, 2) for x in os.getloadavg()], **index_size(work)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("build", "time", "upkeep"))
    parser.add_argument("--src")
    parser.add_argument("--db", default="/tmp/search-1m.duckdb")
    parser.add_argument("--work", default="/tmp/search-upkeep.duckdb")
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--batch", type=int, default=10_000)
    args = parser.parse_args(argv)
    if args.what == "build":
        report = build(args.src, args.db, args.articles)
    elif args.what == "time":
        report = time_queries(args.db, args.repeats)
    else:
        report = upkeep(args.src, args.work, args.batch)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
