"""Each run's one-line summary in its Prefect log, at INFO (for `workwatch serve` and the UI).

A served run (`workwatch serve`) happens in a process of Prefect's runner: nobody prints its
summary, and the CLI's PREFECT_LOGGING_LEVEL=WARNING default (inherited by those processes)
would drop an INFO record. So the line is handed to the run logger's handlers directly (its
console: serve's terminal; and the Prefect API: the run's log in the UI), at INFO whatever
the level. A CLI command that prints the summary itself sets `cli_prints_summary`, and the
line is then not repeated on stderr.
"""

from __future__ import annotations

import logging
from typing import Any

cli_prints_summary = False  # set by the CLI in its own process (not inherited by others)


def ingest_line(s: dict[str, Any]) -> str:
    line = (f"ingest {s.get('run_id')} ({s.get('status')}, {s.get('seconds')}s): "
            f"{s.get('feeds_ok', 0)} feeds ok, {s.get('feeds_failed', 0)} failed, "
            f"{s.get('feeds_skipped', 0)} skipped; {s.get('items', 0)} items, "
            f"{s.get('new_articles', 0)} new articles, {s.get('ai_work', 0)} AI×work stories, "
            f"{s.get('errors', 0)} article errors")
    if s.get("deferred") or s.get("feeds_deferred"):
        line += (f"; {s.get('deferred', 0)} articles and {s.get('feeds_deferred', 0)} feeds "
                 "deferred to the next run")
    return line


def backfill_line(s: dict[str, Any]) -> str:
    head = f"backfill {s.get('run_id')} ({s.get('source')}, {s.get('status')}, {s.get('seconds')}s)"
    if s.get("message"):
        return f"{head}: {s['message']}; {s.get('errors', 0)} errors"
    return (f"{head}: {s.get('outlets_ok', 0)} outlets ok, {s.get('outlets_failed', 0)} failed; "
            f"{s.get('new_articles', 0)} new articles, {s.get('errors', 0)} errors")


def log_run_summary(kind: str, summary: dict[str, Any]) -> None:
    """Log the run's summary line at INFO on the current flow run's logger. Never raises."""
    try:
        from prefect.logging import get_run_logger

        line = ingest_line(summary) if kind == "ingest" else backfill_line(summary)
        adapter = get_run_logger()
        msg, kwargs = adapter.process(line, {})
        base = adapter.logger
        record = base.makeRecord(base.name, logging.INFO, __file__, 0, msg, (), None,
                                 extra=kwargs.get("extra"))
        if cli_prints_summary:  # the CLI prints it: only the API (the UI's run log) gets it
            for handler in _handlers(base):
                if not isinstance(handler, logging.StreamHandler) and record.levelno >= handler.level:
                    handler.handle(record)
            return
        base.handle(record)  # Logger.handle: filters and handlers, not the logger's level
    except Exception:  # a log line is never worth failing a run for
        pass


def _handlers(logger: logging.Logger) -> list[logging.Handler]:
    found: list[logging.Handler] = []
    current: logging.Logger | None = logger
    while current is not None:
        found.extend(current.handlers)
        current = current.parent if current.propagate else None
    return found
