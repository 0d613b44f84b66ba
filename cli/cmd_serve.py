"""`workwatch serve`: serve the daily-ingest (on a cron) and backfill (on demand) deployments."""

from __future__ import annotations

import os
from typing import Optional

import typer

from extractors.errors import ConfigError
from cli.base import DB_OPTION, FEEDS_OPTION, UsageError, app, err, handle_errors, out


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

    One long-lived process registers `daily-ingest/daily-ingest-<warehouse>` and
    `backfill/backfill-<warehouse>` with the Prefect API (PREFECT_API_URL; start one with
    `prefect server start`) and runs their flows as they come due. <warehouse> is the --db
    file's name and a hash of its path (it prints the names), so serves of different
    warehouses share one API without taking over each other's schedules; a second serve of
    the same warehouse refuses. Stop it with Ctrl-C.

    Examples:

        workwatch serve

        workwatch serve --cron "30 5 * * *" --db /srv/workwatch/ww.duckdb

        prefect deployment run 'backfill/backfill-workwatch-18b7c9' --param since=2025-01-01 --param until=2025-01-31
    """
    from extractors.config import load_config
    from flows.deployments import (BACKFILL, INGEST, build_deployments, deployment_names,
                                   schedule_cron, schedule_timezone)
    from warehouse.db import serve_lock

    config = load_config(feeds)
    try:
        when = schedule_cron(config, cron)
    except ConfigError as exc:
        if cron:
            raise UsageError(str(exc)) from None
        raise
    deployments = build_deployments(feeds, db, when, schedule_timezone(config))
    api = os.environ.get("PREFECT_API_URL") or _configured_api_url()
    ingest_name, backfill_name = deployment_names(db)
    from flows.deployments import serve_deployments
    from flows.prefect_start import ensure_prefect, publish_serve_api, serve_api_file

    with serve_lock(db):
        published = None
        if not api:
            err.print("note: no PREFECT_API_URL set: serving against a temporary local Prefect "
                      "server that stops with this process. To see runs in a UI, run `prefect "
                      "server start` and `prefect config set "
                      "PREFECT_API_URL=http://127.0.0.1:4200/api` first.",
                      markup=False, highlight=False)
            # Started here, not lazily, so its address can be printed in a trigger command
            # that works, and published for the other workwatch commands on this warehouse.
            api = ensure_prefect(err)
            published = publish_serve_api(db, api)
        try:
            out.print(f"serving {INGEST}/{ingest_name} (cron {when!r}, {schedule_timezone(config)}) "
                      f"and {BACKFILL}/{backfill_name} (on demand) for {db}; Ctrl-C stops",
                      markup=False, highlight=False)
            prefix = f"PREFECT_API_URL={api} " if published else ""
            out.print(f"trigger a backfill: {prefix}prefect deployment run "
                      f"'{BACKFILL}/{backfill_name}' --param since=2025-01-01 "
                      "--param until=2025-01-31", markup=False, highlight=False)
            if published:
                out.print(f"or, from another shell: workwatch backfill --db {db} --since 2025-01-01 "
                          "--until 2025-01-31 (uses this server)", markup=False, highlight=False)
            serve_deployments(deployments)
        finally:
            if published is not None:
                serve_api_file(db).unlink(missing_ok=True)


def _configured_api_url() -> str | None:
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value()
