"""story_facts: the narrow, denormalised copy of `stories` that the named queries read.

Kept in step inside every load transaction (`load_batch`): the batch's articles are
re-derived from the `stories` view. When the facts were stale before the batch (a write
that did not go through load_batch) or the current classifier changed, they are rebuilt
whole. Readers check the fingerprint too (`facts_fresh`) and have them rebuilt if needed.
"""

from __future__ import annotations

from typing import Iterable

import duckdb
import pyarrow as pa

from warehouse.db import utcnow
from warehouse.sqlfiles import sql


def fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute(sql("facts_fingerprint")).fetchall()[0][0]


def stored_fingerprint(con: duckdb.DuckDBPyConnection) -> str | None:
    rows = con.execute("SELECT fingerprint FROM story_facts_state").fetchall()
    return rows[0][0] if rows else None


def facts_fresh(con: duckdb.DuckDBPyConnection) -> bool:
    """True when story_facts matches the tables it is derived from."""
    return stored_fingerprint(con) == fingerprint(con)


def _versions(print_: str | None) -> str | None:
    return print_.rsplit("/", 1)[-1] if print_ else None


def rebuild_facts(con: duckdb.DuckDBPyConnection) -> None:
    """Derive every row again (inside the caller's transaction, if any)."""
    con.execute("DELETE FROM story_facts")
    con.execute(
        "INSERT INTO story_facts SELECT *, "
        "row_number() OVER (PARTITION BY cluster_key ORDER BY story_at NULLS LAST, article_id) = 1, "
        "row_number() OVER (PARTITION BY cluster_key, outlet "
        "                   ORDER BY story_at NULLS LAST, article_id) = 1 "
        f"FROM ({sql('facts_select')}) ORDER BY story_at")
    _remember(con)


def refresh_facts(con: duckdb.DuckDBPyConnection, article_ids: Iterable[str], was_fresh: bool) -> None:
    """After a load: re-derive these articles' rows, or everything when that is not enough."""
    if not was_fresh or _versions(stored_fingerprint(con)) != _versions(fingerprint(con)):
        rebuild_facts(con)
        return
    ids = pa.table({"article_id": pa.array(sorted(set(article_ids)), pa.string())})
    if ids.num_rows:
        con.register("facts_ids", ids)
        try:
            con.execute("DELETE FROM story_facts WHERE article_id IN (SELECT article_id FROM facts_ids)")
            con.execute(f"INSERT INTO story_facts SELECT *, FALSE, FALSE FROM ({sql('facts_select')}) "
                        "WHERE article_id IN (SELECT article_id FROM facts_ids)")
            con.execute(sql("facts_flags"))
        finally:
            con.unregister("facts_ids")
    _remember(con)


def _remember(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DELETE FROM story_facts_state")
    con.execute("INSERT INTO story_facts_state VALUES (?, ?)", [fingerprint(con), utcnow()])
