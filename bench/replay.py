"""Benchmark: replay the 2023 corpus through classify + cluster + load, then the monthly trend.

    python -m bench.replay [--corpus PATH] [--db PATH] [--limit N] [--workers 2] [--json]

Target: the whole file (159,294 items) in under 2 minutes on the 2-core machine. The time
includes starting the worker processes and every load transaction; the warehouse is made
anew. The CPU time of this process and of its workers is reported too, since the wall time
depends on what else the machine runs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from pathlib import Path

from flows.replay import replay
from warehouse.analytics import QueryParams, run_named

DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "replay-2023.jsonl.gz"


def time_replay(corpus: str | Path = DEFAULT_CORPUS, db_path: str | Path = "data/bench-replay.duckdb",
                limit: int | None = None, workers: int = 2) -> dict:
    """Replay `corpus` into a fresh warehouse; seconds, counts and the monthly trend."""
    db_path = Path(db_path)
    for extra in ("", ".wal"):
        Path(str(db_path) + extra).unlink(missing_ok=True)
    cpu_before = _cpu()
    started = time.perf_counter()
    summary = replay(Path(corpus), db_path, limit=limit, workers=workers)
    seconds = time.perf_counter() - started
    cpu = _cpu() - cpu_before
    trend = run_named(db_path, "trend", QueryParams(interval="month"))
    return {
        "items": summary.lines, "new_articles": summary.new_articles, "ai_work": summary.ai_work,
        "seconds": round(seconds, 1), "cpu_seconds": round(cpu, 1),
        "items_per_s": round(summary.lines / seconds) if seconds else None,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "trend_by_month": [dict(zip(trend.columns, (str(v) if i == 0 else v for i, v in enumerate(row))))
                           for row in trend.rows],
    }


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    parser.add_argument("--db", default="data/bench-replay.duckdb")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="Print the whole report as JSON.")
    args = parser.parse_args(argv)
    report = time_replay(args.corpus, args.db, args.limit, args.workers)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"{report['items']} items in {report['seconds']} s ({report['items_per_s']}/s, "
          f"{report['cpu_seconds']} CPU s, load average {report['load_average']}); "
          f"{report['new_articles']} articles, {report['ai_work']} AI×work")
    for row in report["trend_by_month"]:
        print(f"  {row['period']}  {row['ai_work_stories']:>4} AI×work of {row['all_stories']:>6} "
              f"({row['ai_work_pct']}%)")


if __name__ == "__main__":
    main()
