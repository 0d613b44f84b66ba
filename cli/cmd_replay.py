"""`workwatch replay FILE.jsonl.gz`: the command; the pipeline is flows/replay.py."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import typer

from cli.base import UsageError, app, err, handle_errors, out
from flows.replay import DEFAULT_BATCH, count_lines, replay


# ------------------------------------------------------------------ the command


REPLAY_DB = "data/replay.duckdb"
PROGRESS_EVERY_S = 5.0  # a progress line at most this often when stderr is not a terminal


class LineProgress:
    """Progress for cron and pipes: one line per phase, then "N of M items" at most every
    PROGRESS_EVERY_S seconds (a terminal gets the bar instead)."""

    def __init__(self, console, total: int, every_s: float = PROGRESS_EVERY_S):
        self.console, self.total, self.every_s = console, total, every_s
        self.done = 0
        self.started = self.last = time.monotonic()

    def __call__(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if now - self.last >= self.every_s or self.done >= self.total:
            self.last = now
            pct = f" ({100 * self.done // self.total}%)" if self.total else ""
            self.console.print(f"replay: {self.done:,} of {self.total:,} items{pct}, "
                               f"{now - self.started:.0f} s", markup=False, highlight=False)


@app.command(name="replay")
@handle_errors
def replay_command(
    file: Path = typer.Argument(..., help="JSON lines (optionally .gz): published, feed_url, title, summary, url."),
    db: str = typer.Option(REPLAY_DB, "--db",
                           help="Warehouse to load into (DuckDB). Its own file by default, never "
                                "the production warehouse (data/workwatch.duckdb, WORKWATCH_DB) "
                                "unless you name it here."),
    limit: Optional[int] = typer.Option(None, help="Only the first N lines."),
    batch_size: int = typer.Option(DEFAULT_BATCH, help="Items per load transaction."),
    workers: int = typer.Option(2, help="Classifier processes."),
):
    """Replay a year of real feed items into a warehouse of their own (classified, clustered,
    loaded): data/replay.duckdb unless --db names another.

    Idempotent: items already stored are skipped, so an interrupted replay can be re-run.
    On a terminal a progress bar shows; otherwise (cron, a pipe) one line per phase and a
    progress line every few seconds, on stderr.

    Examples:

        workwatch replay ../shared/corpus/replay-2023.jsonl.gz

        workwatch query trend --interval month --db data/replay.duckdb

        workwatch replay ../shared/corpus/replay-2023.jsonl.gz --limit 5000 --db /tmp/try.duckdb
    """
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn,
                               TextColumn, TimeElapsedColumn, TimeRemainingColumn)

    if batch_size < 1 or workers < 1 or (limit is not None and limit < 0):
        raise UsageError("--batch-size and --workers must be at least 1, --limit at least 0")
    lines_only = not err.is_terminal
    if lines_only and file.exists():
        err.print(f"replay: counting the items of {file}", markup=False, highlight=False)
    total = count_lines(file, limit) if file.exists() else 0
    if lines_only and file.exists():
        err.print(f"replay: classifying and loading {total:,} items into {db} ({workers} "
                  f"classifier processes, {batch_size:,} items per transaction)",
                  markup=False, highlight=False)
    columns = (TextColumn("replay"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
               TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True, disable=lines_only) as bar:
        task = bar.add_task("replay", total=total)
        advance = LineProgress(err, total) if lines_only else (lambda n: bar.advance(task, n))
        summary = replay(file, Path(db), limit=limit, batch_size=batch_size, workers=workers,
                         progress=advance)
    out.print(f"replayed {summary.lines} items in {summary.seconds}s: {summary.new_articles} new "
              f"articles, {summary.skipped} skipped (stored already, repeated or no URL), "
              f"{summary.ai_work} AI×work stories (run {summary.run_id}) -> {db}",
              markup=False, highlight=False)
    if summary.bad_lines:
        err.print(f"warning: {summary.bad_lines} bad lines not loaded "
                  f"({'; '.join(summary.bad_examples)}"
                  f"{'; …' if summary.bad_lines > len(summary.bad_examples) else ''})",
                  markup=False, highlight=False)
