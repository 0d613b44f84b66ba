"""`workwatch query NAME`: the named analytics queries (warehouse/queries/*.sql)."""

from __future__ import annotations

import contextlib
import sys
import tempfile
from pathlib import Path
from typing import Iterator, Optional

import typer

from cli.base import (DB_OPTION, UsageError, app, check_format, err, handle_errors, out,
                       require_warehouse)
from cli.outfiles import STDIO, copy_to_output, is_stdio, open_output
from cli.output import FORMATS, render

EXPORT_FORMATS = FORMATS + ("parquet",)
OUTPUT_OPTION = typer.Option(None, "--output", "-o",
                             help="Write the result to this file (required for parquet; - is stdout).")


@app.command()
@handle_errors
def query(
    name: Optional[str] = typer.Argument(None, help="Named query (see --list)."),
    list_: bool = typer.Option(False, "--list", help="List the named queries and exit."),
    since: Optional[str] = typer.Option(None, help="First day (YYYY-MM-DD); default: all data."),
    until: Optional[str] = typer.Option(None, help="Last day, included (YYYY-MM-DD)."),
    outlet: Optional[str] = typer.Option(None, help="Only this outlet."),
    topic: Optional[str] = typer.Option(None, help="Only AI×work stories with this topic."),
    interval: str = typer.Option("week", help="day, week or month."),
    count: str = typer.Option("stories", help="stories (near-duplicates once) or articles (every copy)."),
    limit: int = typer.Option(50, help="Rows of `stories`, `rising` and `events`."),
    action: Optional[str] = typer.Option(None, help="events: cut, hire, freeze, reskill, adopt, "
                                         "replace, strike, agreement or policy."),
    company: Optional[str] = typer.Option(None, help="events: only this company (normalised)."),
    min_headcount: Optional[int] = typer.Option(None, "--min-headcount",
                                                help="events: at least this many people."),
    fmt: str = typer.Option("table", "--format", "-f", help="table, csv, json or parquet."),
    output: Optional[Path] = OUTPUT_OPTION,
    db: str = DB_OPTION,
):
    """Run a named trend query on the warehouse (read-only); --list shows them all.

    Examples:

        workwatch query --list

        workwatch query trend --interval month

        workwatch query topics --since 2023-05-01 --until 2023-09-30 --format csv

        workwatch query rising --interval week

        workwatch query stories --topic policy --limit 20

        workwatch query coverage --outlet theguardian.com --format parquet --output coverage.parquet

        workwatch query events --action cut --min-headcount 1000 --since 2023-01-01
    """
    from warehouse.analytics import (QueryParameterError, QueryParams, check_params,
                                     named_queries, parse_day)

    if list_:
        for q in named_queries().values():
            out.print(f"{q.name:<12} {q.description}", markup=False, highlight=False)
        return
    if not name:
        raise UsageError("name a query (workwatch query --list shows them)")
    check_format(fmt, EXPORT_FORMATS)
    try:
        params = check_params(QueryParams(
            since=parse_day(since, "--since"), until=parse_day(until, "--until"), outlet=outlet,
            topic=topic, interval=interval, count=count, limit=limit, action=action,
            company=company, min_headcount=min_headcount))
    except QueryParameterError as exc:
        raise UsageError(str(exc)) from None
    require_warehouse(db)
    check_filters(db, params)
    emit_named(db, name, params, fmt, output)


def check_filters(db: str, params) -> None:
    """An unknown --topic or --outlet is a mistake, not an empty result (`--topic polcy`
    returned an empty table with exit 0): exit 2 listing the valid values."""
    from classifiers.base import TOPICS

    if params.topic is not None and params.topic not in TOPICS:
        raise UsageError(f"unknown topic {params.topic!r}{_did_you_mean(params.topic, TOPICS)}; "
                         f"choose one of {', '.join(TOPICS)}")
    if params.outlet is None:
        return
    outlets = known_outlets(db)  # (name, domain)
    wanted = params.outlet.strip()
    domain_wanted = wanted.lower().removeprefix("www.")
    if any(wanted == name or domain_wanted == domain for name, domain in outlets):
        return
    choices = sorted({name for name, _ in outlets} | {d for _, d in outlets if d}, key=str.lower)
    listed = [f"{name} ({domain})" if domain and domain != name.lower() else name
              for name, domain in outlets]
    shown = ", ".join(listed[:30]) + (f" … ({len(listed) - 30} more)" if len(listed) > 30 else "")
    raise UsageError(f"unknown outlet {params.outlet!r}{_did_you_mean(params.outlet, choices)}; "
                     f"the warehouse has {shown or 'no outlets yet'} (give a name or a domain)")


def _did_you_mean(value: str, choices) -> str:
    import difflib

    lowered = {c.lower(): c for c in choices}
    close = ([lowered[value.lower()]] if value.lower() in lowered
             else difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6))
    return f" (did you mean {close[0]!r}?)" if close else ""


def known_outlets(db: str) -> list[tuple[str, str | None]]:
    """(name, domain) of the warehouse's outlets (warehouse.analytics.known_outlets)."""
    from warehouse.analytics import known_outlets as outlets_of

    return outlets_of(db)


def emit_named(db: str, name: str, params, fmt: str, output: Path | None) -> None:
    from warehouse.analytics import export_named, get_query, run_named

    get_query(name)  # unknown names fail before anything is opened
    if fmt == "parquet":
        with parquet_target(output, fmt) as target:
            rows = export_named(db, name, params, target)
        err.print(f"{rows} rows -> {_shown(output)}", markup=False, highlight=False)
        return
    result = run_named(db, name, params)
    emit_rows(result.columns, result.rows, fmt, output, title=name, db=db)
    if fmt != "table" or output is not None:  # csv/json/files: the data says it all
        return
    note = rising_note(db, params, bool(result.rows)) if name == "rising" else None
    if note:
        err.print(note, markup=False, highlight=False)
    elif not result.rows:  # on stderr: a pipe gets only the (empty) table
        err.print("0 rows", markup=False, highlight=False)


def rising_note(db: str, params, has_rows: bool) -> str | None:
    """What `rising` compared, when it matters (issue 18: an empty table said nothing): an
    empty answer says why; an answer against an empty previous period (before the data
    starts) says that every count in it is new."""
    from warehouse.analytics import rising_periods

    periods = rising_periods(db, params)
    if periods is None:
        return None if has_rows else "0 rows: the warehouse has no stories yet"
    prev_start, cur_start, cur_end = periods.prev_start, periods.cur_start, periods.cur_end
    previous, current = periods.previous, periods.current
    scope = " (all outlets and topics)" if params.outlet or params.topic else ""
    if not current:
        return None if has_rows else (f"0 rows: no AI×work stories in the current period "
                                      f"({cur_start} to {cur_end}){scope}")
    if not previous:
        start = "0 rows" if not has_rows else "note"
        return (f"{start}: no AI×work stories in the previous period ({prev_start} to "
                f"{cur_start}){scope} to compare the current one ({cur_start} to {cur_end}) "
                "with, so every count is new; give an earlier --since or a longer --interval")
    if has_rows:
        return None
    return (f"0 rows: nothing grew from the previous period ({prev_start} to {cur_start}, "
            f"{previous} stories) to the current one ({cur_start} to {cur_end}, {current} stories)")


@contextlib.contextmanager
def parquet_target(output: Path | None, fmt: str) -> Iterator[Path]:
    """The file a Parquet export writes: --output itself, or for `-` a private temporary
    file copied to stdout afterwards (Parquet is written with a footer at the end)."""
    output = require_output(output, fmt)
    if not is_stdio(output):
        yield output
        return
    if sys.stdout.isatty():
        raise UsageError("--output - with --format parquet writes binary to a terminal: "
                         "redirect stdout (> file.parquet) or give --output FILE")
    with tempfile.TemporaryDirectory(prefix="workwatch-export-") as folder:
        target = Path(folder) / "result.parquet"
        yield target
        copy_to_output(target, STDIO)


def _shown(output: Path | None) -> str:
    return "stdout" if is_stdio(output) else str(output)


def require_output(output: Path | None, fmt: str) -> Path:
    if output is None:
        raise UsageError(f"--format {fmt} writes a file: add --output FILE")
    return output


def emit_rows(columns, rows, fmt: str, output: Path | None, title: str | None = None,
              db: str | None = None) -> None:
    """Print rows as table/csv/json, or write them to --output (`-`: stdout; a symlink or a
    device is written through; never over a DuckDB file)."""
    if output is None:
        render(columns, rows, fmt, out, title=title)
        return
    from rich.console import Console

    from warehouse.export import safe_target

    if not is_stdio(output):
        safe_target(output, *([db] if db else []))
    with open_output(output) as fh:
        render(columns, rows, fmt, Console(file=fh, width=200, soft_wrap=True), title=title)
    err.print(f"{len(rows)} rows -> {_shown(output)}", markup=False, highlight=False)
