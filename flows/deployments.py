"""Deployments of workwatch's flows, served from one long-lived process (`workwatch serve`).

daily-ingest/daily-ingest  the daily ingestion, on a cron schedule (UTC)
backfill/backfill          backfills, on demand: prefect deployment run 'backfill/backfill'
                           --param since=2025-01-01 --param until=2025-01-31

Both have a concurrency limit of 1, and both take the warehouse's ingest lock, so two runs
never write at once. prefect.yaml declares the same two deployments for a work pool.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from extractors.config import Config
from extractors.errors import ConfigError

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment

DEFAULT_CRON = "0 6 * * *"
DEFAULT_TIMEZONE = "UTC"
INGEST = "daily-ingest"
BACKFILL = "backfill"
TAGS = ["workwatch"]


def schedule_cron(config: Config, override: str | None = None) -> str:
    """The daily ingest's cron: the --cron option, else feeds.toml's [schedule] cron, else
    06:00 UTC every day. Raises ConfigError for an invalid expression."""
    cron = (override or config.schedule.get("cron") or DEFAULT_CRON).strip()
    check_cron(cron, "--cron" if override else f"{config.path or 'feeds.toml'} [schedule] cron")
    return cron


def check_cron(cron: str, where: str = "cron") -> None:
    from prefect.schedules import Cron

    try:
        Cron(cron, timezone=DEFAULT_TIMEZONE)
    except ValueError:
        raise ConfigError(f"{where}: {cron!r} is not a valid cron expression "
                          "(five fields: minute hour day month weekday)") from None


def schedule_timezone(config: Config) -> str:
    return str(config.schedule.get("timezone") or DEFAULT_TIMEZONE)


def build_deployments(feeds_path: str | Path, db_path: str | Path, cron: str = DEFAULT_CRON,
                      timezone: str = DEFAULT_TIMEZONE) -> list["RunnerDeployment"]:
    """The daily ingest on `cron` and the backfill on demand, with absolute paths as their
    default parameters (served runs start in other processes)."""
    from prefect.schedules import Cron

    from flows.backfill import backfill
    from flows.ingest import daily_ingest

    paths = {"feeds_path": str(Path(feeds_path).resolve()), "db_path": str(Path(db_path).resolve())}
    ingest = daily_ingest.to_deployment(
        name=INGEST, schedules=[Cron(cron, timezone=timezone)], parameters=paths,
        concurrency_limit=1, tags=TAGS,
        description="Fetch every due feed and load its new articles (workwatch ingest).")
    on_demand = backfill.to_deployment(
        name=BACKFILL, parameters=paths, concurrency_limit=1, tags=TAGS,
        description="Backfill a date range: prefect deployment run 'backfill/backfill' "
                    "--param since=2025-01-01 --param until=2025-01-31 [--param source=archive]")
    return [ingest, on_demand]


def serve_deployments(deployments: list["RunnerDeployment"]) -> None:
    """Register the deployments and run their flows as they come due, until interrupted."""
    from prefect import serve

    serve(*deployments, print_starting_message=False)
