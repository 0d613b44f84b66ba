"""`workwatch reclassify --classifier llm`: re-score stored articles with the LLM judge
(issue 17), in this process, without Prefect.

Why not the process pool of flows/reprocess.py: the judge keeps its answers in the
warehouse, and only one process may write it; the offline stage it wraps scores ~4,500
items per CPU-second (README, "Classifier"), so one process is not the bottleneck, the
model is. The slices, SQL and upsert are reprocess's own; each slice is classified between
two short write connections (never one held while waiting for the model), under the
ingest lock like any reclassify.
"""

from __future__ import annotations

import time
from pathlib import Path

from extractors.sitemaps import DateWindow
from warehouse.db import ingest_lock, write_connection
from warehouse.load import sql

SLICE = 500  # articles per trip: a few candidates each at ~0.6%, one cache lookup per trip


def reclassify_with_judge(db_path: str | Path, judge, window: DateWindow = DateWindow(),
                          rescore_all: bool = False, slice_size: int = SLICE) -> dict:
    """Score the stored articles without a row for the judge's version (all with
    rescore_all) and make the version current once every article has one."""
    from flows.reprocess import (_read_slice, _require, _upsert, classification_columns,
                                 switch_if_complete, window_params)
    from extractors.types import TextItem

    db_path = Path(db_path)
    _require(db_path)
    started = time.monotonic()
    judge.reset()
    params = {**window_params(window), "all": rescore_all, "classifier": judge.name,
              "version": judge.version}
    scored = ai_work = 0
    with ingest_lock(db_path):
        with write_connection(db_path) as con:
            rows = con.sql(sql("reclassify_ids"), params=params).to_arrow_table().column(0)
        for start in range(0, len(rows), slice_size):
            with write_connection(db_path) as con:
                texts = _read_slice(con, rows.slice(start, slice_size), 10_000_000).to_pylist()
            items = [TextItem(r["article_id"], r["title"], r["summary"], r["text"]) for r in texts]
            table = classification_columns(judge.classify(items))
            with write_connection(db_path) as con:
                _upsert(con, [table])
            scored += table.num_rows
            ai_work += sum(table.column("is_ai_work").to_pylist())
        current, unscored = switch_if_complete(db_path, judge.name, judge.version)
    return {"status": "ok", "classifier": judge.name, "version": judge.version,
            "selected": len(rows), "scored": scored, "ai_work": ai_work, "current": current,
            "unscored": unscored, "seconds": round(time.monotonic() - started, 2),
            "llm": judge.stats.as_dict()}


def summary_line(s: dict) -> str:
    state = ("it is now current" if s["current"] else
             f"{s['unscored']} stored articles not scored by it yet (reclassify without "
             "--since/--until to switch)")
    return (f"reclassify ({s['seconds']}s): scored {s['scored']} articles with {s['classifier']} "
            f"{s['version']} ({s['ai_work']} AI×work); {state}")
