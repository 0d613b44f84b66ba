"""Deployments of workwatch's flows, served from one long-lived process (`workwatch serve`).

daily-ingest/daily-ingest-<warehouse>  the daily ingestion, on a cron schedule (UTC)
backfill/backfill-<warehouse>          backfills, on demand: prefect deployment run
                                       'backfill/backfill-<warehouse>' --param since=...

<warehouse> names the warehouse: its file name and a short hash of its absolute path
(`workwatch-3f9a1c`), so that `serve --db A` and `serve --db B` on one Prefect API keep
separate deployments and schedules instead of taking over each other's (issue 14, item 9).
Both have a concurrency limit of 1, and both take the warehouse's ingest lock, so two runs
never write at once. prefect.yaml declares the two deployments (plain names) for a work pool.
"""

from __future__ import annotations

import hashlib
import re
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


def warehouse_id(db_path: str | Path) -> str:
    """The warehouse's name in deployment names: its file stem (lower-case, [a-z0-9-], at
    most 24 characters) and 6 hex digits of the SHA-256 of its absolute path."""
    absolute = str(Path(db_path).expanduser().resolve())
    stem = re.sub(r"[^a-z0-9]+", "-", Path(absolute).stem.lower()).strip("-")[:24].strip("-")
    return f"{stem or 'warehouse'}-{hashlib.sha256(absolute.encode()).hexdigest()[:6]}"


def deployment_names(db_path: str | Path) -> tuple[str, str]:
    """(daily ingest, backfill) deployment names for this warehouse."""
    ident = warehouse_id(db_path)
    return f"{INGEST}-{ident}", f"{BACKFILL}-{ident}"


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
    """The daily ingest on `cron` and the backfill on demand, named after the warehouse
    (deployment_names), with absolute paths as their default parameters (served runs start
    in other processes)."""
    from prefect.schedules import Cron

    from flows.backfill import backfill
    from flows.ingest import daily_ingest

    paths = {"feeds_path": str(Path(feeds_path).resolve()), "db_path": str(Path(db_path).resolve())}
    ingest_name, backfill_name = deployment_names(db_path)
    tags = [*TAGS, f"warehouse:{warehouse_id(db_path)}"]
    ingest = daily_ingest.to_deployment(
        name=ingest_name, schedules=[Cron(cron, timezone=timezone)], parameters=paths,
        concurrency_limit=1, tags=tags,
        description=f"Fetch every due feed and load its new articles into {paths['db_path']} "
                    "(workwatch ingest).")
    on_demand = backfill.to_deployment(
        name=backfill_name, parameters=paths, concurrency_limit=1, tags=tags,
        description=f"Backfill a date range into {paths['db_path']}: prefect deployment run "
                    f"'{BACKFILL}/{backfill_name}' --param since=2025-01-01 "
                    "--param until=2025-01-31 [--param source=archive]")
    return [ingest, on_demand]


def serve_deployments(deployments: list["RunnerDeployment"]) -> None:
    """Register the deployments and run their flows as they come due, until interrupted."""
    from prefect import serve

    serve(*deployments, print_starting_message=False)
