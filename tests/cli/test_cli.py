"""The command line: help everywhere, clean errors, read-only SQL, the ingest summary."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]


def invoke(*args, env=None):
    return runner.invoke(app, list(args), env=env, catch_exceptions=False)


def commands() -> list[str]:
    import typer.main

    group = typer.main.get_command(app)
    return sorted(group.commands)


def test_every_command_has_help_with_examples():
    names = commands()
    assert {"ingest", "demo", "sql", "feeds", "classify", "eval"} <= set(names)
    for name in names:
        result = invoke(name, "--help")
        assert result.exit_code == 0, name
        assert "Usage" in result.output
        assert "workwatch" in result.output and "Example" in result.output, name


def test_top_level_help():
    result = invoke("--help")
    assert result.exit_code == 0 and "ingest" in result.output


def test_sql_missing_warehouse_is_a_clean_error(tmp_path):
    result = invoke("sql", "select 1", "--db", str(tmp_path / "none.duckdb"))
    assert result.exit_code == 1
    assert "no warehouse at" in result.output


def _small_warehouse(path: Path) -> None:
    from warehouse.db import write_connection

    with write_connection(path) as con:
        con.execute("INSERT INTO feeds (name, url, outlet) VALUES ('a', 'https://a.example/feed', 'A')")


def test_sql_formats_and_refuses_writes(tmp_path):
    db = tmp_path / "w.duckdb"
    _small_warehouse(db)
    result = invoke("sql", "select name, outlet from feeds", "--db", str(db), "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.output) == [{"name": "a", "outlet": "A"}]
    result = invoke("sql", "select name from feeds", "--db", str(db), "--format", "csv")
    assert result.output.splitlines() == ["name", "a"]
    result = invoke("sql", "delete from feeds", "--db", str(db))
    assert result.exit_code == 1 and "read-only" in result.output
    result = invoke("sql", "select nope from feeds", "--db", str(db))
    assert result.exit_code == 1 and "nope" in result.output
    result = invoke("sql", "select 1", "--db", str(db), "--format", "xml")
    assert result.exit_code == 2 and "unknown format" in result.output


def test_sql_renders_untrusted_text_as_text(tmp_path):
    db = tmp_path / "w.duckdb"
    _small_warehouse(db)
    result = invoke("sql", "select '[bold red]x[/] <script>' as t", "--db", str(db))
    assert "[bold red]x[/] <script>" in result.output


def test_bad_feeds_file_names_the_line(tmp_path):
    feeds = tmp_path / "feeds.toml"
    feeds.write_text('[[feeds]]\nname = "a"\nurl = "https://a.example/"\noutlet = "A"\ncolour = "red"\n')
    result = invoke("feeds", "--feeds", str(feeds), "--db", str(tmp_path / "w.duckdb"))
    assert result.exit_code == 1
    assert "feeds.toml:5: unknown key 'colour'" in result.output


def test_feeds_lists_configured_feeds_before_first_ingest(tmp_path, monkeypatch):
    """--db at its default and no warehouse yet: the feeds, never checked. A --db given that
    does not exist is a typo: one line (tests/cli/test_robust_cli.py)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WORKWATCH_DB", raising=False)
    result = invoke("feeds", "--feeds", str(ROOT / "feeds.toml"), "--format", "json")
    data = json.loads(result.output)
    assert len(data) >= 20 and all(r["last_status"] == "never checked" for r in data)
    assert not (tmp_path / "data").exists()


def test_classify_round_trip(tmp_path):
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text(json.dumps({"id": "x1", "title": "Company cuts 4,000 jobs as AI replaces customer service staff",
                               "summary": "The firm said artificial intelligence now handles most calls."}) + "\n"
                   + json.dumps({"id": "x2", "title": "Heavy rain expected this weekend", "summary": ""}) + "\n")
    result = invoke("classify", "--input", str(src), "--output", str(dst))
    assert result.exit_code == 0
    out = [json.loads(line) for line in dst.read_text().splitlines()]
    assert [o["id"] for o in out] == ["x1", "x2"]
    assert out[0]["is_ai_work"] is True and "displacement" in out[0]["topics"]
    assert out[1]["is_ai_work"] is False
    missing = invoke("classify", "--input", str(tmp_path / "nope.jsonl"), "--output", str(dst))
    assert missing.exit_code == 1 and "no such file" in missing.output


@pytest.mark.usefixtures("prefect_harness")
def test_ingest_with_unreachable_feeds_reports_each_and_exits_cleanly(tmp_path):
    feeds = tmp_path / "feeds.toml"
    feeds.write_text("[fetch]\nretries = 0\n" + "".join(
        f'\n[[feeds]]\nname = "dead-{i}"\nurl = "http://127.0.0.1:{port}/feed"\noutlet = "Dead {i}"\n'
        for i, port in enumerate((1, 9))))
    db = tmp_path / "w.duckdb"
    result = invoke("ingest", "--feeds", str(feeds), "--db", str(db))
    assert result.exit_code == 3, result.output  # every feed failed: cron must hear about it
    lines = [l for l in result.output.splitlines() if l.startswith("feed ")]
    assert len(lines) == 2 and all("failed: connection failed" in l for l in lines)
    assert "0 feeds ok, 2 failed" in result.output


def test_demo_end_to_end_as_a_user(tmp_path):
    """`workwatch demo` in a fresh process (its own temporary Prefect server), then `sql`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect")
    exe = Path(sys.executable).with_name("workwatch")
    db = tmp_path / "demo.duckdb"
    done = subprocess.run([str(exe), "demo", "--db", str(db)], capture_output=True, text=True,
                          env=env, timeout=240, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Stories loaded" in done.stdout and "AI×work stories per week" in done.stdout
    count = subprocess.run([str(exe), "sql", "--db", str(db), "select count(*) AS n from stories",
                            "--format", "json"], capture_output=True, text=True, env=env, timeout=60)
    assert json.loads(count.stdout)[0]["n"] >= 30
