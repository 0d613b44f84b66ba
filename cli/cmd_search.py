"""`workwatch search QUERY`: ranked full-text search over the stored articles (issue 20)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import typer

from cli.base import (DB_OPTION, UsageError, app, check_format, err, handle_errors, out,
                       require_warehouse)


@app.command()
@handle_errors
def search(
    query: Optional[str] = typer.Argument(None, help="Words, \"quoted phrases\", AND/OR/NOT, "
                                                      "( ), title:WORD, outlet:NAME."),
    since: Optional[str] = typer.Option(None, help="First day (YYYY-MM-DD)."),
    until: Optional[str] = typer.Option(None, help="Last day, included (YYYY-MM-DD)."),
    outlet: Optional[str] = typer.Option(None, help="Only this outlet."),
    topic: Optional[str] = typer.Option(None, help="Only AI×work stories with this topic."),
    limit: int = typer.Option(20, help="Number of stories shown (copies of a story count once)."),
    fmt: str = typer.Option("table", "--format", "-f", help="table, csv or json."),
    reindex: bool = typer.Option(False, "--reindex", help="Rebuild the search index (sorted) "
                                                          "and exit."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write to this file."),
    db: str = DB_OPTION,
):
    """Ranked search (BM25, headline words count more) with a highlighted snippet per story.

    Examples:

        workwatch search "writers guild" strike

        workwatch search 'title:chatgpt (layoffs OR "job cuts") NOT outlet:reddit' --since 2023-05-01

        workwatch search '"future of work"' --topic careers --limit 5 --format json

        workwatch search --reindex
    """
    from cli.cmd_query import check_filters, emit_rows
    from warehouse.analytics import QueryParameterError, QueryParams, parse_day
    from warehouse.db import write_connection
    from warehouse.search import SearchFilters, ensure_index, reindex as rebuild, search_db

    check_format(fmt)
    path = require_warehouse(db)
    if reindex:
        started = time.monotonic()
        with write_connection(path) as con:
            count = rebuild(con)
        err.print(f"indexed {count} articles in {time.monotonic() - started:.1f} s",
                  markup=False, highlight=False)
        return
    if not query:
        raise UsageError("give a query, e.g. workwatch search '\"writers guild\" AND strike'")
    if limit < 1:
        raise UsageError("--limit must be at least 1")
    try:
        filters = SearchFilters(since=parse_day(since, "--since"), until=parse_day(until, "--until"),
                                outlet=outlet, topic=topic, limit=limit)
    except QueryParameterError as exc:
        raise UsageError(str(exc)) from None
    check_filters(str(path), QueryParams(outlet=outlet, topic=topic))
    from warehouse.search_query import parse

    parse(query)
    ensure_index(path, on_catch_up=lambda n: err.print(
        f"indexing {n} articles not yet in the search index (once)…", markup=False,
        highlight=False))
    hits = search_db(path, query, filters, catch_up=False)
    columns = ["rank", "score", "story_at", "outlet", "title", "url", "topics", "snippet"]
    rows = [(h.rank, h.score, h.story_at, h.outlet, h.title, h.url, list(h.topics), h.snippet)
            for h in hits]
    if not rows and fmt == "table" and output is None:
        err.print("no stories match", markup=False, highlight=False)
        return
    emit_rows(columns, rows, fmt, output, db=str(path))
