"""`workwatch watch test|run|list`: saved searches (issue 20; watches.toml, warehouse/watches.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Optional

import typer

from cli.base import (DB_OPTION, FEEDS_OPTION, UsageError, app, check_format, err,
                       handle_errors, require_warehouse)

WATCHES_OPTION = typer.Option(None, "--watches", envvar="WORKWATCH_WATCHES",
                              help="Watches file (TOML); default: watches.toml beside --feeds.")

watch_app = typer.Typer(help="Saved searches: test them, re-apply them to stored articles.\n\n"
                             "Examples:\n\n    workwatch watch list\n\n"
                             "    workwatch watch test layoffs --days 30\n\n"
                             "    workwatch watch run layoffs --since 2026-11-01",
                        no_args_is_help=True)
app.add_typer(watch_app, name="watch")


def _config(watches: str | None, feeds: str):
    from warehouse.watches import load_watches, watches_path

    return load_watches(watches_path(watches, feeds))


@watch_app.command("test")
@handle_errors
def watch_test(
    name: str = typer.Argument(..., help="The watch's name in watches.toml."),
    days: int = typer.Option(7, help="Look at the stories of the last N days."),
    fmt: str = typer.Option("table", "--format", "-f", help="table, csv or json."),
    watches: Optional[str] = WATCHES_OPTION,
    feeds: str = FEEDS_OPTION,
    db: str = DB_OPTION,
):
    """Print the stories a watch would have matched over the last N days (nothing is recorded).

    Examples:

        workwatch watch test hollywood-ai --days 30

        workwatch watch test layoffs --watches ~/watches.toml --format json
    """
    from cli.cmd_query import emit_rows
    from warehouse.db import read_connection
    from warehouse.search import ensure_index
    from warehouse.watches import articles_since, latest_story_at, matches

    check_format(fmt)
    if days < 1:
        raise UsageError("--days must be at least 1")
    watch = _config(watches, feeds).get(name)
    path = require_warehouse(db)
    ensure_index(path)
    with read_connection(path) as con:
        latest = latest_story_at(con)
        since = (min(latest, datetime.utcnow()) if latest else datetime.utcnow()) - timedelta(days=days)
        found = matches(con, watch, articles_since(con, since))
        rows = _story_rows(con, found)
    emit_rows(["story_at", "outlet", "title", "url", "topics", "copies"], rows, fmt, None)
    err.print(f"{len(rows)} stories since {since:%Y-%m-%d}", markup=False, highlight=False)


def _story_rows(con, found):
    """One row per story cluster: its first matching copy, and how many copies matched."""
    clusters: dict[str, list[str]] = {}
    for article_id, cluster in found:
        clusters.setdefault(cluster, []).append(article_id)
    if not clusters:
        return []
    firsts = [ids[0] for ids in clusters.values()]
    copies = {ids[0]: len(ids) for ids in clusters.values()}
    from warehouse.watches import story_rows

    rows = story_rows(con, firsts)
    return [(r[1], r[2], r[3], r[4], r[5] or [], copies[r[0]]) for r in rows]


@watch_app.command("run")
@handle_errors
def watch_run(
    name: str = typer.Argument(..., help="The watch's name in watches.toml."),
    since: str = typer.Option(..., help="Stories from this day on (YYYY-MM-DD)."),
    until: Optional[str] = typer.Option(None, help="Up to this day, included."),
    watches: Optional[str] = WATCHES_OPTION,
    feeds: str = FEEDS_OPTION,
    db: str = DB_OPTION,
):
    """Re-apply a watch to stored articles and record its hits (`watch_hits`). Hits recorded
    this way are not alerted (they are old news); they show in `workwatch digest`.

    Examples:

        workwatch watch run hollywood-ai --since 2023-05-01

        workwatch watch run layoffs --since 2023-01-01 --until 2023-03-31
    """
    from warehouse.analytics import QueryParameterError, parse_day
    from warehouse.db import write_connection
    from warehouse.search import index_missing
    from warehouse.tx import transaction
    from warehouse.watches import articles_since, matches, record_hits, sync_watches

    try:
        first, last = parse_day(since, "--since"), parse_day(until, "--until")
    except QueryParameterError as exc:
        raise UsageError(str(exc)) from None
    config = _config(watches, feeds)
    watch = config.get(name)
    path = require_warehouse(db)
    with write_connection(path) as con:
        index_missing(con)
        sync_watches(con, config.watches)
        start = datetime.combine(first, datetime.min.time())
        end = datetime.combine(last + timedelta(days=1), datetime.min.time()) if last else None
        found = matches(con, watch, articles_since(con, start, end))
        with transaction(con):
            added = record_hits(con, watch.name, found, None, notified=True)
    stories = len({c for _, c in found})
    err.print(f"{name}: {stories} stories match, {added} new hits recorded", markup=False,
              highlight=False)


@watch_app.command("list")
@handle_errors
def watch_list(watches: Optional[str] = WATCHES_OPTION, feeds: str = FEEDS_OPTION):
    """List the watches of watches.toml (notify URLs shown by scheme and host only).

    Example:

        workwatch watch list --watches watches.toml
    """
    from flows.alerts import redact
    from cli.base import out

    for w in _config(watches, feeds).watches:
        targets = ", ".join(redact(u) for u in w.notify) or "no notify"
        out.print(f"{w.name:<20} {w.mode:<9} {w.query or ''}  [{targets}]", markup=False,
                  highlight=False)
