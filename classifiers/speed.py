"""Measure a classifier's throughput (items/s, single core) on a JSON-lines file.

    python -m classifiers.speed [PATH] [--limit N] [--batch 500] [--classifier learned|rules]

PATH defaults to ../shared/corpus/replay-2023.jsonl.gz (title + summary feed items). Reading
and parsing the file is not timed; only classify() calls are, as wall time and as CPU time of
this process (the latter is the single-core figure when the machine is busy).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

from classifiers.base import DEFAULT, available, get_classifier
from extractors.types import TextItem

DEFAULT_PATH = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "replay-2023.jsonl.gz"


def load_items(path: Path, limit: int | None = None) -> list[TextItem]:
    opener = gzip.open if path.suffix == ".gz" else open
    items: list[TextItem] = []
    with opener(path, "rt", encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if limit is not None and i >= limit:
                break
            if not line.strip():
                continue
            rec = json.loads(line)
            items.append(
                TextItem(
                    id=str(rec.get("id") or rec.get("url") or i),
                    title=rec.get("title") or "",
                    summary=rec.get("summary") or "",
                    text=rec.get("text") or "",
                )
            )
    return items


def measure(items: list[TextItem], batch: int = 500, name: str = DEFAULT) -> dict:
    clf = get_classifier(name)
    clf.classify(items[:10])  # warm up (lexicon load, regex compile)
    positives = 0
    t0 = time.perf_counter()
    c0 = time.process_time()
    for i in range(0, len(items), batch):
        for c in clf.classify(items[i : i + batch]):
            positives += c.is_ai_work
    elapsed = time.perf_counter() - t0
    cpu = time.process_time() - c0
    return {
        "classifier": clf.name,
        "version": clf.version,
        "items": len(items),
        "seconds": round(elapsed, 3),
        "items_per_s": round(len(items) / elapsed, 1) if elapsed else None,
        "cpu_seconds": round(cpu, 3),
        "items_per_cpu_s": round(len(items) / cpu, 1) if cpu else None,
        "ai_work": positives,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path", nargs="?", default=str(DEFAULT_PATH))
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--classifier", default=DEFAULT, choices=available())
    args = ap.parse_args(argv)
    path = Path(args.path)
    if not path.exists():
        print(f"no such file: {path}", file=sys.stderr)
        return 1
    items = load_items(path, args.limit)
    print(json.dumps(measure(items, args.batch, args.classifier)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
