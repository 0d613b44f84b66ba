"""Transactions: the one place BEGIN / COMMIT / ROLLBACK are written.

`transaction(con)` wraps a block in one DuckDB transaction: committed when the block ends,
rolled back when anything (KeyboardInterrupt and SystemExit too) leaves it early.
`insert_table` runs a bundled statement that reads an Arrow table registered as a view.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Iterator

import duckdb

from warehouse.sqlfiles import sql

if TYPE_CHECKING:  # pyarrow is not imported for a transaction alone
    import pyarrow as pa


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN; the block; COMMIT - or ROLLBACK and re-raise when the block raises."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def insert_table(con: duckdb.DuckDBPyConnection, view: str, table: pa.Table,
                 statement: str) -> None:
    """Run warehouse/sql/<statement>.sql with `table` registered as `view` (nothing to do
    for an empty table)."""
    if table.num_rows == 0:
        return
    con.register(view, table)
    try:
        con.execute(sql(statement))
    finally:
        con.unregister(view)
