"""`workwatch serve`: serve the daily-ingest (on a cron) and backfill (on demand) deployments."""

from __future__ import annotations

import os
from typing import Optional

import typer

from extractors.errors import ConfigError
from flows.cli import DB_OPTION, FEEDS_OPTION, UsageError, app, err, handle_errors, out


@app.command()
@handle_errors
def serve(
    cron: Optional[str] = typer.Option(
        None, "--cron", help='When to run the daily ingest, cron in UTC (default: feeds.toml '
                             '[schedule] cron, else "0 6 * * *").'),
    feeds: str = FEEDS_OPTION,
    db: str = DB_OPTION,
):
    """Serve the deployments: the daily ingest on a cron schedule, backfills on demand.

    One long-lived process registers `daily-ingest/daily-ingest` and `backfill/backfill` with
    the Prefect API (PREFECT_API_URL; start one with `prefect server start`) and runs their
    flows as they come due. Stop it with Ctrl-C.

    Examples:

        workwatch serve

        workwatch serve --cron "30 5 * * *" --db /srv/workwatch/ww.duckdb

        prefect deployment run 'backfill/backfill' --param since=2025-01-01 --param until=2025-01-31
    """
    from extractors.config import load_config
    from flows.deployments import build_deployments, schedule_cron, schedule_timezone

    config = load_config(feeds)
    try:
        when = schedule_cron(config, cron)
    except ConfigError as exc:
        if cron:
            raise UsageError(str(exc)) from None
        raise
    deployments = build_deployments(feeds, db, when, schedule_timezone(config))
    api = os.environ.get("PREFECT_API_URL") or _configured_api_url()
    if not api:
        err.print("note: no PREFECT_API_URL set: serving against a temporary local Prefect server "
                  "that stops with this process. To see runs in a UI, run `prefect server start` "
                  "and `prefect config set PREFECT_API_URL=http://127.0.0.1:4200/api` first.",
                  markup=False, highlight=False)
    out.print(f"serving daily-ingest/daily-ingest (cron {when!r}, {schedule_timezone(config)}) and "
              f"backfill/backfill (on demand) for {db}; Ctrl-C stops", markup=False,
              highlight=False)
    out.print("trigger a backfill: prefect deployment run 'backfill/backfill' "
              "--param since=2025-01-01 --param until=2025-01-31", markup=False, highlight=False)
    from flows.deployments import serve_deployments

    serve_deployments(deployments)


def _configured_api_url() -> str | None:
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value()
