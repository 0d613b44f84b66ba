"""`workwatch sql`: read-only SQL on the warehouse, as a table, CSV, JSON or Parquet."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from cli.base import DB_OPTION, app, check_format, err, handle_errors, require_warehouse


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
    # imported here, not at the top: `query` registers its commands when imported, and
    # --help lists commands in registration order (cli/main.py's order)
    from cli.cmd_query import EXPORT_FORMATS, _shown, emit_rows, parquet_target
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


# `workwatch feeds` (feed health, and add/test/import/export) is a group: cli/cmd_feeds.py
