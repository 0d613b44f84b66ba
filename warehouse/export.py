"""Exports of read-only query results to Parquet files (readable back by DuckDB, pandas ...).

DuckDB writes the file itself (COPY ... TO, through the relation API), so every column type
survives: lists, JSON, intervals, timestamps.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import duckdb

from extractors.errors import WarehouseError
from warehouse.db import read_connection
from warehouse.query import _explain


def write_parquet(con: duckdb.DuckDBPyConnection, query: str, path: str | Path,
                  params: Mapping[str, Any] | None = None) -> int:
    """Run `query` on `con` and write its result to `path` as Parquet; returns the row count."""
    path = Path(path)
    if path.parent and not path.parent.exists():
        raise WarehouseError(f"{path.parent}: no such folder")
    try:
        relation = con.sql(query, params=dict(params) if params else None)
        if relation is None:
            raise WarehouseError("the statement returns no rows to export")
        relation.write_parquet(str(path))
        return con.execute("SELECT count(*) FROM read_parquet(?)", [str(path)]).fetchall()[0][0]
    except duckdb.Error as exc:
        raise WarehouseError(_explain(exc)) from None


def readonly_parquet(db_path: str | Path, query: str, path: str | Path) -> int:
    """`workwatch sql ... --format parquet --output F`: read-only, like every `sql` query."""
    with read_connection(db_path) as con:
        return write_parquet(con, query, path)
