"""The `workwatch` command line. Errors become one line on stderr and exit code 1."""

from __future__ import annotations

import asyncio
import functools
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Callable, Optional

os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

import typer  # noqa: E402
from rich.console import Console  # noqa: E402

from extractors.errors import WorkwatchError  # noqa: E402
from flows.output import FORMATS, render  # noqa: E402

app = typer.Typer(
    name="workwatch",
    help="A news monitor for stories about AI and the workforce.\n\n"
         "Start with `workwatch demo` (offline), then `workwatch ingest` and `workwatch sql`.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="markdown",
    pretty_exceptions_enable=False,
)
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, soft_wrap=True)

DB_OPTION = typer.Option("data/workwatch.duckdb", "--db", envvar="WORKWATCH_DB",
                         help="Warehouse file (DuckDB).")
FEEDS_OPTION = typer.Option("feeds.toml", "--feeds", envvar="WORKWATCH_FEEDS",
                            help="Feed list (TOML).")
FORMAT_OPTION = typer.Option("table", "--format", "-f", help="Output format: table, csv or json.")


class UsageError(WorkwatchError):
    """Bad arguments (exit code 2)."""


def handle_errors(fn: Callable) -> Callable:
    """Turn workwatch's typed errors into one clean line on stderr."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except UsageError as exc:
            err.print(f"error: {exc}", markup=False, highlight=False)
            raise typer.Exit(2)
        except WorkwatchError as exc:
            err.print(f"error: {exc}", markup=False, highlight=False)
            raise typer.Exit(1)
        except KeyboardInterrupt:
            err.print("interrupted; the warehouse keeps every batch that finished", markup=False)
            raise typer.Exit(130)

    return wrapper


def check_format(fmt: str, allowed=FORMATS) -> str:
    if fmt not in allowed:
        raise UsageError(f"unknown format {fmt!r}; choose one of {', '.join(allowed)}")
    return fmt


# ---------------------------------------------------------------- ingest


@app.command()
@handle_errors
def ingest(
    feed: Optional[list[str]] = typer.Option(None, "--feed", help="Only this feed (repeatable)."),
    db: str = DB_OPTION,
    feeds: str = FEEDS_OPTION,
    batch_size: int = typer.Option(100, help="Articles per batch (one load transaction each)."),
    workers: Optional[int] = typer.Option(None, help="Extraction processes (default: one per core)."),
    force: bool = typer.Option(False, "--force", help="Also fetch feeds that are backing off after errors."),
    json_out: bool = typer.Option(False, "--json", help="Print the run summary as JSON."),
    dask: Optional[str] = typer.Option(
        None, "--dask", envvar="WORKWATCH_DASK_ADDRESS",
        help="Extract and classify on a Dask cluster: scheduler address (tcp://host:8786) "
             "or 'local' for a temporary LocalCluster."),
):
    """Run the daily ingestion now: fetch feeds, load new articles, classify them.

    Examples:

        workwatch ingest

        workwatch ingest --feed techcrunch-ai --feed theverge

        WORKWATCH_DB=/srv/ww.duckdb workwatch ingest --feeds /etc/workwatch/feeds.toml

        workwatch ingest --dask tcp://10.0.0.5:8786
    """
    summary = run_ingest(feeds, db, feed or None, batch_size=batch_size, workers=workers,
                         force=force, progress=not json_out, dask=dask)
    if json_out:
        out.file.write(json.dumps(summary, default=str) + "\n")
    else:
        print_summary(summary)


def run_ingest(feeds: str, db: str, feed_names=None, progress: bool = True,
               dask: str | None = None, **kwargs) -> dict:
    from flows.ingest import daily_ingest
    from flows.progress_display import progress_display
    from flows.scaleout import with_dask

    flow = with_dask(daily_ingest, dask, kwargs.get("workers"))
    with progress_display(err, enabled=progress):
        return asyncio.run(flow(feeds_path=feeds, db_path=db, feed_names=feed_names, **kwargs))


def print_summary(summary: dict) -> None:
    for f in summary["feeds"]:
        if f["status"] == "error":
            err.print(f"feed {f['feed']}: failed: {f['error']}", markup=False, highlight=False)
        elif f["status"] == "skipped":
            err.print(f"feed {f['feed']}: skipped: {f['error']}", markup=False, highlight=False)
        elif f["warning"]:
            err.print(f"feed {f['feed']}: warning: {f['warning']}", markup=False, highlight=False)
    out.print(
        f"run {summary['run_id']} ({summary['status']}, {summary['seconds']}s): "
        f"{summary['feeds_ok']} feeds ok, {summary['feeds_failed']} failed, "
        f"{summary.get('feeds_skipped', 0)} skipped; {summary['items']} items, "
        f"{summary['new_articles']} new articles, {summary['ai_work']} AI×work stories, "
        f"{summary['errors']} article errors", markup=False, highlight=False)
    reasons = summary.get("errors_by_reason") or {}
    if reasons:
        detail = ", ".join(f"{n} {reason}" for reason, n in sorted(reasons.items(), key=lambda kv: -kv[1]))
        err.print(f"article errors by reason: {detail}", markup=False, highlight=False)
    if summary.get("skipped_links"):
        err.print(f"{summary['skipped_links']} feed entries skipped (no http(s) link)",
                  markup=False, highlight=False)


# ---------------------------------------------------------------- demo


@app.command()
@handle_errors
def demo(
    db: str = typer.Option("data/demo.duckdb", "--db", help="Demo warehouse (recreated each time)."),
    workers: Optional[int] = typer.Option(None, help="Extraction processes."),
):
    """Offline demo: serve the bundled sample outlets on 127.0.0.1 and ingest them.

    Recreates the demo warehouse, runs the real ingest flow over real loopback HTTP, then
    prints what was loaded and a first weekly trend.

    Example:

        workwatch demo && workwatch sql --db data/demo.duckdb "select count(*) from stories"
    """
    from flows.sample_site import SampleSite

    db_path = Path(db)
    _reset_demo(db_path)
    with SampleSite() as site:
        feeds_file = db_path.parent / "demo-feeds.toml"
        feeds_file.write_text(site.feeds_toml(), encoding="utf-8")
        out.print(f"serving {len(site.outlets)} sample outlets on 127.0.0.1; ingesting into {db_path}",
                  markup=False)
        summary = run_ingest(str(feeds_file), str(db_path), workers=workers)
    print_summary(summary)
    show_demo_tables(db_path)


def _reset_demo(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    for extra in ("", ".wal", ".lock"):
        Path(str(db_path) + extra).unlink(missing_ok=True)
    shutil.rmtree(db_path.parent / "archive", ignore_errors=True)


def show_demo_tables(db_path: Path) -> None:
    from warehouse.db import read_connection

    with read_connection(db_path) as con:
        cur = con.execute(
            "SELECT outlet, strftime(story_at, '%Y-%m-%d') AS date, "
            "CASE WHEN is_ai_work THEN 'yes' ELSE '' END AS ai_work, topics, title "
            "FROM stories ORDER BY story_at DESC")
        render([d[0] for d in cur.description], cur.fetchall(), "table", out,
               title="Stories loaded")
        cur = con.execute(
            "SELECT strftime(date_trunc('week', story_at), '%Y-%m-%d') AS week, "
            "count(*) AS stories, count(*) FILTER (is_ai_work) AS ai_work, "
            "round(100.0 * count(*) FILTER (is_ai_work) / count(*), 1) AS ai_work_pct "
            "FROM stories GROUP BY ALL ORDER BY week")
        render([d[0] for d in cur.description], cur.fetchall(), "table", out,
               title="AI×work stories per week")
    out.print(f'Try: workwatch sql --db {db_path} "select outlet, title from stories where is_ai_work"',
              markup=False, highlight=False)


# ---------------------------------------------------------------- sql and feeds


@app.command()
@handle_errors
def sql(
    query: str = typer.Argument(..., help="A SQL query (read-only)."),
    db: str = DB_OPTION,
    fmt: str = typer.Option("table", "--format", "-f", help="table, csv, json or parquet."),
    output: Optional[Path] = typer.Option(None, "--output", "-o",
                                          help="Write the result to this file (required for parquet)."),
):
    """Run read-only SQL on the warehouse.

    Tables: feeds, runs, feed_fetches, articles, classifications, story_clusters,
    article_clusters; views: stories, story_topics.

    Examples:

        workwatch sql "select count(*) from stories where is_ai_work"

        workwatch sql "select outlet, count(*) from stories group by 1" --format csv

        workwatch sql "select * from stories where is_ai_work" --format parquet --output ai.parquet
    """
    from flows.cmd_query import EXPORT_FORMATS, emit_rows, require_output
    from warehouse.export import readonly_parquet
    from warehouse.query import run_readonly

    check_format(fmt, EXPORT_FORMATS)
    if fmt == "parquet":
        rows = readonly_parquet(db, query, require_output(output, fmt))
        err.print(f"{rows} rows -> {output}", markup=False, highlight=False)
        return
    columns, rows = run_readonly(db, query)
    emit_rows(columns, rows, fmt, output)


@app.command()
@handle_errors
def feeds(db: str = DB_OPTION, feeds: str = FEEDS_OPTION, fmt: str = FORMAT_OPTION):
    """Feed health: last success, failures, error score and next check of every feed.

    Example:

        workwatch feeds --format csv
    """
    from extractors.config import load_config
    from warehouse.query import feed_health

    check_format(fmt)
    config = load_config(feeds)
    columns, rows = feed_health(db, config.feeds)
    render(columns, rows, fmt, out, title=f"{len(rows)} feeds")


# ---------------------------------------------------------------- classifier


@app.command()
@handle_errors
def classify(
    input: Path = typer.Option(..., "--input", "-i", help="JSON lines: {id, title, summary, text}."),
    output: Path = typer.Option(..., "--output", "-o", help="Where to write the results (JSON lines)."),
):
    """Classify items from a JSON-lines file (no warehouse needed).

    Example:

        workwatch classify --input items.jsonl --output scored.jsonl
    """
    from classifiers.jsonl import classify_file

    if not input.exists():
        raise WorkwatchError(f"{input}: no such file")
    try:
        count = classify_file(input, output)
    except ValueError as exc:
        raise WorkwatchError(str(exc)) from None
    err.print(f"classified {count} items -> {output}", markup=False, highlight=False)


@app.command(name="eval")
@handle_errors
def eval_(
    labels: list[Path] = typer.Argument(..., help="Labelled items (JSON lines with ai, work, ai_work, topics); several files are pooled with --folds."),
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    folds: Optional[int] = typer.Option(
        None, "--folds", "-k", min=2,
        help="Stratified K-fold cross-validation over the pooled files: the learned stage is "
             "trained inside each fold only; rules-only and rules + learned are reported as "
             "mean ± sd."),
    classifier: Optional[str] = typer.Option(
        None, "--classifier", help="Classifier to evaluate without --folds (default: the default one)."),
):
    """Precision, recall and F1 of the classifier on labelled items.

    Examples:

        workwatch eval ../shared/corpus/labels/dev.jsonl

        workwatch eval --classifier rules ../shared/corpus/labels/dev.jsonl

        workwatch eval --folds 5 ../shared/corpus/labels/train-2023.jsonl ../shared/corpus/labels/dev.jsonl
    """
    from classifiers.evaluate import evaluate, format_report

    for path in labels:
        if not path.exists():
            raise WorkwatchError(f"{path}: no such file")
    try:
        if folds is not None:
            from classifiers.crossval import cross_validate, format_cv

            report = cross_validate(labels, folds)
            text = format_cv(report)
        else:
            if len(labels) != 1:
                raise UsageError("give one labels file, or several with --folds K")
            from classifiers.base import get_classifier

            clf = get_classifier(classifier) if classifier else None
            report = evaluate(labels[0], clf)
            text = format_report(report)
    except ValueError as exc:
        raise WorkwatchError(str(exc)) from None
    if json_out:
        out.file.write(json.dumps(report, default=str) + "\n")
    else:
        out.print(text, markup=False, highlight=False)


def _load_command_modules() -> None:
    """Commands of other features live in flows/cmd_*.py and register themselves on `app`."""
    import importlib
    import pkgutil

    import flows

    for info in sorted(pkgutil.iter_modules(flows.__path__), key=lambda i: i.name):
        if info.name.startswith("cmd_"):
            importlib.import_module(f"flows.{info.name}")


_load_command_modules()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
