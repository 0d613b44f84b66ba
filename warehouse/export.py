"""Exports of read-only query results to Parquet files (readable back by DuckDB, pandas ...).

The query runs on a read-only connection with external access off, so DuckDB itself cannot
write files (`COPY ... TO` is refused: through it, `sql` once overwrote the warehouse). The
result comes back as Arrow and pyarrow writes it, to a temporary file beside the target that
is renamed into place: a failed export leaves no partial file, and the target is checked
first (`safe_target`) so that it is never a warehouse file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, Mapping

import duckdb

from warehouse.errors import WarehouseError
from warehouse.db import read_connection
from warehouse.query import _explain, lock_down

# Files an export or an output must never replace: DuckDB databases and their write-ahead logs.
PROTECTED_SUFFIXES = (".duckdb", ".duckdb.wal", ".db.wal", ".wal")


def safe_target(path: str | Path, *protected: str | Path) -> Path:
    """`path`, unless it is (or links to) a warehouse file, its WAL, or any DuckDB database
    file: then a WarehouseError in one line."""
    path = Path(path)
    resolved = path.resolve()
    names = {Path(p).resolve() for p in protected}
    names |= {Path(str(p) + ".wal").resolve() for p in protected}
    if resolved in names or resolved.name.endswith(PROTECTED_SUFFIXES) or _is_duckdb_file(resolved):
        raise WarehouseError(f"{path}: refusing to write over a DuckDB warehouse file; "
                             "choose another output")
    return path


def _is_duckdb_file(path: Path) -> bool:
    """A regular file whose header carries DuckDB's magic bytes ("DUCK" at offset 8)."""
    try:
        if not path.is_file():
            return False
        with open(path, "rb") as fh:
            return fh.read(12)[8:12] == b"DUCK"
    except OSError:
        return False


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
        table = relation.to_arrow_table()
    except duckdb.Error as exc:
        raise WarehouseError(_explain(exc)) from None
    if hasattr(table, "read_all"):  # a RecordBatchReader in some DuckDB versions
        table = table.read_all()
    if path.exists() and not path.is_file():  # /dev/stdout, a FIFO: write through it
        _copy_out(table, str(path))
        return table.num_rows
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    os.close(fd)
    try:
        _copy_out(table, tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, os.path.realpath(path))  # through a symlink, never replacing it
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return table.num_rows


def _copy_out(table: Any, target: str) -> None:
    """Write an Arrow table as Parquet with DuckDB's writer (every type survives: lists,
    intervals, zoned timestamps; pyarrow's writer refuses intervals), on a private in-memory
    connection that can reach no warehouse, to a path chosen here."""
    writer = duckdb.connect(":memory:")
    try:
        writer.register("export_result", table)
        writer.execute(f"COPY export_result TO '{target.replace(chr(39), chr(39) * 2)}' "
                       "(FORMAT parquet)")
    except duckdb.Error as exc:
        raise WarehouseError(f"cannot write {target}: {str(exc).splitlines()[0]}") from None
    finally:
        writer.close()


def readonly_parquet(db_path: str | Path, query: str, path: str | Path) -> int:
    """`workwatch sql ... --format parquet --output F`: read-only, like every `sql` query."""
    safe_target(path, db_path)
    with read_connection(db_path) as con:
        return write_parquet(lock_down(con), query, path)
