"""Read-only access for `workwatch sql` and `workwatch feeds`."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import duckdb

from warehouse.errors import WarehouseError
from extractors.types import Feed
from warehouse.db import read_connection
from warehouse.sqlfiles import sql


# What a connection for analysts' SQL may not do, set before their first statement and then
# locked: no file or URL access (COPY, ATTACH of other files, read_text, read_csv, glob,
# httpfs), no extension install or load. DuckDB refuses to turn any of it back on once
# `lock_configuration` is set. The warehouse file is opened read-only, so an ATTACH of the
# same file under another name is read-only too.
LOCKDOWN = (
    "SET enable_external_access = false",
    "SET autoinstall_known_extensions = false",
    "SET autoload_known_extensions = false",
    "SET lock_configuration = true",
)


def lock_down(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """`con`, no longer able to reach anything but the databases it has open."""
    for statement in LOCKDOWN:
        con.execute(statement)
    return con


def run_readonly(db_path: str | Path, query: str, params: Sequence[Any] | None = None
                 ) -> tuple[list[str], list[tuple]]:
    """Run a query on a read-only, locked-down connection: writes, file and URL access fail
    with a clear message."""
    with read_connection(db_path) as con:
        lock_down(con)
        try:
            cur = con.execute(query, params or [])
        except duckdb.Error as exc:
            raise WarehouseError(_explain(exc)) from None
        if cur.description is None:
            return [], []
        return [d[0] for d in cur.description], cur.fetchall()


def _explain(exc: duckdb.Error) -> str:
    text = str(exc).strip().splitlines()[0]
    if "read-only" in text or "read only" in text:
        return f"the warehouse is opened read-only here; `sql` cannot change data ({text})"
    if "disabled by configuration" in text or "configuration has been locked" in text \
            or "Loading external extensions is disabled" in text:
        return f"`sql` reads the warehouse only: no files, URLs or extensions ({text})"
    return text




def feed_health(db_path: str | Path, configured: Sequence[Feed]) -> tuple[list[str], list[tuple]]:
    """Per configured feed: its health from the warehouse (blank before the first ingest)."""
    stored: dict[str, tuple] = {}
    columns = ["feed", "outlet", "enabled", "last_status", "last_ok_at", "failures",
               "error_score", "next_check_at", "last_error"]
    if Path(db_path).exists():
        cols, rows = run_readonly(db_path, sql("feed_health"))
        stored = {r[0]: r for r in rows}
    rows = []
    for feed in configured:
        row = stored.get(feed.name)
        rows.append(row if row else (feed.name, feed.outlet, feed.enabled, "never checked",
                                     None, 0, 0.0, None, None))
    return columns, rows


def demo_tables(db_path: str | Path) -> list[tuple[str, list[str], list[tuple]]]:
    """What `workwatch demo` shows after its ingest: (title, columns, rows) of the stories it
    loaded and of a first weekly trend."""
    shown = []
    with read_connection(db_path) as con:
        for title, name in (("Stories loaded", "demo_stories"),
                            ("AI×work stories per week", "demo_weekly")):
            cur = con.execute(sql(name))
            shown.append((title, [d[0] for d in cur.description], cur.fetchall()))
    return shown
