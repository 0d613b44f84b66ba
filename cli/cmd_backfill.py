"""`workwatch backfill` and `workwatch reclassify`: load or redo a past date range."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from pathlib import Path
from typing import Optional

import typer

from cli.base import (DB_OPTION, EXIT_CODES_HELP, EXIT_DEADLINE, EXIT_NOTHING_FETCHED, EXIT_OK,
                       FEEDS_OPTION, UsageError, app, err, handle_errors, out,
                       require_warehouse, start_prefect)

SINCE_OPTION = typer.Option(None, "--since", help="First day, YYYY-MM-DD (UTC).")
UNTIL_OPTION = typer.Option(None, "--until", help="Last day, included, YYYY-MM-DD (UTC).")
JSON_OPTION = typer.Option(False, "--json", help="Print the run summary as JSON.")


@app.command(epilog=EXIT_CODES_HELP)
@handle_errors
def backfill(
    since: Optional[str] = SINCE_OPTION,
    until: Optional[str] = UNTIL_OPTION,
    source: Optional[str] = typer.Option(
        None, "--source", help="sitemap, archive, urls, reprocess or reclassify "
                               "(default: sitemap; urls when --urls is given)."),
    outlet: Optional[str] = typer.Option(None, "--outlet", help="Only this feed (its name in feeds.toml)."),
    urls: Optional[Path] = typer.Option(None, "--urls", help="File of URLs, one a line (# comments)."),
    db: str = DB_OPTION,
    feeds: str = FEEDS_OPTION,
    batch_size: int = typer.Option(100, help="Articles per batch (one load transaction each)."),
    workers: Optional[int] = typer.Option(None, help="Extraction processes (default: one per core)."),
    force: bool = typer.Option(False, "--force", help="Redo units an earlier run of the same "
                                                      "backfill finished; reclassify: re-score all."),
    json_out: bool = JSON_OPTION,
    dask: Optional[str] = typer.Option(
        None, "--dask", envvar="WORKWATCH_DASK_ADDRESS",
        help="Extract and classify on a Dask cluster: tcp://host:8786, or 'local'."),
    classifier: Optional[str] = typer.Option(
        None, "--classifier", help="llm: afterwards the LLM judge decides the run's candidates "
                                   "(the default when [classifier.llm] or WORKWATCH_LLM_BASE_URL "
                                   "is set); reclassify: re-score with it."),
):
    """Backfill a date range from sitemaps, feed archives or a URL list; or redo stored ones.

    sitemap and archive need --since and --until; urls loads the listed pages (dropping those
    dated outside --since/--until when given); reprocess re-extracts stored raw HTML and
    reclassify re-scores stored articles, both without network. Running the same backfill
    again resumes it: nothing is loaded twice.

    Examples:

        workwatch backfill --since 2025-01-01 --until 2025-01-31

        workwatch backfill --since 2025-01-01 --until 2025-03-31 --source archive --outlet hrdive

        workwatch backfill --urls missed.txt

        workwatch backfill --source reprocess --since 2025-01-01 --until 2025-01-31
    """
    chosen = source or ("urls" if urls else "sitemap")
    if classifier and chosen == "reclassify":
        require_warehouse(db)
        _reclassify_with(classifier, since, until, force, db, feeds, json_out)
        return
    judge_after = _judge_after_backfill(classifier, feeds)
    if urls and chosen != "urls":
        raise UsageError(f"--urls goes with --source urls, not {chosen}")
    if urls and not urls.is_file():
        raise UsageError(f"{urls}: no such file")
    if urls:
        check_urls(urls)
    if chosen in ("reprocess", "reclassify"):
        require_warehouse(db)  # they redo stored articles: nothing to create
    summary = run_backfill_flow(
        progress=not json_out, source=chosen, since=parse_day(since, "--since"),
        until=parse_day(until, "--until"), outlet=outlet, urls_file=str(urls) if urls else None,
        feeds_path=feeds, db_path=db, batch_size=batch_size, workers=workers, force=force,
        dask=dask)
    if judge_after and summary.get("run_id") and chosen != "reclassify":
        from flows.llm_reclassify import after_ingest_judge
        from warehouse.db import ingest_lock

        with ingest_lock(Path(db)):
            judged = after_ingest_judge(db, feeds, summary["run_id"])  # never raises
        if judged is not None:
            summary["llm"] = judged
            if not json_out:
                err.print(f"llm judge: {judged['candidates']} candidates of {judged['scored']} "
                          f"new articles; {judged['cache_hits']} from cache, {judged['sent']} "
                          f"sent; {judged['judged']} model verdicts", markup=False,
                          highlight=False)
    report(summary, json_out)


def _judge_after_backfill(classifier: str | None, feeds: str) -> bool:
    """Whether the LLM judge decides the backfill's candidates afterwards (issue 17): asked
    for with --classifier llm (an error when not configured), else when configured."""
    from classifiers.base import DEFAULT
    from flows.llm_setup import LLM, llm_settings

    if classifier not in (None, LLM, DEFAULT):
        raise UsageError(f"--classifier takes {LLM} (or {DEFAULT}, the default)")
    if classifier == DEFAULT:
        return False
    enabled = llm_settings(feeds).enabled
    if classifier == LLM and not enabled:
        from classifiers.llm import LLMError, not_configured

        raise LLMError(not_configured())
    return enabled


@app.command(epilog=EXIT_CODES_HELP)
@handle_errors
def reclassify(
    since: Optional[str] = SINCE_OPTION,
    until: Optional[str] = UNTIL_OPTION,
    all_: bool = typer.Option(False, "--all", help="Re-score every article, even those already "
                                                   "scored by the current version."),
    db: str = DB_OPTION,
    workers: Optional[int] = typer.Option(None, help="Classifier processes (default: one per core)."),
    json_out: bool = JSON_OPTION,
    classifier: Optional[str] = typer.Option(
        None, "--classifier", help="llm: the LLM judge decides the candidates (in this process; "
                                   "answers cached in the warehouse). Default: the offline one."),
    feeds: str = FEEDS_OPTION,
):
    """Re-score stored articles with the current classifier version (no network).

    The same as `workwatch backfill --source reclassify`. Rows of older classifier versions
    stay queryable in `classifications`; `stories` switches to the new version once every
    stored article has been scored by it.

    Examples:

        workwatch reclassify

        workwatch reclassify --since 2025-01-01 --until 2025-06-30 --json

        WORKWATCH_LLM_BASE_URL=http://127.0.0.1:11434/v1 WORKWATCH_LLM_MODEL=llama3.1 \
          workwatch reclassify --classifier llm --since 2025-06-01
    """
    require_warehouse(db)
    if classifier:
        _reclassify_with(classifier, since, until, all_, db, feeds, json_out)
        return
    summary = run_backfill_flow(
        progress=not json_out, source="reclassify", since=parse_day(since, "--since"),
        until=parse_day(until, "--until"), db_path=db, workers=workers, force=all_)
    report(summary, json_out)


def _reclassify_with(name: str, since, until, all_: bool, db: str, feeds: str,
                     json_out: bool) -> None:
    """reclassify --classifier NAME (issue 17): llm runs flows/llm_reclassify.py; the default
    classifier's name is the plain reclassify."""
    from classifiers.base import DEFAULT
    from extractors.sitemaps import DateWindow
    from flows.llm_reclassify import reclassify_with_judge, summary_line as judge_summary
    from flows.llm_setup import LLM, judge_line, resolve_classifier

    if name != LLM:
        if name == DEFAULT:
            return reclassify(since, until, all_, db, None, json_out, None, feeds)
        raise UsageError(f"reclassify --classifier takes {LLM} (or {DEFAULT}, the default)")
    window = DateWindow(parse_day(since, "--since"), parse_day(until, "--until"))
    judge = resolve_classifier(LLM, feeds, db)
    s = reclassify_with_judge(db, judge, window, rescore_all=all_)
    if json_out:
        out.file.write(json.dumps(s, default=str) + "\n")
    else:
        out.print(judge_summary(s), markup=False, highlight=False, emoji=False)
        err.print(judge_line(judge), markup=False, highlight=False, emoji=False)


def check_urls(path: Path) -> None:
    """A bad line in a --urls file: one line naming it (exit 2), before Prefect starts."""
    from flows.backfill import BackfillRequestError, check_url_file

    try:
        check_url_file(path)
    except BackfillRequestError as exc:
        raise UsageError(str(exc)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read ({getattr(exc, 'strerror', None) or exc})") from None


def parse_day(value: str | None, option: str) -> date | None:
    """The named queries' day parser, its error as a CLI usage error."""
    from warehouse.analytics import QueryParameterError, parse_day as parse

    try:
        return parse(value, option)
    except QueryParameterError as exc:
        raise UsageError(str(exc)) from None


def run_backfill_flow(progress: bool = True, dask: str | None = None, **params) -> dict:
    """Validate, then run the `backfill` Prefect flow with a progress display."""
    from flows import run_summary
    from flows.backfill import BackfillRequest, BackfillRequestError
    from flows.backfill import backfill as backfill_flow
    from flows.progress_display import progress_display
    from flows.scaleout import with_dask

    try:
        BackfillRequest(**params).validate()
    except BackfillRequestError as exc:
        raise UsageError(str(exc)) from None
    start_prefect(params.get("db_path"))
    run_summary.cli_prints_summary = True  # the flow's INFO summary line goes to the UI only
    with progress_display(err, enabled=progress):
        flow = with_dask(backfill_flow, dask, params.get("workers"))
        return asyncio.run(flow(**params))


def report(summary: dict, json_out: bool) -> None:
    """Print the summary, then exit with the code automation reads (see `workwatch --help`)."""
    _print_report(summary, json_out)
    raise typer.Exit(backfill_exit_code(summary))


def backfill_exit_code(summary: dict) -> int:
    """3 when the run did nothing but fail (every outlet failed; or reprocess re-extracted 0
    of N articles with N errors), 4 when the run deadline cut it short, else 0."""
    if summary.get("status") == "failed":
        return EXIT_NOTHING_FETCHED
    if summary.get("deadline_hit") or summary.get("deferred"):
        return EXIT_DEADLINE
    return EXIT_OK


def _print_report(summary: dict, json_out: bool) -> None:
    if json_out:
        out.file.write(json.dumps(summary, default=str) + "\n")
        return
    for e in summary.get("unit_errors", []):
        err.print(f"{e['scope']}: {e['url']}: {e['error']}", markup=False, highlight=False)
    for e in summary.get("article_errors", [])[:10]:
        err.print(f"article {e['url']}: {e['stage']}: {e['error']}", markup=False, highlight=False)
    reasons = summary.get("errors_by_reason") or {}
    if reasons:
        detail = ", ".join(f"{n} {r}" for r, n in sorted(reasons.items(), key=lambda kv: -kv[1]))
        err.print(f"article errors by reason: {detail}", markup=False, highlight=False)
    out.print(summary_line(summary), markup=False, highlight=False)


def summary_line(s: dict) -> str:
    head = f"backfill {s['run_id']} ({s.get('source')}, {s['status']}, {s['seconds']}s)"
    if s.get("source") in ("reclassify", "reprocess"):
        return f"{head}: {s.get('message')}; {s.get('errors', 0)} errors"
    resumed = f", {s['units_resumed']} already done" if s.get("units_resumed") else ""
    return (f"{head}: {s['outlets_ok']} outlets ok, {s['outlets_failed']} failed; "
            f"{s['units']} sitemaps/pages/chunks{resumed}; {s['selected']} URLs in range, "
            f"{s['already_stored']} already stored, {s['new_articles']} new articles, "
            f"{s['ai_work']} AI×work stories, {s['out_of_range']} outside the range, "
            f"{s['errors']} errors")
