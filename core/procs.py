"""Which process is which: a pid and its start time name one process (a pid can be reused,
the pair cannot). Used by the warehouse's lock files and by flows' process lifelines."""

from __future__ import annotations

import os


def start_time(pid: int) -> int | None:
    """The process's start time (clock ticks since boot, /proc/<pid>/stat field 22), or
    None when there is no such process. Together with the pid it names one process: a pid
    can be reused, the pair cannot."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    except OSError:
        return _psutil_start(pid)
    try:  # field 2 (comm) may hold spaces and parentheses: split after its closing ')'
        return int(stat.rsplit(b")", 1)[1].split()[19])
    except (IndexError, ValueError):
        return _psutil_start(pid)


def _psutil_start(pid: int) -> int | None:
    try:
        import psutil
    except ImportError:
        return None
    try:
        return int(psutil.Process(pid).create_time() * 100)
    except psutil.Error:
        return None


def is_running(pid: int, started: int | None = None) -> bool:
    """Whether process pid exists (and, given `started`, is the same process)."""
    if pid <= 0:
        return False
    now = start_time(pid)
    if now is None:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return started is None
    if _is_zombie(pid):
        return False
    return started is None or now == started


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[0] in (b"Z", b"X")
    except (OSError, IndexError):
        return False
