"""Memory and CPU of a process tree, recorded from /proc (Linux) by a thread of *another*
process (the harness), so that the measured process does not pay for the sampling.

RSS is summed over the processes: pages shared by forked workers are counted once per
process, so that sum is an upper bound; PSS divides shared pages among their sharers and is
what the tree really holds.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
MB = 2 ** 20


@dataclass(frozen=True)
class ProcInfo:
    pid: int
    role: str  # main, worker, forkserver, prefect-server, other
    rss: int  # bytes
    cpu_s: float  # user + system CPU seconds since the process started
    pss: int | None = None  # bytes, when asked for


@dataclass(frozen=True)
class Sample:
    at: float  # time.monotonic(), comparable between processes on Linux
    procs: tuple[ProcInfo, ...]

    @property
    def rss(self) -> int:
        return sum(p.rss for p in self.procs if p.role != "forking")

    @property
    def pss(self) -> int | None:
        if any(p.pss is None for p in self.procs):
            return None
        return sum(p.pss for p in self.procs if p.role != "forking")


def tree_pids(root: int) -> list[tuple[int, int | None]]:
    """(pid, parent) of root and all its descendants, parents first
    (through /proc/<pid>/task/<tid>/children)."""
    found: list[tuple[int, int | None]] = []
    todo: list[tuple[int, int | None]] = [(root, None)]
    while todo:
        pid, parent = todo.pop()
        found.append((pid, parent))
        for task in _listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{task}/children") as fh:
                    children = fh.read().split()
            except OSError:
                continue
            todo += [(int(c), pid) for c in children]
    return found


def snapshot(root: int, with_pss: bool = False) -> Sample:
    """One sample of the tree under root (root itself is "main").

    A child caught between fork and exec still has its parent's command line and shares
    all of its pages: it is "forking", and left out of the memory figures."""
    procs, roles, cmdlines = [], {}, {}
    for pid, parent in tree_pids(root):
        info = _proc(pid, with_pss)
        if info is None:
            continue
        rss, cpu, pss, role, cmdlines[pid] = info
        if pid == root:
            role = "main"
        elif cmdlines[pid] == cmdlines.get(parent) and role != "forkserver":
            role = "forking"
        elif role == "forkserver" and roles.get(parent) == "forkserver":
            role = "worker"  # forked by the fork server: same command line
        roles[pid] = role
        procs.append(ProcInfo(pid, role, rss, cpu, pss))
    return Sample(time.monotonic(), tuple(procs))


def _proc(pid: int, with_pss: bool) -> tuple[int, float, int | None, str, bytes] | None:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            stat = fh.read()
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            cmdline = fh.read()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    cpu = (int(fields[11]) + int(fields[12])) / TICK  # utime, stime (all threads)
    rss = int(fields[21]) * PAGE
    return rss, cpu, (_pss(pid) or rss) if with_pss else None, _role(cmdline), cmdline


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _role(cmdline: bytes) -> str:
    text = cmdline.replace(b"\0", b" ").decode("utf-8", "replace")
    if "uvicorn" in text and "prefect" in text:
        return "prefect-server"
    if "multiprocessing.forkserver" in text:
        return "forkserver"
    return "other"


def _listdir(path: str) -> list[str]:
    try:
        return os.listdir(path)
    except OSError:
        return []


@dataclass
class TreeRecorder:
    """Sample the tree under `root` every `interval` seconds in a thread of this process."""

    root: int
    interval: float = 0.25
    pss_every: int = 8  # PSS (smaps_rollup) costs ~3 ms a process: every 8th sample only
    samples: list[Sample] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> "TreeRecorder":
        self._thread = threading.Thread(target=self._run, daemon=True, name="tree-recorder")
        self._thread.start()
        return self

    def _run(self) -> None:
        n = 0
        while True:
            self.samples.append(snapshot(self.root, with_pss=n % self.pss_every == 0))
            n += 1
            if self._stop.wait(self.interval):
                return

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def window(self, start: float, end: float) -> dict:
        """Peak memory and CPU seconds by role between two time.monotonic() instants."""
        inside = [s for s in self.samples if start <= s.at <= end]
        before = [s for s in self.samples if s.at < start][-1:]
        with_pss = [s for s in inside if s.pss is not None]
        return {
            "samples": len(inside),
            "peak_rss_mb": round(max((s.rss for s in inside), default=0) / MB, 1),
            "peak_pss_mb": round(max((s.pss for s in with_pss), default=0) / MB, 1),
            "peak_rss_mb_by_role": _peak_by_role(inside, "rss"),
            "peak_pss_mb_by_role": _peak_by_role(with_pss, "pss"),
            "cpu_s": _cpu_between(before + inside),
        }


def _peak_by_role(samples: list[Sample], measure: str) -> dict[str, float]:
    peaks: dict[str, int] = {}
    for s in samples:
        by_role: dict[str, int] = {}
        for p in s.procs:
            if p.role != "forking":
                by_role[p.role] = by_role.get(p.role, 0) + getattr(p, measure)
        for role, value in by_role.items():
            peaks[role] = max(peaks.get(role, 0), value)
    return {k: round(v / MB, 1) for k, v in sorted(peaks.items())}


def _cpu_between(samples: list[Sample]) -> dict[str, float]:
    """CPU seconds used by role from the first to the last of these samples; a process
    born in between counts from zero, one that died counts up to its last sample."""
    if not samples:
        return {}
    first = {p.pid: p.cpu_s for p in samples[0].procs}
    last: dict[int, ProcInfo] = {}
    for s in samples:
        for p in s.procs:
            last[p.pid] = p
    by_role: dict[str, float] = {}
    for pid, p in last.items():
        by_role[p.role] = by_role.get(p.role, 0.0) + p.cpu_s - first.get(pid, 0.0)
    return {k: round(v, 2) for k, v in sorted(by_role.items())}
