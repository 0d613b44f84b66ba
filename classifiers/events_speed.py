"""How much the workforce-event extractor adds to the classification stage (single core).

    python -m classifiers.events_speed [PATH] [--limit N] [--batch 500]

Times, on the same items (default: ../shared/corpus/replay-2023.jsonl.gz), the classifier's
classify() calls (as classifiers/speed.py does) and extract_events() on (a) the AI×work items
only, which is what the loader does, and (b) every item, the worst case. Reading the file is
not timed; CPU time of this process is reported next to wall time.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from classifiers.base import get_classifier
from classifiers.events import extract_events
from classifiers.speed import DEFAULT_PATH, load_items


def measure(items: list, batch: int = 500, name: str = "rules") -> dict:
    clf = get_classifier(name)
    clf.classify(items[:10])
    extract_events(items[0]) if items else None
    t0, c0 = time.perf_counter(), time.process_time()
    verdicts = []
    for i in range(0, len(items), batch):
        verdicts.extend(clf.classify(items[i:i + batch]))
    classify_s, classify_cpu = time.perf_counter() - t0, time.process_time() - c0
    ai_work = [it for it, v in zip(items, verdicts) if v.is_ai_work]
    t0, c0 = time.perf_counter(), time.process_time()
    found = sum(len(extract_events(it)) for it in ai_work)
    loader_s, loader_cpu = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    found_all = sum(len(extract_events(it)) for it in items)
    all_s, all_cpu = time.perf_counter() - t0, time.process_time() - c0
    return {
        "classifier": f"{clf.name} {clf.version}", "items": len(items), "ai_work": len(ai_work),
        "classify_s": round(classify_s, 3), "classify_cpu_s": round(classify_cpu, 3),
        "events_ai_work_s": round(loader_s, 3), "events_ai_work_cpu_s": round(loader_cpu, 3),
        "events_on_ai_work": found,
        "added_pct_loader": round(100 * loader_cpu / classify_cpu, 2) if classify_cpu else None,
        "events_all_s": round(all_s, 3), "events_all_cpu_s": round(all_cpu, 3),
        "events_on_all": found_all,
        "added_pct_all_items": round(100 * all_cpu / classify_cpu, 2) if classify_cpu else None,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path", nargs="?", default=str(DEFAULT_PATH))
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--batch", type=int, default=500)
    args = ap.parse_args(argv)
    path = Path(args.path)
    if not path.exists():
        print(f"no such file: {path}", file=sys.stderr)
        return 1
    print(json.dumps(measure(load_items(path, args.limit), args.batch)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
