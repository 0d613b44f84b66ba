"""workwatch's real ingest, timed in a process of its own (as `workwatch ingest` runs).

    python -m bench.ingest_run '{"feeds": "...", "db": "...", "data_dir": "..."}' [REPORT]

Writes one JSON object (to REPORT, else stdout): import time, Prefect's start-up (a probe
flow: call to first line of its body; the temporary API server starts here), the first run
(everything new) and a second run (feeds answer 304), each with its time.monotonic() window
so that the harness, which records this process tree's memory and CPU from outside, can
attribute them; and the number of articles in the warehouse.

Set WORKWATCH_BENCH_PROFILE=<file> to write a cProfile of this process's first run.
"""

from __future__ import annotations

import json
import os
import sys
import time

STARTED = time.monotonic()


def main(argv: list[str] | None = None) -> None:
    argv = argv or sys.argv[1:]
    report = json.dumps(measure(json.loads(argv[0])))
    if len(argv) > 1:
        with open(argv[1], "w", encoding="utf-8") as fh:
            fh.write(report)
    else:
        print(report)


def measure(args: dict) -> dict:
    import asyncio

    from prefect import flow

    from flows.ingest import daily_ingest
    from flows.scaleout import with_dask
    from flows.progress import set_reporter
    from warehouse.db import read_connection

    ingest_flow = with_dask(daily_ingest, args.get("dask"), args.get("workers"))
    imported = time.monotonic()
    report: dict = {"import_s": round(imported - STARTED, 3)}

    @flow(name="bench-probe")
    def probe() -> float:
        return time.monotonic()

    called = time.monotonic()
    body_started = probe()
    report["prefect_startup_s"] = round(body_started - called, 3)
    report["probe_flow_s"] = round(time.monotonic() - called, 3)
    if args.get("probe_only"):
        return report

    def run(label: str) -> None:
        profile = os.environ.get("WORKWATCH_BENCH_PROFILE") if label == "first" else None
        progress = BatchClock()
        set_reporter(progress)
        started = time.monotonic()
        summary = _run_profiled(profile, lambda: asyncio.run(ingest_flow(
            feeds_path=args["feeds"], db_path=args["db"], data_dir=args["data_dir"],
            workers=args.get("workers"), batch_size=args.get("batch_size", 100))))
        ended = time.monotonic()
        set_reporter(None)
        report[label] = {
            "window": [started, ended], "seconds": round(ended - started, 3),
            **progress.figures(started),
            "flow_seconds": summary["seconds"], "status": summary["status"],
            "feeds_ok": summary["feeds_ok"], "feeds_failed": summary["feeds_failed"],
            "new_articles": summary["new_articles"], "errors": summary["errors"],
            "ai_work": summary["ai_work"],
            "not_modified": sum(1 for f in summary["feeds"] if f["http"] == 304),
            "article_errors": summary["article_errors"][:5],
        }
        time.sleep(0.6)  # let the recorder see the quiet tree between the runs

    run("first")
    with read_connection(args["db"]) as con:
        report["loaded"] = con.execute("SELECT count(*) FROM articles").fetchone()[0]
    run("second")
    return report


class BatchClock:
    """A progress reporter that notes when each batch of articles is done."""

    def __init__(self) -> None:
        self.done: list[tuple[float, int]] = []

    def start(self, stage: str, total: int) -> None:
        pass

    def advance(self, stage: str, amount: int = 1) -> None:
        if stage == "articles":
            self.done.append((time.monotonic(), amount))

    def note(self, message: str) -> None:
        pass

    def figures(self, started: float) -> dict:
        """Time to the first loaded batch, and the rate from the first to the last batch."""
        if not self.done:
            return {}
        first, last = self.done[0][0], self.done[-1][0]
        after_first = sum(n for _, n in self.done[1:])
        return {"first_batch_s": round(first - started, 2),
                "steady_rate": round(after_first / (last - first), 1) if last > first else None}


def _run_profiled(path: str | None, fn):
    if not path:
        return fn()
    import cProfile

    profiler = cProfile.Profile(time.thread_time)  # CPU of this thread: load elsewhere does not count
    try:
        return profiler.runcall(fn)
    finally:
        profiler.dump_stats(path)


if __name__ == "__main__":
    main()
