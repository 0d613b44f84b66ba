"""DuckDB connections and numbered migrations.

Readers never break the writer (issue 14, item 8). DuckDB lets one process write a file, and
only while no other process has it open - a read-only connection too: a long analyst query
(`workwatch sql`, the dashboard, a notebook) on the warehouse would stall an ingest's
next batch and, after a short wait, fail it half-way. So readers work on a snapshot:

- `write_connection` CHECKPOINTs and copies the warehouse to `<db>.snapshot` before it
  closes (a reflink where the filesystem has them, else an in-kernel copy_file_range; the
  copy's mtime is set to the warehouse's, which is how readers tell it is current). While a
  process holds the ingest lock (an ingest, backfill or replay) it refreshes at most every
  SNAPSHOT_EVERY_S seconds, and once more when it lets the lock go.
- `read_connection` opens the snapshot read-only when it is current. When it is not (a
  writer that bypassed this module, an older workwatch) and no writer is busy, it refreshes
  it first (holding a read-only connection on the warehouse for the copy); while a writer is
  busy it reads the snapshot as of that writer's last refresh. The process holding the
  ingest lock reads the warehouse itself (its own writes, nobody else writing).
- A writer still waits for the warehouse when a process opened it directly (a notebook,
  the duckdb shell): up to WRITE_WAIT_S seconds, saying after a few seconds which process
  it waits for and what to do, then fails with that message.

Why a snapshot rather than making the writer wait: a reader may run for minutes, DuckDB's
file lock has no writer priority (a busy dashboard could keep an ingest out for good), and
an ingest has a deadline. Cost, measured on the 2-core machine (ext4, no reflink): 0.2-0.4 s
to copy a 446 MB warehouse (1M synthetic articles) from the page cache, up to ~4 s while
other processes load the disk; the CHECKPOINT itself ~0.07 s; disk: a second copy of the file.
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

from core.errors import WorkwatchError
from warehouse.errors import WarehouseError, WarehouseLockedError
from warehouse.tx import transaction

# A new warehouse file is written in a storage format that DuckDB 1.5 can read too, so the
# `duckdb` CLI (newest on PyPI: duckdb-cli 1.5.x) opens it; the default (2.0) format it cannot.
NEW_FILE_CONFIG = {"storage_compatibility_version": "v1.5.0"}


def utcnow() -> datetime:
    """Now, as a naive UTC timestamp (the warehouse stores UTC without a zone)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def naive_utc(value: datetime | None) -> datetime | None:
    """`value` as the warehouse stores it: naive UTC (an aware time converted, a naive one
    taken as UTC already, None kept)."""
    if value is not None and value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text or "conflicting" in text


LOCK_RETRY_S = 10.0  # a reader without a current snapshot waits this long for a busy writer
WRITE_WAIT_S = float(os.environ.get("WORKWATCH_WRITE_WAIT_S", "300"))
WAIT_NOTE_AFTER_S = 10.0  # a writer says what it waits for after this long
SNAPSHOT_EVERY_S = float(os.environ.get("WORKWATCH_SNAPSHOT_EVERY_S", "30"))
SNAPSHOT_SUFFIX = ".snapshot"


def snapshot_path(path: str | Path) -> Path:
    return Path(str(path) + SNAPSHOT_SUFFIX)


def _holder_of(exc: Exception) -> tuple[int | None, bool]:
    """(pid, read_only) of the process DuckDB names as holding the file's lock."""
    import re

    text = str(exc)
    found = re.search(r"\(PID (\d+)\)", text)
    return (int(found.group(1)) if found else None), "read-only mode" in text


def describe_process(pid: int | None) -> str:
    """`pid 123: workwatch sql ...` - what the process is, from its command line."""
    if not pid:
        return "another process"
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().decode("utf-8", "replace").split("\0")
    except OSError:
        return f"pid {pid}"
    args = [a for a in args if a]
    if args and Path(args[0]).name.startswith("python") and len(args) > 1:
        args = args[1:]  # python /path/to/workwatch sql ... -> workwatch sql ...
    if args:
        args[0] = Path(args[0]).name
    line = " ".join(args)
    return f"pid {pid}: {line[:70] + '...' if len(line) > 70 else line}" if line else f"pid {pid}"


def _busy_message(path: str, exc: Exception, writing: bool) -> str:
    pid, read_only = _holder_of(exc)
    who = describe_process(pid)
    if writing and read_only:
        return (f"{path} is open read-only in another process ({who}), and DuckDB lets no "
                f"process write while any other has the file open; workwatch's own readers use "
                f"{Path(path).name}{SNAPSHOT_SUFFIX} - close that connection, or point it there")
    if writing:
        return f"{path} is being written by another process ({who})"
    return f"{path} is being written by another process ({who}); try again shortly"


def _connect(path: str, read_only: bool, wait_s: float) -> duckdb.DuckDBPyConnection:
    started = time.monotonic()
    deadline = started + wait_s
    delay = 0.05
    noted = False
    while True:
        try:
            config = {} if read_only or Path(path).exists() else NEW_FILE_CONFIG
            return duckdb.connect(path, read_only=read_only, config=config)
        except duckdb.IOException as exc:
            if not _is_lock_error(exc):
                raise WarehouseError(f"cannot open {path}: {exc}") from None
            now = time.monotonic()
            if now >= deadline:
                waited = f" (waited {now - started:.0f} s)" if now - started >= 1 else ""
                raise WarehouseLockedError(_busy_message(path, exc, not read_only) + waited) from None
            if not read_only and not noted and now - started >= WAIT_NOTE_AFTER_S:
                print(f"waiting to write: {_busy_message(path, exc, True)}; giving up in "
                      f"{deadline - now:.0f} s", file=sys.stderr, flush=True)
                noted = True
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


def use_one_thread(con: duckdb.DuckDBPyConnection) -> None:
    """One DuckDB thread on this connection: for a batch load running beside the extraction
    workers (a batch is small, and the cores belong to the workers; measured: 15% less CPU
    per batch, ~30 MB less memory)."""
    con.execute("SET threads = 1")


@contextlib.contextmanager
def write_connection(path: str | Path, wait_s: float | None = None,
                     ) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived writing connection, with the schema migrated. On a clean exit the
    readers' snapshot is refreshed (see the module docstring)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = _connect(str(path), False, WRITE_WAIT_S if wait_s is None else wait_s)
    try:
        migrate(con)
        yield con
        _after_write(con, path)
    finally:
        con.close()


@contextlib.contextmanager
def read_connection(path: str | Path, wait_s: float = LOCK_RETRY_S) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection, on the readers' snapshot (see the module docstring); the
    warehouse must exist."""
    path = Path(path)
    if not path.exists():
        raise WarehouseError(f"{path}: no warehouse here yet (run `workwatch ingest` or `workwatch demo`)")
    target = path if holds_ingest_lock(path) else _readable_snapshot(path)
    con = _connect(str(target or path), True, wait_s)
    try:
        yield con
    finally:
        con.close()


# ---------------------------------------------------------------- the readers' snapshot

_last_refresh: dict[str, float] = {}  # warehouse -> monotonic time of this process's refresh
_dirty: set[str] = set()  # warehouses written since this process last refreshed the snapshot


def _after_write(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    key = str(path.resolve())
    if holds_ingest_lock(path) and time.monotonic() - _last_refresh.get(key, -1e9) < SNAPSHOT_EVERY_S:
        _dirty.add(key)  # the lock's release refreshes it
        return
    refresh_snapshot(con, path)


def refresh_snapshot(con: duckdb.DuckDBPyConnection, path: Path) -> bool:
    """Copy the warehouse to its snapshot. `con` must be this process's writing connection
    (nobody else can change the file meanwhile). False when the copy failed (a read-only
    folder, a full disk): readers then use an older snapshot or the warehouse itself."""
    key = str(path.resolve())
    try:
        con.execute("CHECKPOINT")  # everything committed is in the file, the WAL is empty
    except duckdb.Error:  # (a transaction left open by the caller): the next write refreshes
        _dirty.add(key)
        return False
    try:
        _copy_snapshot(path)
    except OSError as exc:
        print(f"note: could not refresh the readers' snapshot of {path}: {exc}",
              file=sys.stderr, flush=True)
        return False
    _last_refresh[key] = time.monotonic()
    _dirty.discard(key)
    return True


def _copy_snapshot(path: Path) -> None:
    """path -> path.snapshot, atomically (a reader keeps the copy it opened)."""
    target = snapshot_path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with open(path, "rb") as src, open(tmp, "wb") as dst:
            _clone(src.fileno(), dst.fileno())
        stat = os.stat(path)
        os.utime(tmp, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _clone(src: int, dst: int) -> None:
    import fcntl

    try:  # FICLONE: a copy-on-write clone, O(1) on btrfs, XFS, bcachefs ...
        fcntl.ioctl(dst, 0x40049409, src)
        return
    except OSError:
        pass
    size, done = os.fstat(src).st_size, 0
    try:
        while done < size:
            copied = os.copy_file_range(src, dst, size - done)
            if copied == 0:
                break
            done += copied
        return
    except OSError:
        os.lseek(src, 0, os.SEEK_SET)
        os.lseek(dst, 0, os.SEEK_SET)
        os.ftruncate(dst, 0)
    with open(src, "rb", closefd=False) as a, open(dst, "wb", closefd=False) as b:
        import shutil

        shutil.copyfileobj(a, b, 1 << 20)


def _is_current(path: Path, snapshot: Path) -> bool:
    try:
        return os.stat(snapshot).st_mtime_ns == os.stat(path).st_mtime_ns and not _has_wal(path)
    except FileNotFoundError:
        return False


def _has_wal(path: Path) -> bool:
    try:
        return os.stat(str(path) + ".wal").st_size > 0
    except FileNotFoundError:
        return False


def _locked_elsewhere(lock_path: Path) -> bool:
    """Whether some process holds a record lock on this file, from /proc/locks: opening the
    file to ask (F_GETLK) could, on closing it, drop a lock this process holds."""
    try:
        inode = os.stat(lock_path).st_ino
        with open("/proc/locks", encoding="ascii", errors="replace") as fh:
            for line in fh:
                fields = line.split()
                if "POSIX" in fields[1:3] and any(f.count(":") == 2 and f.rsplit(":", 1)[1] == str(inode)
                                                  for f in fields[4:7]):
                    return True
    except (OSError, IndexError):
        pass
    return False


def _readable_snapshot(path: Path) -> Path | None:
    """The snapshot to read, refreshed first if it is behind and no writer is busy; None
    when there is none (then the reader opens the warehouse itself)."""
    snapshot = snapshot_path(path)
    if _is_current(path, snapshot):
        return snapshot
    if snapshot.exists() and _locked_elsewhere(Path(str(path) + ".lock")):
        return snapshot  # a run is going on: it refreshes the snapshot every SNAPSHOT_EVERY_S
    if not _has_wal(path):  # (a WAL needs a writer to fold it in; read the file itself)
        try:
            con = duckdb.connect(str(path), read_only=True)
        except duckdb.Error:
            con = None  # a writer is busy: read the last snapshot it made
        if con is not None:
            try:  # while we hold it, nobody writes: the file is consistent
                _copy_snapshot(path)
                return snapshot
            except OSError:
                pass
            finally:
                con.close()
    return snapshot if snapshot.exists() else None


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
        with transaction(con):
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", [number, name, utcnow()])
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
        path = Path(db_path)
        if _is_current(path, snapshot_path(path)):  # the first refresh is due in SNAPSHOT_EVERY_S
            _last_refresh[str(path.resolve())] = time.monotonic()
        try:
            yield
        finally:
            _final_refresh(Path(db_path))


def holds_ingest_lock(db_path: str | Path) -> bool:
    """Whether this process holds the ingest lock of this warehouse."""
    key = str(Path(str(db_path) + ".lock").resolve())
    with _held_guard:
        return key in _held_locks


def _final_refresh(path: Path) -> None:
    """The snapshot catches up with the run's last writes when the run lets the lock go."""
    key = str(path.resolve())
    if key not in _dirty or not path.exists():
        return
    try:
        with contextlib.closing(_connect(str(path), False, 30.0)) as con:
            refresh_snapshot(con, path)
    except WorkwatchError as exc:  # readers then see the snapshot of the last refresh
        print(f"note: could not refresh the readers' snapshot of {path}: {exc}",
              file=sys.stderr, flush=True)


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

    from core.procs import start_time

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
    from core.procs import is_running

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
    from core.procs import is_running

    why = ("which is still running but no longer holds it" if is_running(pid, started)
           else "which is no longer running (killed?)" if is_running(pid) is False
           else "whose pid now belongs to another process")
    print(f"note: took over the {label} on {db_path} from pid {pid}, {why}",
          file=sys.stderr, flush=True)
