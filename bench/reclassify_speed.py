"""Measure `reclassify`: re-score N stored articles with the current classifier version.

    python -m bench.reclassify_speed [--articles 100000] [--workers N] [--slice 2000] [--json]

Builds a warehouse of N articles once (titles and summaries from ../shared/corpus/replay-2023,
bodies from the corpus's real article texts, falling back to generated text without the
corpus), then removes the current classifier version's rows and times `reclassify` scoring
every article again, as after a classifier version bump.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import resource
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"


def _texts() -> list[str]:
    truth = CORPUS / "articles" / "ground-truth.json"
    if truth.exists():
        data = json.loads(truth.read_text(encoding="utf-8"))
        values = data.values() if isinstance(data, dict) else data
        texts = [v.get("articleBody") or "" for v in values if isinstance(v, dict)]
        if texts:
            return [t for t in texts if t]
    from tests.backfill_site import AI_BODY, OTHER_BODY

    return [" ".join(AI_BODY * 3), " ".join(OTHER_BODY * 3)]


def _headlines(n: int) -> list[tuple[str, str]]:
    replay = CORPUS / "replay-2023.jsonl.gz"
    out: list[tuple[str, str]] = []
    if replay.exists():
        with gzip.open(replay, "rt", encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                out.append((rec.get("title") or "", rec.get("summary") or ""))
                if len(out) >= n:
                    break
    while len(out) < n:
        out.append((f"Company {len(out)} adds AI tools for staff", "Workers use the tools daily."))
    return out


def build_warehouse(db: Path, n: int) -> None:
    from warehouse.db import write_connection
    from warehouse.load import ARTICLE_SCHEMA

    texts, heads = _texts(), _headlines(n)
    start = datetime(2023, 1, 1)
    with write_connection(db) as con:
        for lo in range(0, n, 20_000):
            rows = []
            for i in range(lo, min(n, lo + 20_000)):
                title, summary = heads[i]
                text = f"{texts[i % len(texts)]}\n(Story {i}.)"
                url = f"https://news.example/{i}"
                rows.append({
                    "article_id": hashlib.sha256(url.encode()).hexdigest()[:16], "url": url,
                    "canonical_url": url, "feed": "bench", "outlet": "Bench", "guid": None,
                    "title": title, "summary": summary, "author": None,
                    "published_at": start + timedelta(minutes=5 * i),
                    "first_seen_at": start + timedelta(minutes=5 * i), "language": "en",
                    "text": text, "word_count": len(text.split()),
                    "text_hash": hashlib.sha256(text.encode()).hexdigest(), "source": "feed",
                    "sitename": None, "archive_path": None, "run_id": "bench"})
            con.register("bench_rows", pa.Table.from_pylist(rows, schema=ARTICLE_SCHEMA))
            con.execute("INSERT INTO articles SELECT * FROM bench_rows")
            con.unregister("bench_rows")


def forget_current_version(db: Path) -> None:
    """As after a classifier version bump: no article has a row for the current version."""
    from classifiers.base import get_classifier
    from warehouse.db import write_connection

    clf = get_classifier()
    with write_connection(db) as con:
        con.execute("DELETE FROM classifications WHERE classifier = ? AND version = ?",
                    [clf.name, clf.version])


def _cpu() -> float:
    """CPU seconds used by this process and its finished children (the worker pool)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--slice", type=int, default=None)
    ap.add_argument("--db", default=None, help="Reuse this warehouse (built when missing).")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    from flows.reprocess import RECLASSIFY_SLICE, reclassify

    db = Path(args.db) if args.db else Path(tempfile.mkdtemp()) / "bench.duckdb"
    t0 = time.perf_counter()
    if not db.exists():
        build_warehouse(db, args.articles)
    built = time.perf_counter() - t0
    forget_current_version(db)
    cpu0 = _cpu()
    result = reclassify(db, workers=args.workers, slice_size=args.slice or RECLASSIFY_SLICE)
    cpu = _cpu() - cpu0
    report = {"articles": result.scored, "seconds": result.seconds,
              "articles_per_s": round(result.scored / result.seconds) if result.seconds else None,
              "ai_work": result.ai_work, "version": result.version, "build_seconds": round(built, 1),
              "cpu_seconds": round(cpu, 1), "load_avg_1m": os.getloadavg()[0], "db": str(db)}
    print(json.dumps(report) if args.json else
          f"re-scored {report['articles']} articles in {report['seconds']}s "
          f"({report['articles_per_s']}/s, {report['cpu_seconds']} CPU-seconds, load average "
          f"{report['load_avg_1m']:.1f}); warehouse built in {report['build_seconds']}s at {db}",
          file=sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
