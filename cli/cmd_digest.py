"""`workwatch digest`: the period's AI×work news in one message (issue 20)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Optional

import typer

from cli.base import DB_OPTION, UsageError, app, err, handle_errors, out, require_warehouse
from extractors.errors import WorkwatchError


class DeliveryError(WorkwatchError):
    """The digest could not be sent."""


@app.command()
@handle_errors
def digest(
    since: str = typer.Option(..., help="First day (YYYY-MM-DD)."),
    until: Optional[str] = typer.Option(None, help="Last day, included (default: today)."),
    fmt: str = typer.Option("markdown", "--format", "-f", help="markdown, html or text."),
    to: Optional[list[str]] = typer.Option(None, "--to", help="Send it to this Apprise URL "
                                           "(repeatable) instead of printing it."),
    top: int = typer.Option(10, help="Top stories listed (by outlets covering them)."),
    db: str = DB_OPTION,
):
    """Counts per topic, spikes (Poisson test against the periods before), new workforce
    events, watch hits and the top stories of a period.

    Examples:

        workwatch digest --since 2023-05-01 --until 2023-05-07

        workwatch digest --since 2023-05-01 --format html > digest.html

        workwatch digest --since 2023-05-01 --format text --to 'mailtos://user:pass@example.com'
    """
    from flows.alerts import queue, redact, send, target_hash
    from flows.digest import FORMATS, build_digest, render
    from warehouse.analytics import QueryParameterError, ensure_schema, parse_day
    from warehouse.db import read_connection, utcnow, write_connection
    from warehouse.alerting import record_digest_attempt
    from warehouse.tx import transaction

    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    try:
        first = parse_day(since, "--since")
        last = parse_day(until, "--until") or utcnow().date()
    except QueryParameterError as exc:
        raise UsageError(str(exc)) from None
    if last < first:
        raise UsageError("--until is before --since")
    path = require_warehouse(db)
    ensure_schema(path)
    start = datetime.combine(first, datetime.min.time())
    end = datetime.combine(last + timedelta(days=1), datetime.min.time())
    with read_connection(path) as con:
        text = render(build_digest(con, start, end, top), fmt)
    if not to:
        out.file.write(text)
        return
    import apprise

    body_format = {"markdown": apprise.NotifyFormat.MARKDOWN, "html": apprise.NotifyFormat.HTML,
                   "text": apprise.NotifyFormat.TEXT}[fmt]
    title = f"workwatch digest {first} to {last}"
    failures = []
    with write_connection(path) as con:
        for url in to:
            with transaction(con):
                queue(con, "digest", f"{first}..{last}", title, text, [url], None)
            error = send(url, title, text, body_format)
            record_digest_attempt(con, target_hash(url), error, utcnow())
            if error:
                failures.append(f"{redact(url)}: {error}")
            else:
                err.print(f"digest sent to {redact(url)}", markup=False, highlight=False)
    if failures:
        raise DeliveryError("digest not delivered to " + "; ".join(failures))
