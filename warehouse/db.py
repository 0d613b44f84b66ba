"""DuckDB connections and numbered migrations.

Writers hold a connection only for the length of a batch; readers open read-only connections
and retry briefly while a writer holds the file lock.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import threading
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


_held_locks: set[str] = set()  # lock files held by this process
_held_guard = threading.Lock()


@contextlib.contextmanager
def ingest_lock(db_path: str | Path) -> Iterator[None]:
    """Only one ingest, backfill or replay per warehouse at a time: a second one fails at once.

    `<db>.lock` holds a POSIX record lock (fcntl.lockf) and names its holder: pid and process
    start time (/proc/<pid>/stat field 22). A record lock belongs to the process: the kernel
    drops it when the process dies, however it dies, and - unlike flock() - a forked child
    (a fork-pool worker) does not inherit it, so an orphaned worker can never keep the
    warehouse locked. A lock file left naming a process that has gone (or whose pid now
    belongs to another process) is taken over with a one-line note on stderr."""
    busy = lambda pid: _lock_busy(db_path, pid)  # noqa: E731
    with _process_lock(Path(str(db_path) + ".lock"), "ingest lock", db_path, busy):
        yield


@contextlib.contextmanager
def serve_lock(db_path: str | Path) -> Iterator[None]:
    """One `workwatch serve` per warehouse (`<db>.serve.lock`, like ingest_lock): one
    warehouse, one schedule."""
    def busy(pid):
        holder = f"pid {pid}" if pid else "another process"
        return WarehouseLockedError(
            f"`workwatch serve` is already serving {db_path} ({holder}); one warehouse has one "
            "schedule: stop that one first")

    with _process_lock(Path(str(db_path) + ".serve.lock"), "serve lock", db_path, busy):
        yield


@contextlib.contextmanager
def _process_lock(path: Path, label: str, db_path, busy) -> Iterator[None]:
    import fcntl

    from flows.lifeline import start_time

    path.parent.mkdir(parents=True, exist_ok=True)
    key = str(path.resolve())
    with _held_guard:
        if key in _held_locks:  # record locks never conflict within one process
            raise busy(os.getpid())
        _held_locks.add(key)
    fd = -1
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EACCES, errno.EAGAIN):
                raise WarehouseError(f"cannot lock {path}: {exc}") from None
            raise busy(_lock_holder(fd)) from None
        previous = _read_holder(fd)
        me = os.getpid()
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{me} {start_time(me) or 0}\n".encode(), 0)
        if previous is not None:
            _note_takeover(label, db_path, *previous)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)  # a clean release leaves no holder to take over from
    finally:
        if fd >= 0:
            os.close(fd)  # releases the record lock
        with _held_guard:
            _held_locks.discard(key)


def _lock_busy(db_path, pid: int | None) -> WarehouseLockedError:
    holder = f"pid {pid}" if pid else "another process"
    return WarehouseLockedError(f"another ingest or backfill is running on {db_path} ({holder}); "
                                "wait for it to finish")


def _read_holder(fd: int) -> tuple[int, int | None] | None:
    """(pid, start time) recorded in the lock file, if any (an older file holds the pid only)."""
    try:
        fields = os.pread(fd, 200, 0).decode("ascii", "replace").split()
        return int(fields[0]), (int(fields[1]) or None) if len(fields) > 1 else None
    except (OSError, ValueError, IndexError):
        return None


def _lock_holder(fd: int) -> int | None:
    """The process holding the lock: the one the file names if it still runs, else the one
    the kernel names (F_GETLK)."""
    from flows.lifeline import is_running

    recorded = _read_holder(fd)
    if recorded is not None and is_running(*recorded):
        return recorded[0]
    try:
        import fcntl
        import struct

        layout = "hhqqi4x"  # struct flock on Linux: type, whence, start, len, pid
        request = struct.pack(layout, fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0)
        answer = struct.unpack(layout, fcntl.fcntl(fd, fcntl.F_GETLK, request))
        return answer[4] if answer[0] != fcntl.F_UNLCK and answer[4] > 0 else None
    except (OSError, struct.error, ValueError):
        return recorded[0] if recorded else None


def _note_takeover(label: str, db_path, pid: int, started: int | None) -> None:
    from flows.lifeline import is_running

    why = ("which is still running but no longer holds it" if is_running(pid, started)
           else "which is no longer running (killed?)" if is_running(pid) is False
           else "whose pid now belongs to another process")
    print(f"note: took over the {label} on {db_path} from pid {pid}, {why}",
          file=sys.stderr, flush=True)
