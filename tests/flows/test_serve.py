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
from flows.deployments import (DEFAULT_CRON, build_deployments, deployment_names, schedule_cron,
                               warehouse_id)

ROOT = Path(__file__).resolve().parents[2]


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
    ident = warehouse_id(tmp_path / "w.duckdb")
    assert (ingest.flow_name, ingest.name) == ("daily-ingest", f"daily-ingest-{ident}")
    assert (backfill.flow_name, backfill.name) == ("backfill", f"backfill-{ident}")
    assert [s.schedule.cron for s in ingest.schedules] == ["15 4 * * *"]
    assert ingest.schedules[0].schedule.timezone == "UTC" and not backfill.schedules
    assert ingest.concurrency_limit == backfill.concurrency_limit == 1
    assert ingest.entrypoint.endswith("flows/ingest.py:daily_ingest")
    assert backfill.entrypoint.endswith("flows/backfill.py:backfill")
    for d in (ingest, backfill):
        assert d.parameters["db_path"] == str((tmp_path / "w.duckdb").resolve())
        assert Path(d.parameters["feeds_path"]).is_absolute()


def test_deployment_names_carry_the_warehouse_identity(tmp_path, monkeypatch):
    a, b = tmp_path / "a" / "ww.duckdb", tmp_path / "b" / "ww.duckdb"
    assert warehouse_id(a).startswith("ww-") and len(warehouse_id(a)) == len("ww-") + 6
    assert warehouse_id(a) != warehouse_id(b)  # same file name, other folder
    a.parent.mkdir()
    monkeypatch.chdir(a.parent)
    assert warehouse_id("ww.duckdb") == warehouse_id(a)  # relative or absolute: one warehouse
    assert deployment_names(a) == (f"daily-ingest-{warehouse_id(a)}", f"backfill-{warehouse_id(a)}")
    assert warehouse_id(tmp_path / "Work Watch (2024).duckdb").startswith("work-watch-2024-")


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
    """Two warehouses served on one Prefect API keep their own deployments (a backfill of
    A runs on A only); a second serve of A refuses with one line."""
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL

    from warehouse.db import write_connection

    dbs = {"a": tmp_path / "a" / "w.duckdb", "b": tmp_path / "b" / "w.duckdb"}
    for db in dbs.values():
        with write_connection(db):
            pass  # an empty warehouse: enough for a reclassify backfill
    feeds = tmp_path / "feeds.toml"
    feeds.write_text('[schedule]\ncron = "30 5 * * *"\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_API_URL=PREFECT_API_URL.value(), PREFECT_HOME=str(tmp_path / "prefect"),
               PREFECT_RUNNER_POLL_FREQUENCY="1", PREFECT_LOGGING_LEVEL="WARNING",
               PREFECT_SERVER_ANALYTICS_ENABLED="false")
    exe = Path(sys.executable).with_name("workwatch")

    def serve(db: Path, **kwargs) -> subprocess.Popen:
        return subprocess.Popen([str(exe), "serve", "--feeds", str(feeds), "--db", str(db)],
                                cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)

    names = {key: deployment_names(db) for key, db in dbs.items()}
    procs = {key: serve(db) for key, db in dbs.items()}
    outputs = {}
    try:
        deployments = {}
        for key, proc in procs.items():
            deployments.update(asyncio.run(_wait_for_deployments(get_client, proc, set(names[key]))))
        for key, db in dbs.items():
            ingest, backfill = (deployments[n] for n in names[key])
            assert [s.schedule.cron for s in ingest.schedules] == ["30 5 * * *"]
            assert ingest.schedules[0].schedule.timezone == "UTC" and not backfill.schedules
            assert ingest.global_concurrency_limit.limit == backfill.global_concurrency_limit.limit == 1
            assert ingest.parameters["db_path"] == backfill.parameters["db_path"] == str(db.resolve())

        again = subprocess.run([str(exe), "serve", "--feeds", str(feeds), "--db", str(dbs["a"])],
                               cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
        assert again.returncode == 1, again
        assert again.stderr.strip().splitlines()[-1] == (
            f"error: `workwatch serve` is already serving {dbs['a']} (pid {procs['a'].pid}); "
            "one warehouse has one schedule: stop that one first")

        run = run_deployment(f"backfill/{names['a'][1]}", parameters={"source": "reclassify"},
                             timeout=90)
        assert run.state.is_completed(), run.state
    finally:
        for key, proc in procs.items():
            proc.send_signal(signal.SIGINT)
        for key, proc in procs.items():
            try:
                outputs[key], _ = proc.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                outputs[key], _ = proc.communicate()
    for key in dbs:
        assert f"serving daily-ingest/{names[key][0]}" in outputs[key], outputs[key][-3000:]
    from warehouse.db import read_connection

    with read_connection(dbs["a"]) as con:
        assert con.execute("SELECT kind, status, parameters->>'source' FROM runs").fetchall() == [
            ("backfill", "ok", "reclassify")]
    with read_connection(dbs["b"]) as con:
        assert con.execute("SELECT count(*) FROM runs").fetchone() == (0,)


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


def test_serve_on_its_temporary_server_prints_a_trigger_that_works_and_lends_its_server(tmp_path):
    """Without PREFECT_API_URL, `serve` starts its temporary server first, prints a trigger
    command carrying that server's URL, and other workwatch commands on the same warehouse
    use that server instead of booting their own (issue 18: scheduling you can trust)."""
    from warehouse.db import read_connection, write_connection

    db = tmp_path / "w.duckdb"
    with write_connection(db):
        pass
    feeds = tmp_path / "feeds.toml"
    feeds.write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(tmp_path / "prefect"), PREFECT_LOGGING_LEVEL="WARNING",
               PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="180")
    exe = Path(sys.executable).with_name("workwatch")
    proc = subprocess.Popen([str(exe), "serve", "--feeds", str(feeds), "--db", str(db)],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    trigger = ""
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and not trigger:
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                break
            if line.startswith("trigger a backfill: PREFECT_API_URL=http://127.0.0.1"):
                trigger = line
        assert trigger, "serve printed no trigger command with its server's URL"
        url = trigger.split("PREFECT_API_URL=", 1)[1].split()[0]
        assert (tmp_path / "w.duckdb.prefect-api").read_text().strip() == url
        backfill = subprocess.run(
            [str(exe), "backfill", "--db", str(db), "--source", "reclassify", "--feeds", str(feeds)],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240)
        assert backfill.returncode == 0, backfill.stderr[-2000:]
        assert f"using the Prefect server of `workwatch serve` at {url}" in backfill.stderr
        assert "starting Prefect" not in backfill.stderr
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            # Prefect's runner and temporary server take 5-10 s to stop on a quiet machine
            # and over 30 s at load 9-11 (a full suite beside other work), then serve removes
            # its <db>.prefect-api file: give it the time before killing it.
            proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
    assert not (tmp_path / "w.duckdb.prefect-api").exists()
    with read_connection(db) as con:
        assert con.execute("SELECT kind, status FROM runs").fetchall() == [("backfill", "ok")]
