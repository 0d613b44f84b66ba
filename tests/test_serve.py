"""Scheduling: `workwatch serve` registers both deployments with the Prefect API (the test
harness) and runs a triggered backfill; prefect.yaml declares the same two deployments."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from extractors.config import parse_config
from extractors.errors import ConfigError
from flows.deployments import DEFAULT_CRON, build_deployments, schedule_cron

ROOT = Path(__file__).resolve().parents[1]


def test_cron_comes_from_the_option_then_feeds_toml_then_the_default():
    plain = parse_config('[[feeds]]\nname = "a"\nurl = "https://a.example/feed"\noutlet = "A"\n')
    configured = parse_config('[schedule]\ncron = "30 5 * * 1-5"\n')
    assert schedule_cron(plain) == DEFAULT_CRON == "0 6 * * *"
    assert schedule_cron(configured) == "30 5 * * 1-5"
    assert schedule_cron(configured, "15 4 * * *") == "15 4 * * *"
    with pytest.raises(ConfigError, match="not a valid cron"):
        schedule_cron(plain, "every morning")
    with pytest.raises(ConfigError, match=r"\[schedule\] cron"):
        schedule_cron(parse_config('[schedule]\ncron = "61 * * * *"\n'))


def test_built_deployments(tmp_path):
    ingest, backfill = build_deployments("feeds.toml", tmp_path / "w.duckdb", "15 4 * * *")
    assert (ingest.flow_name, ingest.name) == ("daily-ingest", "daily-ingest")
    assert (backfill.flow_name, backfill.name) == ("backfill", "backfill")
    assert [s.schedule.cron for s in ingest.schedules] == ["15 4 * * *"]
    assert ingest.schedules[0].schedule.timezone == "UTC" and not backfill.schedules
    assert ingest.concurrency_limit == backfill.concurrency_limit == 1
    assert ingest.entrypoint.endswith("flows/ingest.py:daily_ingest")
    assert backfill.entrypoint.endswith("flows/backfill.py:backfill")
    for d in (ingest, backfill):
        assert d.parameters["db_path"] == str((tmp_path / "w.duckdb").resolve())
        assert Path(d.parameters["feeds_path"]).is_absolute()


def test_prefect_yaml_declares_the_same_two_deployments():
    from prefect.cli.deploy._models import PrefectYamlModel
    from prefect.flows import load_flow_from_entrypoint

    data = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    model = PrefectYamlModel.model_validate(data)
    by_name = {d.name: d for d in model.deployments}
    assert set(by_name) == {"daily-ingest", "backfill"}
    ingest, backfill = by_name["daily-ingest"], by_name["backfill"]
    assert ingest.entrypoint == "flows/ingest.py:daily_ingest"
    assert backfill.entrypoint == "flows/backfill.py:backfill"
    assert ingest.concurrency_limit == backfill.concurrency_limit == 1
    assert [s.cron for s in ingest.schedules] == [DEFAULT_CRON] and ingest.schedules[0].timezone == "UTC"
    assert backfill.schedules == []
    assert ingest.work_pool.name == backfill.work_pool.name == "workwatch"
    for d in (ingest, backfill):  # the entrypoints load, and name flows that take these parameters
        flow = load_flow_from_entrypoint(str(ROOT / d.entrypoint))
        assert flow.name == d.name
        assert set(d.parameters) <= set(flow.parameters.properties)


@pytest.mark.usefixtures("prefect_harness")
def test_serve_registers_both_deployments_and_runs_a_triggered_backfill(tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL

    from warehouse.db import write_connection

    db = tmp_path / "w.duckdb"
    with write_connection(db):
        pass  # an empty warehouse: enough for a reclassify backfill
    feeds = tmp_path / "feeds.toml"
    feeds.write_text('[schedule]\ncron = "30 5 * * *"\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_API_URL=PREFECT_API_URL.value(), PREFECT_HOME=str(tmp_path / "prefect"),
               PREFECT_RUNNER_POLL_FREQUENCY="1", PREFECT_LOGGING_LEVEL="WARNING",
               PREFECT_SERVER_ANALYTICS_ENABLED="false")
    exe = Path(sys.executable).with_name("workwatch")
    proc = subprocess.Popen([str(exe), "serve", "--feeds", str(feeds), "--db", str(db)],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        deployments = asyncio.run(_wait_for_deployments(get_client, proc, {"daily-ingest", "backfill"}))
        ingest, backfill = deployments["daily-ingest"], deployments["backfill"]
        assert [s.schedule.cron for s in ingest.schedules] == ["30 5 * * *"]
        assert ingest.schedules[0].schedule.timezone == "UTC" and not backfill.schedules
        assert ingest.global_concurrency_limit.limit == backfill.global_concurrency_limit.limit == 1
        assert backfill.parameters["db_path"] == str(db.resolve())

        run = run_deployment("backfill/backfill", parameters={"source": "reclassify"}, timeout=90)
        assert run.state.is_completed(), run.state
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            output, _ = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            output, _ = proc.communicate()
    assert "serving daily-ingest/daily-ingest" in output, output[-3000:]
    from warehouse.db import read_connection

    with read_connection(db) as con:
        assert con.execute("SELECT kind, status, parameters->>'source' FROM runs").fetchall() == [
            ("backfill", "ok", "reclassify")]


async def _wait_for_deployments(get_client, proc, names: set[str], timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    async with get_client() as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise AssertionError(f"workwatch serve exited: {proc.stdout.read()[-3000:]}")
            found = {d.name: d for d in await client.read_deployments()}
            if names <= set(found):
                return found
            await asyncio.sleep(0.5)
    raise AssertionError(f"deployments {names} not registered within {timeout}s")
