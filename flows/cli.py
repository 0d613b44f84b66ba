"""The `workwatch` command line. Errors become one line on stderr and exit code 1."""

from __future__ import annotations

import asyncio
import functools
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Callable, Optional

os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
from flows.prefect_start import set_startup_defaults  # noqa: E402

set_startup_defaults()  # before Prefect is imported: a start-up limit that fits a loaded box

import typer  # noqa: E402
from rich.console import Console  # noqa: E402

from extractors.errors import WorkwatchError  # noqa: E402
from flows.output import FORMATS, render  # noqa: E402

# ---------------------------------------------------------------- exit codes
# For cron and other automation; documented in README (Commands) and `workwatch --help`.
EXIT_OK = 0
EXIT_ERROR = 1  # a handled error: one line on stderr says what and what to do
EXIT_USAGE = 2  # bad arguments or filter values
EXIT_NOTHING_FETCHED = 3  # every enabled feed (outlet, article) failed or was skipped
EXIT_DEADLINE = 4  # the run deadline cut work short; the rest is deferred to the next run
EXIT_SIGINT = 130
EXIT_SIGTERM = 143

EXIT_CODES_HELP = (
    "Exit codes: 0 all good; 1 a handled error (one line on stderr); 2 bad arguments; "
    "3 every enabled feed failed or was skipped (backing off), or a backfill/reprocess did "
    "nothing but fail; 4 the run deadline cut work short (the rest is deferred to the next "
    "run); 130 interrupted (Ctrl-C, SIGINT); 143 terminated (SIGTERM).")


app = typer.Typer(
    name="workwatch",
    help="A news monitor for stories about AI and the workforce.\n\n"
         "Start with `workwatch demo` (offline), then `workwatch ingest` and `workwatch sql`.",
    epilog=EXIT_CODES_HELP,
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="markdown",
    pretty_exceptions_enable=False,
)
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, soft_wrap=True)


def package_version() -> str:
    """workwatch's installed version (the package metadata: pyproject.toml's version)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("workwatch")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed: pip install -e .)"


def _print_version(value: bool) -> None:
    if value:
        out.print(f"workwatch {package_version()}", markup=False, highlight=False)
        raise typer.Exit(EXIT_OK)


@app.callback()
def _top_level(
    version: bool = typer.Option(False, "--version", "-V", is_eager=True, callback=_print_version,
                                 help="Print workwatch's version and exit."),
) -> None:
    pass

DB_OPTION = typer.Option("data/workwatch.duckdb", "--db", envvar="WORKWATCH_DB",
                         help="Warehouse file (DuckDB).")
FEEDS_OPTION = typer.Option("feeds.toml", "--feeds", envvar="WORKWATCH_FEEDS",
                            help="Feed list (TOML).")
FORMAT_OPTION = typer.Option("table", "--format", "-f", help="Output format: table, csv or json.")


class UsageError(WorkwatchError):
    """Bad arguments (exit code 2)."""


class Terminated(BaseException):
    """SIGTERM arrived (raised by the CLI's handler; a BaseException like KeyboardInterrupt)."""


def _on_sigterm(signum, frame) -> None:
    raise Terminated()


def _signal_exit(exc: BaseException) -> int | None:
    """130/143 for an interrupt or termination, whoever raised it (Prefect's flow engine
    raises its own TerminationSignal on SIGTERM, a BaseException carrying the signal)."""
    import signal

    if isinstance(exc, KeyboardInterrupt):
        return EXIT_SIGINT
    if isinstance(exc, Terminated):
        return EXIT_SIGTERM
    if type(exc).__name__ == "TerminationSignal":
        return EXIT_SIGINT if getattr(exc, "signal", None) == signal.SIGINT else EXIT_SIGTERM
    return None


_EXIT_NOW: list[int] = []  # set on a signal: main() ends the process without finalization


def _release_frames(exc: BaseException) -> None:
    """Let go of the frames of a handled error. Measured (issue 14): an error raised inside a
    flow stays referenced by Prefect's run state; its traceback kept the frames of the run
    alive and with them closed DuckDB connection objects, so interpreter exit printed ~60
    lines of `nanobind: leaked ... instances` after the one-line error."""
    import gc

    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        exc.__traceback__ = None
        exc = exc.__cause__ or exc.__context__
    gc.collect()


def handle_errors(fn: Callable) -> Callable:
    """Turn workwatch's typed errors into one clean line on stderr."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from flows.prefect_start import REMEDY, is_prefect_startup_failure

        try:
            return fn(*args, **kwargs)
        except UsageError as exc:
            err.print(f"error: {exc}", markup=False, highlight=False)
            raise typer.Exit(EXIT_USAGE)
        except WorkwatchError as exc:
            err.print(f"error: {exc}", markup=False, highlight=False)
            _release_frames(exc)
            raise typer.Exit(EXIT_ERROR)
        except RuntimeError as exc:
            if not is_prefect_startup_failure(exc):
                raise
            err.print(f"error: Prefect's temporary server did not start; {REMEDY}",
                      markup=False, highlight=False)
            raise typer.Exit(EXIT_ERROR)
        except BaseException as exc:
            code = _signal_exit(exc)
            if code is None:
                raise
            what = "interrupted" if code == EXIT_SIGINT else "terminated"
            err.print(f"{what}; the warehouse keeps every batch that finished", markup=False,
                      highlight=False)
            _EXIT_NOW.append(code)
            raise typer.Exit(code)

    return wrapper


def require_warehouse(db: str | Path) -> Path:
    """Commands that only read a warehouse: a --db that does not exist is a mistake (a typo),
    not an empty warehouse (`feeds --db typo.duckdb` showed every feed "never checked")."""
    path = Path(db).expanduser()
    if not path.is_file():
        raise WorkwatchError(f"no warehouse at {path} (check --db / WORKWATCH_DB; "
                             "`workwatch ingest` or `workwatch demo` makes one)")
    return path


def _default_db_missing(db: str) -> bool:
    """--db left at its default (not given, no WORKWATCH_DB) and no warehouse there yet: a new
    user before the first ingest, not a typo."""
    ctx = typer.main.get_current_context(silent=True)  # typer's own click (typer._click)
    source = ctx.get_parameter_source("db") if ctx is not None else None
    return getattr(source, "name", None) == "DEFAULT" and not Path(db).exists()


def check_format(fmt: str, allowed=FORMATS) -> str:
    if fmt not in allowed:
        raise UsageError(f"unknown format {fmt!r}; choose one of {', '.join(allowed)}")
    return fmt


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


def start_prefect(db: str | None = None) -> None:
    """Start (or check) Prefect before a flow runs: a notice while it waits, one line if not.
    With no PREFECT_API_URL, a running `workwatch serve` of the same warehouse lends its
    server (no boot)."""
    from flows.prefect_start import ensure_prefect, quiet_crash_logs, use_serve_api

    if db is not None:
        use_serve_api(db, err)
    ensure_prefect(err)
    quiet_crash_logs()


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


# ---------------------------------------------------------------- sql


@app.command()
@handle_errors
def sql(
    query: str = typer.Argument(..., help="A SQL query (read-only)."),
    db: str = DB_OPTION,
    fmt: str = typer.Option("table", "--format", "-f", help="table, csv, json or parquet."),
    output: Optional[Path] = typer.Option(None, "--output", "-o",
                                          help="Write the result to this file (required for "
                                               "parquet; - is stdout)."),
):
    """Run read-only SQL on the warehouse.

    Tables: feeds, runs, feed_fetches, articles, classifications, story_clusters,
    article_clusters; views: stories, story_topics.

    Examples:

        workwatch sql "select count(*) from stories where is_ai_work"

        workwatch sql "select outlet, count(*) from stories group by 1" --format csv

        workwatch sql "select * from stories where is_ai_work" --format parquet --output ai.parquet
    """
    from flows.cmd_query import EXPORT_FORMATS, _shown, emit_rows, parquet_target
    from warehouse.export import readonly_parquet
    from warehouse.query import run_readonly

    check_format(fmt, EXPORT_FORMATS)
    require_warehouse(db)
    if fmt == "parquet":
        with parquet_target(output, fmt) as target:
            rows = readonly_parquet(db, query, target)
        err.print(f"{rows} rows -> {_shown(output)}", markup=False, highlight=False)
        return
    columns, rows = run_readonly(db, query)
    emit_rows(columns, rows, fmt, output, db=db)
    if not rows and output is None and fmt == "table":  # on stderr: a pipe gets the table only
        err.print("0 rows", markup=False, highlight=False)


# `workwatch feeds` (feed health, and add/test/import/export) is a group: flows/cmd_feeds.py


# ---------------------------------------------------------------- classifier


@app.command()
@handle_errors
def classify(
    input: Path = typer.Option(..., "--input", "-i",
                               help="JSON lines: {id, title, summary, text}; - is stdin."),
    output: Path = typer.Option(..., "--output", "-o",
                                help="Where to write the results (JSON lines); - is stdout."),
    classifier: Optional[str] = typer.Option(
        None, "--classifier", help="rules, learned, or llm (the LLM judge for the candidates; "
                                   "needs WORKWATCH_LLM_BASE_URL or feeds.toml [classifier.llm])."),
    db: str = DB_OPTION,
    feeds: str = FEEDS_OPTION,
):
    """Classify items from a JSON-lines file (no warehouse needed; --classifier llm caches
    the model's answers in the --db warehouse).

    The output is written whole at the end: a bad input line leaves no partial output. A
    symlink or a device (/dev/stdout) is written through, never replaced.

    Examples:

        workwatch classify --input items.jsonl --output scored.jsonl

        cat items.jsonl | workwatch classify -i - -o - | jq .is_ai_work

        WORKWATCH_LLM_BASE_URL=http://127.0.0.1:8080/v1 WORKWATCH_LLM_MODEL=qwen2.5-7b \
          workwatch classify --classifier llm -i items.jsonl -o judged.jsonl
    """
    from classifiers.jsonl import classify_file
    from flows.llm_setup import judge_line, resolve_classifier
    from flows.outfiles import copy_to_output, input_path, is_stdio

    if not is_stdio(input) and not input.exists():
        raise WorkwatchError(f"{input}: no such file")
    # classify_file writes a whole file (temporary, renamed into place); it writes into a
    # private folder here and the CLI puts the result where --output says (stdout, through
    # a symlink or device, or a new file with the umask's mode).
    with tempfile.TemporaryDirectory(prefix="workwatch-classify-") as folder:
        result = Path(folder) / "classified.jsonl"
        try:
            clf = resolve_classifier(classifier, feeds, db)
            count = classify_file(input_path(input), result, clf)
        except ValueError as exc:
            raise WorkwatchError(str(exc)) from None
        except OSError as exc:
            raise WorkwatchError(f"{input}: cannot read ({exc.strerror or exc})") from None
        copy_to_output(result, output)
    shown = "stdout" if is_stdio(output) else output
    err.print(f"classified {count} items -> {shown}", markup=False, highlight=False)
    if judge_line(clf):
        err.print(judge_line(clf), markup=False, highlight=False, emoji=False)


@app.command(name="eval")
@handle_errors
def eval_(
    labels: Optional[list[Path]] = typer.Argument(None, help="Labelled items (JSON lines with ai, work, ai_work, topics); several files are pooled with --folds."),
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    folds: Optional[int] = typer.Option(
        None, "--folds", "-k", min=2,
        help="Stratified K-fold cross-validation over the pooled files: the learned stage is "
             "trained inside each fold only; rules-only and rules + learned are reported as "
             "mean ± sd."),
    classifier: Optional[str] = typer.Option(
        None, "--classifier", help="Classifier to evaluate without --folds (default: the default "
                                   "one): rules, learned, or llm (the LLM judge)."),
    warehouse: bool = typer.Option(
        False, "--warehouse", help="Score against the analysts' labels stored in the --db "
                                   "warehouse (`workwatch label`) instead of a file."),
    db: str = DB_OPTION,
    feeds: str = FEEDS_OPTION,
):
    """Precision, recall and F1 of the classifier on labelled items.

    Examples:

        workwatch eval ../shared/corpus/labels/dev.jsonl

        workwatch eval --classifier rules ../shared/corpus/labels/dev.jsonl

        workwatch eval --folds 5 ../shared/corpus/labels/train-2023.jsonl ../shared/corpus/labels/dev.jsonl

        workwatch eval --classifier llm ../shared/corpus/labels/dev.jsonl

        workwatch eval --warehouse
    """
    from classifiers.evaluate import evaluate, format_report
    from flows.llm_setup import judge_line, resolve_classifier

    labels = labels or []
    if warehouse:
        if labels or folds is not None:
            raise UsageError("--warehouse scores the stored labels: give no labels file or --folds")
        from flows.cmd_labels import evaluate_warehouse

        clf = resolve_classifier(classifier, feeds, db)
        report = evaluate_warehouse(require_warehouse(db), clf)
        if json_out:
            out.file.write(json.dumps(report, default=str) + "\n")
        else:
            out.print(format_report(report), markup=False, highlight=False, emoji=False)
        if judge_line(clf):
            err.print(judge_line(clf), markup=False, highlight=False, emoji=False)
        return
    if not labels:
        raise UsageError("give a labels file (or several with --folds K), or --warehouse")
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
            clf = resolve_classifier(classifier, feeds, db)
            report = evaluate(labels[0], clf)
            text = format_report(report)
            if judge_line(clf):
                report["llm"] = clf.stats.as_dict()
                err.print(judge_line(clf), markup=False, highlight=False, emoji=False)
    except ValueError as exc:
        raise WorkwatchError(str(exc)) from None
    if json_out:
        out.file.write(json.dumps(report, default=str) + "\n")
    else:
        out.print(text, markup=False, highlight=False, emoji=False)


def _load_command_modules() -> None:
    """Commands of other features live in flows/cmd_*.py and register themselves on `app`."""
    import importlib
    import pkgutil

    import flows

    for info in sorted(pkgutil.iter_modules(flows.__path__), key=lambda i: i.name):
        if info.name.startswith("cmd_"):
            importlib.import_module(f"flows.{info.name}")


_load_command_modules()


@app.command()  # registered last: listed at the end of --help
def version() -> None:
    """Print workwatch's version (the same as `workwatch --version` and `-V`).

    Example:

        workwatch version
    """
    _print_version(True)


def main() -> None:
    import signal

    # SIGTERM (systemd, docker stop, kill) ends a command like Ctrl-C does: one line, exit
    # 143, never a traceback. During a flow Prefect installs its own handler (raising its
    # TerminationSignal) and restores this one afterwards; handle_errors maps both.
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        app()
    except SystemExit:
        if _EXIT_NOW:
            _exit_now(_EXIT_NOW[0])
        raise
    except BaseException as exc:  # a signal outside any command (start-up, typer parsing)
        code = _signal_exit(exc)
        if code is None:
            raise
        err.print("interrupted" if code == EXIT_SIGINT else "terminated", markup=False)
        _exit_now(code)


def _exit_now(code: int) -> None:
    """End the process after a signal: atexit handlers run (they stop Prefect's temporary
    server), interpreter finalization does not. Measured (issue 14): a run interrupted mid-flow
    still holds DuckDB objects in its interrupted frames and threads blocked in fetches, so a
    normal exit printed ~60 lines of `nanobind: leaked ... instances` at finalization and could
    wait on those threads."""
    import atexit

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    atexit._run_exitfuncs()
    os._exit(code)


if __name__ == "__main__":
    main()
