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

import logging
import time
from pathlib import Path

from extractors.sitemaps import DateWindow
from warehouse import rescore
from warehouse.db import ingest_lock, write_connection

log = logging.getLogger("workwatch.llm")
SLICE = 500  # articles per trip: a few candidates each at ~0.6%, one cache lookup per trip


def reclassify_with_judge(db_path: str | Path, judge, window: DateWindow = DateWindow(),
                          rescore_all: bool = False, slice_size: int = SLICE) -> dict:
    """Score the stored articles (in the window) without a row for the judge's version (all
    with rescore_all) and make the version current: `stories` shows the judge's verdict where
    it has one, the offline verdict elsewhere (migration 006)."""
    from flows.reprocess import _require, version_state

    db_path = Path(db_path)
    _require(db_path)
    started = time.monotonic()
    judge.reset()
    with ingest_lock(db_path):
        with write_connection(db_path) as con:
            rows = rescore.row_ids_to_score(con, window.start, window.end, judge.name,
                                            judge.version, rescore_all)
        # current with its first rows (warehouse.load.mark_versions_current): articles it
        # has not scored show their offline verdict
        scored, ai_work = _score_rows(db_path, judge, rows, slice_size)
        current, unscored = version_state(db_path, judge.name, judge.version)
    return {"status": "ok", "classifier": judge.name, "version": judge.version,
            "selected": len(rows), "scored": scored, "ai_work": ai_work, "current": current,
            "unscored": unscored, "seconds": round(time.monotonic() - started, 2),
            "llm": judge.stats.as_dict()}


def _score_rows(db_path: Path, judge, rows, slice_size: int) -> tuple[int, int]:
    """Classify these article row ids with the judge, slice by slice; (scored, AI×work)."""
    from extractors.types import TextItem
    from warehouse.load import classifications_table

    scored = ai_work = 0
    for start in range(0, len(rows), slice_size):
        with write_connection(db_path) as con:
            texts = rescore.read_texts(con, rows.slice(start, slice_size), 10_000_000).to_pylist()
        items = [TextItem(r["article_id"], r["title"], r["summary"], r["text"]) for r in texts]
        # Items whose request failed for now (budget, time, HTTP) keep no row of this version:
        # the next run, or a reclassify, asks again (they show their offline verdict meanwhile).
        verdicts = [c for c in judge.classify(items) if c.item_id not in judge.unsettled]
        table = classifications_table(verdicts)
        with write_connection(db_path) as con:
            rescore.upsert_classifications(con, [table])
        scored += table.num_rows
        ai_work += sum(table.column("is_ai_work").to_pylist())
    return scored, ai_work


def after_ingest_judge(db_path: str | Path, feeds_path: str | Path, run_id: str) -> dict | None:
    """After an ingest (inside its lock): when the LLM judge is configured, judge the run's
    new articles (at most `post_run_s` seconds of requests) and make its version current, so
    `stories` shows its verdicts where it has them (the offline ones elsewhere, migration
    006). None when not configured. Never raises: a run never fails because of the judge."""
    from flows.llm_setup import llm_settings, make_judge

    try:
        settings = llm_settings(feeds_path)
        if not settings.enabled:
            return None
        judge = make_judge(feeds_path, db_path)
        judge.reset()
        judge.client.deadline = time.monotonic() + settings.post_run_s
        with write_connection(db_path) as con:
            rows = rescore.run_row_ids_to_score(con, run_id, judge.name, judge.version)
        # the judge's version is current with its first rows (mark_versions_current)
        scored, ai_work = _score_rows(Path(db_path), judge, rows, SLICE)
        log.info("%s; %d articles of run %s", judge.stats.line(), scored, run_id)
        return {"scored": scored, "ai_work": ai_work, **judge.stats.as_dict()}
    except Exception as exc:  # noqa: BLE001 - by design: the judge never fails a run
        log.warning("llm judge skipped after run %s: %s", run_id,
                    str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        return None


def summary_line(s: dict) -> str:
    rest = (f"; {s['unscored']} stored articles show their offline verdict (not scored by it: "
            "reclassify --classifier llm without --since/--until)" if s["unscored"] else "")
    return (f"reclassify ({s['seconds']}s): scored {s['scored']} articles with {s['classifier']} "
            f"{s['version']} ({s['ai_work']} AI×work){rest}")
