"""`workwatch ingest` (the daily ingest flow, now) and `workwatch demo` (the same flow over the
bundled sample outlets on 127.0.0.1): run the flow, print its summary, exit with a code cron
can read."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Optional

import typer

from cli.base import (DB_OPTION, EXIT_CODES_HELP, EXIT_DEADLINE, EXIT_NOTHING_FETCHED, EXIT_OK,
                      EXIT_SIGINT, EXIT_SIGTERM, FEEDS_OPTION, UsageError, _EXIT_NOW, app, err,
                      handle_errors, out, start_prefect)
from cli.output import render
from extractors.errors import WorkwatchError


# ---------------------------------------------------------------- ingest


@app.command(epilog=EXIT_CODES_HELP)
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
    deadline: Optional[str] = typer.Option(
        None, "--deadline", metavar="DURATION",
        help="Whole-run deadline: seconds or e.g. 90s, 10m (default: run_deadline_s in "
             "feeds.toml, 10m; 0 for none). What is done by then is committed, the rest "
             "deferred to the next run (exit 4)."),
    classifier: Optional[str] = typer.Option(
        None, "--classifier",
        help="learned (the default offline classifier) or rules: that one only; llm: the "
             "offline classifier, then the LLM judge on the run's candidates (needs "
             "[classifier.llm] or WORKWATCH_LLM_BASE_URL; used by default when configured)."),
):
    """Run the daily ingestion now: fetch feeds, load new articles, classify them.

    Examples:

        workwatch ingest

        workwatch ingest --feed techcrunch-ai --feed theverge

        WORKWATCH_DB=/srv/ww.duckdb workwatch ingest --feeds /etc/workwatch/feeds.toml

        workwatch ingest --dask tcp://10.0.0.5:8786
    """
    if not feed:  # before Prefect starts (8-45 s): a feeds.toml fresh from `init` lists none
        from extractors.config import load_config

        if not load_config(feeds).enabled_feeds():
            raise WorkwatchError(f"{feeds} has no enabled feed: add one with `workwatch feeds "
                                 "add URL` (a feed, or a site's homepage)")
    if classifier is not None:  # checked before Prefect starts
        check_ingest_classifier(classifier, feeds)
    if deadline is not None:  # checked before Prefect starts
        from extractors.settings import parse_duration

        try:
            parse_duration(deadline)
        except ValueError:
            raise UsageError(f"--deadline {deadline!r} is not a duration: use seconds (600) "
                             "or a number with a unit (90s, 10m, 1h); 0 for none") from None
    summary = run_ingest(feeds, db, feed or None, batch_size=batch_size, workers=workers,
                         force=force, progress=not json_out, dask=dask, deadline=deadline,
                         classifier=classifier)
    if json_out:
        out.file.write(json.dumps(summary, default=str) + "\n")
    else:
        print_summary(summary)
    finish_ingest(summary)


def check_ingest_classifier(name: str, feeds: str) -> None:
    """--classifier of ingest: an offline classifier's name, or llm when a judge is configured."""
    from classifiers.base import available

    if name == "llm":
        from flows.llm_setup import llm_settings

        if not llm_settings(feeds).enabled:
            raise UsageError("--classifier llm: no LLM judge is configured (set [classifier.llm] "
                             "base_url in feeds.toml or WORKWATCH_LLM_BASE_URL)")
    elif name not in available():
        raise UsageError(f"--classifier {name!r}: choose llm or one of {', '.join(available())}")


def ingest_exit_code(summary: dict) -> int:
    """130/143 when a signal stopped the run (what was done is committed); 3 when no enabled
    feed was fetched (all failed, or skipped while backing off: cron must hear about it, not
    read "ok"); 4 when the run deadline (or hosts that kept timing out) cut work short and the
    rest is deferred to the next run; else 0."""
    interrupted = summary.get("interrupted")
    if interrupted:
        return EXIT_SIGINT if interrupted == "SIGINT" else EXIT_SIGTERM
    statuses = [f.get("status") for f in summary.get("feeds") or []]
    if statuses and all(s in ("error", "skipped") for s in statuses):
        return EXIT_NOTHING_FETCHED
    if summary.get("deadline_hit") or summary.get("deferred") or summary.get("feeds_deferred"):
        return EXIT_DEADLINE
    return EXIT_OK


def finish_ingest(summary: dict) -> None:
    """Exit with ingest_exit_code; a signal also gets its one line (the run committed what
    was done before it stopped)."""
    code = ingest_exit_code(summary)
    if code in (EXIT_SIGINT, EXIT_SIGTERM):
        what = "interrupted" if code == EXIT_SIGINT else "terminated"
        err.print(f"{what} ({summary['interrupted']}): {summary.get('new_articles', 0)} new "
                  f"articles committed; the rest is deferred to the next run",
                  markup=False, highlight=False)
        _EXIT_NOW.append(code)
    raise typer.Exit(code)


def run_ingest(feeds: str, db: str, feed_names=None, progress: bool = True,
               dask: str | None = None, **kwargs) -> dict:
    from flows import run_summary
    from flows.ingest import daily_ingest
    from flows.progress_display import progress_display
    from flows.scaleout import with_dask

    flow = with_dask(daily_ingest, dask, kwargs.get("workers"))
    start_prefect(db)
    run_summary.cli_prints_summary = True  # the flow's INFO summary line goes to the UI only
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


@app.command(epilog=EXIT_CODES_HELP)
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
    from extractors.archive import DEFAULT_WAREHOUSE_NAME
    from flows.sample_site import SampleSite

    db_path = Path(db)
    if db_path.name == DEFAULT_WAREHOUSE_NAME:
        raise UsageError(f"--db {db}: that is the name of the real warehouse; the demo "
                         "recreates its warehouse, so give it another name")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    # Built in a private folder (warehouse + its archive) and moved into place only when the
    # ingest succeeded: a demo that fails half-way leaves the previous demo as it was, and
    # nothing outside the demo's own files (data/archive is the real warehouse's) is touched.
    build = Path(tempfile.mkdtemp(prefix=f".{db_path.stem}-build-", dir=db_path.parent))
    try:
        with SampleSite() as site:
            feeds_file = db_path.parent / "demo-feeds.toml"
            feeds_file.write_text(site.feeds_toml(), encoding="utf-8")
            out.print(f"serving {len(site.outlets)} sample outlets on 127.0.0.1; ingesting into {db_path}",
                      markup=False)
            summary = run_ingest(str(feeds_file), str(build / db_path.name), workers=workers,
                                 data_dir=str(build))
        code = ingest_exit_code(summary)
        if code == EXIT_NOTHING_FETCHED:
            print_summary(summary)
            err.print(f"error: the demo fetched nothing from its loopback site; {db_path} "
                      "is left as it was", markup=False, highlight=False)
            raise typer.Exit(code)
        if code in (EXIT_SIGINT, EXIT_SIGTERM):
            err.print(f"{'interrupted' if code == EXIT_SIGINT else 'terminated'}; {db_path} "
                      "is left as it was", markup=False, highlight=False)
            _EXIT_NOW.append(code)
            raise typer.Exit(code)
        _install_demo(build, db_path)
    finally:
        shutil.rmtree(build, ignore_errors=True)
    print_summary(summary)
    show_demo_tables(db_path)
    finish_ingest(summary)


def _install_demo(build: Path, db_path: Path) -> None:
    """Move a finished demo build (warehouse, its side files, archive/) over the old demo."""
    from extractors.archive import archive_dir

    archive = db_path.parent / f"{db_path.stem}-archive"  # what archive_dir(db_path) gives
    built = sorted(build.glob(db_path.name + "*"))  # the warehouse, .snapshot, .lock ...
    for old in db_path.parent.glob(db_path.name + "*"):  # old side files the build lacks
        if old.is_file() and not (build / old.name).exists():
            old.unlink()
    for part in built:  # each an atomic rename over the old one
        os.replace(part, db_path.parent / part.name)
    shutil.rmtree(archive, ignore_errors=True)
    built_archive = archive_dir(build / db_path.name, build)
    if built_archive.is_dir():
        os.replace(built_archive, archive)
    else:
        archive.mkdir(parents=True, exist_ok=True)


def show_demo_tables(db_path: Path) -> None:
    from warehouse.query import demo_tables

    for title, columns, rows in demo_tables(db_path):
        render(columns, rows, "table", out, title=title)
    out.print(f'Try: workwatch sql --db {db_path} "select outlet, title from stories where is_ai_work"',
              markup=False, highlight=False)
