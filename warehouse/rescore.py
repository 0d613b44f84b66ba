"""Re-scoring stored articles: what reclassify and reprocess (flows/reprocess.py) and the
LLM judge's reclassify (flows/llm_reclassify.py) read from and write to the warehouse.

Plain values in, plain values (or Arrow tables) out; every write in one transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence

import duckdb
import pyarrow as pa

from extractors.types import ArticleError
from warehouse.db import naive_utc
from warehouse.events import refresh_events
from warehouse.load import errors_table, mark_current_classifier, mark_versions_current
from warehouse.sqlfiles import sql
from warehouse.tx import insert_table, transaction

TEXT_SCHEMA = pa.schema([("article_id", pa.string()), ("text", pa.string()),
                         ("word_count", pa.int32()), ("text_hash", pa.string()),
                         ("language", pa.string()), ("sitename", pa.string())])


def window_params(since: datetime | None, until: datetime | None) -> dict[str, datetime | None]:
    return {"since": naive_utc(since), "until": naive_utc(until)}


def row_ids_to_score(con: duckdb.DuckDBPyConnection, since: datetime | None,
                     until: datetime | None, classifier: str, version: str,
                     rescore_all: bool = False) -> pa.ChunkedArray:
    """Row ids (sorted) of the stored articles in [since, until) to score with (classifier,
    version): all of them with rescore_all, else those without a row for it yet."""
    params = {**window_params(since, until), "all": rescore_all, "classifier": classifier,
              "version": version}
    return con.sql(sql("reclassify_ids"), params=params).to_arrow_table().column(0)


def run_row_ids_to_score(con: duckdb.DuckDBPyConnection, run_id: str, classifier: str,
                         version: str) -> pa.ChunkedArray:
    """Row ids (sorted) of one run's articles without a row for (classifier, version)."""
    return con.sql(sql("run_unscored_ids"), params={
        "run_id": run_id, "classifier": classifier, "version": version}).to_arrow_table().column(0)


def read_texts(con: duckdb.DuckDBPyConnection, rows: pa.ChunkedArray | pa.Array,
               max_chars: int) -> pa.Table:
    """(article_id, title, summary, text) of these row ids, texts cut at max_chars."""
    con.register("slice_rows", pa.table({"rid": rows}))
    try:
        return con.sql(sql("reclassify_texts"), params={
            "max_chars": max_chars, "first": rows[0].as_py(),
            "last": rows[-1].as_py()}).to_arrow_table()
    finally:
        con.unregister("slice_rows")


def upsert_classifications(con: duckdb.DuckDBPyConnection, tables: Sequence[pa.Table]) -> None:
    """Upsert classification tables (warehouse.load.CLASSIFICATION_SCHEMA) and refresh the
    workforce events of their articles, in one transaction."""
    if not tables:
        return
    with transaction(con):
        insert_table(con, "batch_classifications", pa.concat_tables(tables),
                     "upsert_classifications")
        mark_versions_current(con, _versions(tables))
        refresh_events(con, [i for t in tables for i in t.column("article_id").to_pylist()])


def _versions(tables: Sequence[pa.Table]) -> set[tuple[str, str]]:
    """The (classifier, version) pairs of these classification tables."""
    return {pair for t in tables for pair in zip(t.column("classifier").to_pylist(),
                                                  t.column("version").to_pylist())}


def unscored_count(con: duckdb.DuckDBPyConnection, classifier: str, version: str) -> int:
    """How many stored articles have no row for (classifier, version)."""
    return con.execute(sql("reclassify_unscored"),
                       {"classifier": classifier, "version": version}).fetchone()[0]


def settle_version(con: duckdb.DuckDBPyConnection, classifier: str,
                   version: str) -> tuple[bool, int]:
    """At the end of a re-scoring with (classifier, version): (is current, stored articles
    without a row for it). It became current with its first rows; one every stored article
    has a row for is made current too (also when this run scored nothing: an empty
    warehouse, or a version switched back to)."""
    unscored = unscored_count(con, classifier, version)
    if unscored == 0:
        mark_current_classifier(con, classifier, version)
    current = con.execute("SELECT count(*) FROM classifier_versions WHERE classifier = ? "
                          "AND version = ? AND is_current", [classifier, version]).fetchone()[0]
    return bool(current), unscored


def reprocess_count(con: duckdb.DuckDBPyConnection, since: datetime | None,
                    until: datetime | None) -> int:
    """How many stored articles (with archived raw HTML) a reprocess of the range reads."""
    return con.execute(sql("backfill_reprocess_count"),
                       window_params(since, until)).fetchone()[0]


def reprocess_page(con: duckdb.DuckDBPyConnection, since: datetime | None,
                   until: datetime | None, after: str, page: int) -> list[dict[str, Any]]:
    """The next `page` stored articles (article_id > after) a reprocess reads, as dicts."""
    return con.sql(sql("backfill_reprocess_articles"), params={
        **window_params(since, until), "after": after, "page": page,
    }).to_arrow_table().to_pylist()


def write_reextracted(con: duckdb.DuckDBPyConnection, run_id: str,
                      texts: Sequence[dict[str, Any]], classifications: Sequence[pa.Table],
                      errors: Sequence[ArticleError] = ()) -> None:
    """One transaction: new texts (dicts with TEXT_SCHEMA's keys), their classifications,
    their events and search index entries, and the per-article errors."""
    from warehouse.search import index_articles  # new texts re-indexed (issue 20)

    table = pa.Table.from_pylist([{k: t[k] for k in TEXT_SCHEMA.names} for t in texts],
                                 schema=TEXT_SCHEMA)
    ids = [t["article_id"] for t in texts]
    with transaction(con):
        insert_table(con, "batch_texts", table, "backfill_update_texts")
        if classifications:
            insert_table(con, "batch_classifications", pa.concat_tables(classifications),
                         "upsert_classifications")
            mark_versions_current(con, _versions(classifications))
        refresh_events(con, ids)
        index_articles(con, ids)
        insert_table(con, "batch_errors", errors_table(errors, run_id), "insert_article_errors")
