"""DuckDB connections and numbered migrations.

Writers hold a connection only for the length of a batch; readers open read-only connections
and retry briefly while a writer holds the file lock.
"""

from __future__ import annotations

import contextlib
import time
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Iterator

import duckdb

from extractors.errors import WarehouseError, WarehouseLockedError

LOCK_RETRY_S = 10.0
# A new warehouse file is written in a storage format that DuckDB 1.5 can read too, so the
# `duckdb` CLI (newest on PyPI: duckdb-cli 1.5.x) opens it; the default (2.0) format it cannot.
NEW_FILE_CONFIG = {"storage_compatibility_version": "v1.5.0"}


def utcnow() -> datetime:
    """Now, as a naive UTC timestamp (the warehouse stores UTC without a zone)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text or "conflicting" in text


def _connect(path: str, read_only: bool, wait_s: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + wait_s
    delay = 0.05
    while True:
        try:
            config = {} if read_only or Path(path).exists() else NEW_FILE_CONFIG
            return duckdb.connect(path, read_only=read_only, config=config)
        except duckdb.IOException as exc:
            if not _is_lock_error(exc):
                raise WarehouseError(f"cannot open {path}: {exc}") from None
            if time.monotonic() >= deadline:
                raise WarehouseLockedError(
                    f"{path} is locked by another process (an ingest?); try again shortly"
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


@contextlib.contextmanager
def write_connection(path: str | Path, wait_s: float = LOCK_RETRY_S) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived writing connection, with the schema migrated."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = _connect(str(path), False, wait_s)
    try:
        migrate(con)
        yield con
    finally:
        con.close()


@contextlib.contextmanager
def read_connection(path: str | Path, wait_s: float = LOCK_RETRY_S) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection; the file must exist."""
    path = Path(path)
    if not path.exists():
        raise WarehouseError(f"{path}: no warehouse here yet (run `workwatch ingest` or `workwatch demo`)")
    con = _connect(str(path), True, wait_s)
    try:
        yield con
    finally:
        con.close()


def migrations() -> list[tuple[int, str, str]]:
    """(number, name, sql) of every bundled migration, in order."""
    folder = resources.files("warehouse") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql") and entry.name[:3].isdigit():
            found.append((int(entry.name[:3]), entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply the migrations not yet recorded in schema_migrations, each in its own transaction."""
    con.execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
                "version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP)")
    done = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for number, name, sql in migrations():
        if number in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", [number, name, utcnow()])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(name)
    return applied


@contextlib.contextmanager
def ingest_lock(db_path: str | Path) -> Iterator[None]:
    """Only one ingest or backfill per warehouse at a time: a second one fails at once."""
    import fcntl
    import os

    path = Path(str(db_path) + ".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = open(path, "a+")
    try:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            raise WarehouseLockedError(
                f"another ingest or backfill is running on {db_path} (pid {holder}); "
                "wait for it to finish") from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        yield
    finally:
        fh.close()
