"""The CLI edge under failure (issue 14): Prefect start-up, signals, exit codes for cron, the
demo touching only demo files, outputs through `-`/symlinks/devices, validated filters.

Real `workwatch` processes, real loopback HTTP servers, real DuckDB files, real Prefect flows."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.servers import RouteServer, ok, trickle

EXE = Path(sys.executable).with_name("workwatch")
runner = CliRunner()


def invoke(*args, env=None):
    return runner.invoke(app, [str(a) for a in args], env=env, catch_exceptions=False)


def fresh_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A user's environment: no Prefect server configured, a fresh PREFECT_HOME."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PREFECT_API", "WORKWATCH_TEST_"))}
    env["PREFECT_HOME"] = str(tmp_path / "prefect")
    env.update(extra)
    return env


def harness_env(**extra: str) -> dict[str, str]:
    """The session's Prefect test server (no boot per process)."""
    from prefect.settings import PREFECT_API_URL

    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKWATCH_TEST_")}
    env.update(PREFECT_API_URL=PREFECT_API_URL.value(), **extra)
    return env


def feeds_file(tmp_path: Path, urls: dict[str, str], retries: int = 0) -> Path:
    path = tmp_path / "feeds.toml"
    path.write_text(f"[fetch]\nretries = {retries}\n" + "".join(
        f'\n[[feeds]]\nname = "{name}"\nurl = "{url}"\noutlet = "{name}"\n'
        for name, url in urls.items()), encoding="utf-8")
    return path


def assert_one_line(stderr: str, *needles: str) -> None:
    assert "Traceback" not in stderr, stderr
    lines = [l for l in stderr.splitlines() if l.strip()]
    errors = [l for l in lines if l.startswith("error:")]
    assert len(errors) == 1, stderr
    for needle in needles:
        assert needle in errors[0], stderr


# ---------------------------------------------------------------- A. Prefect start-up


def test_a_prefect_start_that_fails_is_one_line_with_the_remedy(tmp_path):
    """A start-up limit the server cannot meet (0 s): one line naming the setting, exit 1."""
    feeds = feeds_file(tmp_path, {"a": "http://127.0.0.1:9/feed"})
    env = fresh_env(tmp_path, PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="0")
    done = subprocess.run([str(EXE), "ingest", "--feeds", str(feeds), "--db", str(tmp_path / "w.duckdb")],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "starting Prefect" in done.stderr  # said while it waited (a line: not a terminal)
    assert_one_line(done.stderr, "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS",
                    "PREFECT_API_URL")
    assert done.stdout == ""


def test_a_unreachable_prefect_api_url_is_one_line(tmp_path):
    feeds = feeds_file(tmp_path, {"a": "http://127.0.0.1:9/feed"})
    env = fresh_env(tmp_path, PREFECT_API_URL="http://127.0.0.1:9/api")
    done = subprocess.run([str(EXE), "ingest", "--feeds", str(feeds), "--db", str(tmp_path / "w.duckdb")],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 1, done.stderr
    assert_one_line(done.stderr, "no Prefect server answers at http://127.0.0.1:9/api")


def test_a_cli_sets_a_generous_startup_limit_unless_the_user_set_one(tmp_path):
    code = ("import os, cli.main; print(os.environ['PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS'], "
            "os.environ['DO_NOT_TRACK'])")
    env = fresh_env(tmp_path)
    env.pop("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", None)
    env.pop("DO_NOT_TRACK", None)
    default = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert default.stdout.split() == ["180", "1"], default.stderr
    env.update(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="77", DO_NOT_TRACK="0")
    user = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert user.stdout.split() == ["77", "0"]
    # set in the active Prefect profile: the profile wins, the CLI does not override it
    env.pop("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS")
    (tmp_path / "prefect").mkdir()
    (tmp_path / "prefect" / "profiles.toml").write_text(
        'active = "x"\n[profiles.x]\nPREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS = 99\n')
    code2 = "import os, cli.main; print(os.environ.get('PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS'))"
    profile = subprocess.run([sys.executable, "-c", code2], capture_output=True, text=True, env=env)
    assert profile.stdout.strip() == "None"


# ---------------------------------------------------------------- G. signals


@pytest.mark.usefixtures("prefect_harness")
@pytest.mark.parametrize("sig,code,word", [(signal.SIGTERM, 143, "terminated"),
                                           (signal.SIGINT, 130, "interrupted")])
def test_g_signal_during_a_run_is_one_line_and_128_plus_signal(tmp_path, sig, code, word):
    """The flow is held on a feed that trickles a byte every 0.5 s; the signal arrives mid-run."""
    with RouteServer({"/feed": trickle(b" ", every_s=0.5)}) as site:
        feeds = feeds_file(tmp_path, {"slow": site.url("/feed")})
        err_path = tmp_path / "err.txt"
        proc = subprocess.Popen([str(EXE), "ingest", "--feeds", str(feeds), "--db", str(tmp_path / "w.duckdb")],
                                stdout=subprocess.DEVNULL, stderr=open(err_path, "w"),
                                env=harness_env(), start_new_session=True)
        deadline = time.monotonic() + 120
        while not site.hits and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        assert site.hits, err_path.read_text()
        time.sleep(0.5)
        proc.send_signal(sig)
        try:
            rc = proc.wait(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
    stderr = err_path.read_text()
    assert rc == code, stderr
    for noise in ("Traceback", "TerminationSignal", "Crash", "nanobind", "ERROR"):
        assert noise not in stderr, stderr
    # the ingest stops gracefully ("<word> (SIG...): N new articles committed; ..."); a signal
    # that lands before its handler is armed takes Prefect's path ("<word>; the warehouse ...")
    lines = [l for l in stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith((f"{word} (", f"{word};")), stderr


@pytest.mark.usefixtures("prefect_harness")
def test_g_sigterm_during_a_backfill_is_one_line_143(tmp_path):
    """The backfill flow has no graceful stop of its own: Prefect's TerminationSignal reaches
    the CLI, which says one line and exits 143 (no traceback, no Crashed records)."""
    with RouteServer({"/page": trickle(b" ", every_s=0.5)}) as site:
        feeds = feeds_file(tmp_path, {"site": site.url("/feed")})
        urls = tmp_path / "urls.txt"
        urls.write_text(site.url("/page") + "\n")
        err_path = tmp_path / "err.txt"
        proc = subprocess.Popen([str(EXE), "backfill", "--urls", str(urls), "--feeds", str(feeds),
                                 "--db", str(tmp_path / "w.duckdb")],
                                stdout=subprocess.DEVNULL, stderr=open(err_path, "w"),
                                env=harness_env(), start_new_session=True)
        deadline = time.monotonic() + 120
        while "/page" not in site.hits and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        assert "/page" in site.hits, err_path.read_text()
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
    stderr = err_path.read_text()
    assert rc == 143, stderr
    assert [l for l in stderr.splitlines() if l.strip()] == [
        "terminated; the warehouse keeps every batch that finished"], stderr


# ---------------------------------------------------------------- C. exit codes


@pytest.mark.usefixtures("prefect_harness")
def test_c_all_feeds_failed_then_all_backing_off_both_exit_3(tmp_path):
    feeds = feeds_file(tmp_path, {"dead-1": "http://127.0.0.1:1/feed", "dead-2": "http://127.0.0.1:9/feed"})
    db = tmp_path / "w.duckdb"
    first = invoke("ingest", "--feeds", feeds, "--db", db)
    assert first.exit_code == 3, first.output
    second = invoke("ingest", "--feeds", feeds, "--db", db)  # the next run: all backing off
    assert second.exit_code == 3, second.output
    assert "0 feeds ok, 0 failed, 2 skipped" in second.output


@pytest.mark.usefixtures("prefect_harness")
def test_c_one_good_feed_is_exit_0(tmp_path):
    with RouteServer() as site:
        site.routes["/feed"] = ok(
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>{site.url()}'
            f'</link><description>d</description><item><title>Robots at work</title><link>'
            f'{site.url("/a")}</link></item></channel></rss>'.encode(), "application/rss+xml")
        site.routes["/a"] = ok(b"<html><head><title>Robots at work</title></head><body><article>"
                               + b"<p>Workers and robots share the floor of the plant today.</p>" * 20
                               + b"</article></body></html>")
        feeds = feeds_file(tmp_path, {"good": site.url("/feed"), "dead": "http://127.0.0.1:9/feed"})
        result = invoke("ingest", "--feeds", feeds, "--db", tmp_path / "w.duckdb")
    assert result.exit_code == 0, result.output


def test_c_deadline_and_failure_exit_codes():
    from cli.cmd_ingest import ingest_exit_code
    from cli.cmd_backfill import backfill_exit_code

    ok_feed = {"status": "ok"}
    assert ingest_exit_code({"feeds": [ok_feed]}) == 0
    assert ingest_exit_code({"feeds": [ok_feed], "deadline_hit": True, "deferred": 5}) == 4
    assert ingest_exit_code({"feeds": [ok_feed], "deferred": 3}) == 4
    assert ingest_exit_code({"feeds": [{"status": "skipped"}, {"status": "error"}]}) == 3
    assert ingest_exit_code({"feeds": [{"status": "error"}], "deadline_hit": True}) == 3
    assert backfill_exit_code({"status": "failed"}) == 3
    assert backfill_exit_code({"status": "partial"}) == 0
    assert backfill_exit_code({"status": "ok", "deadline_hit": True}) == 4


def test_c_exit_codes_are_documented():
    result = invoke("--help")
    assert "Exit codes" in result.output and "143" in result.output
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert "Exit codes" in readme and "| 3 |" in readme and "| 4 |" in readme


@pytest.mark.usefixtures("prefect_harness")
def test_c_reprocess_with_the_archive_gone_exits_3_with_reasons(tmp_path, sample_feeds):
    from extractors.archive import archive_dir
    import shutil

    db = tmp_path / "w.duckdb"
    assert invoke("ingest", "--feeds", sample_feeds, "--db", db).exit_code == 0
    shutil.rmtree(archive_dir(db))
    result = invoke("backfill", "--source", "reprocess", "--db", db)
    assert result.exit_code == 3, result.output
    assert "re-extracted 0 of" in result.output and "archive_missing" in result.output
    with duckdb.connect(str(db), read_only=True) as con:
        reasons = con.execute("SELECT DISTINCT reason FROM article_errors WHERE stage = 'extract'"
                              ).fetchall()
    assert reasons == [("archive_missing",)]


# ---------------------------------------------------------------- B. the demo


@pytest.mark.usefixtures("prefect_harness")
def test_b_demo_touches_only_demo_files_and_keeps_the_old_demo_on_failure(tmp_path, monkeypatch):
    import cli.cmd_ingest
    from extractors.errors import WorkwatchError

    data = tmp_path / "data"
    (data / "archive" / "2025").mkdir(parents=True)
    real = data / "archive" / "2025" / "real.warc.gz"
    real.write_bytes(b"the real warehouse's raw HTML")
    (data / "workwatch.duckdb").write_bytes(b"")  # stands for the real warehouse
    db = data / "demo.duckdb"

    first = invoke("demo", "--db", db)
    assert first.exit_code == 0, first.output
    assert real.read_bytes() == b"the real warehouse's raw HTML"
    assert sorted(p.name for p in (data / "archive").rglob("*")) == ["2025", "real.warc.gz"]
    assert list((data / "demo-archive").rglob("*.warc.gz"))  # the demo's own archive
    assert not list(data.glob(".demo-build-*"))
    with duckdb.connect(str(db), read_only=True) as con:
        stories = con.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert stories >= 30

    real_run = cli.cmd_ingest.run_ingest

    def fails_half_way(*args, **kwargs):
        real_run(*args, **kwargs)  # the build warehouse is written ...
        raise WorkwatchError("the sample site went away")  # ... then the demo fails

    monkeypatch.setattr(cli.cmd_ingest, "run_ingest", fails_half_way)
    second = invoke("demo", "--db", db)
    assert second.exit_code == 1 and "the sample site went away" in second.output
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == stories
    assert list((data / "demo-archive").rglob("*.warc.gz"))
    assert real.read_bytes() == b"the real warehouse's raw HTML"
    assert not list(data.glob(".demo-build-*"))

    refused = invoke("demo", "--db", data / "workwatch.duckdb")
    assert refused.exit_code == 2 and "real warehouse" in refused.output


# ---------------------------------------------------------------- F. filters and --db


@pytest.mark.usefixtures("prefect_harness")
def test_f_unknown_topic_or_outlet_exits_2_listing_the_valid_ones(tmp_path, sample_feeds):
    db = tmp_path / "w.duckdb"
    assert invoke("ingest", "--feeds", sample_feeds, "--db", db).exit_code == 0
    topic = invoke("query", "stories", "--topic", "polcy", "--db", db)
    assert topic.exit_code == 2
    assert "unknown topic 'polcy' (did you mean 'policy'?)" in topic.output
    assert "displacement, hiring, skills, adoption, policy, wages, careers" in topic.output
    outlet = invoke("query", "coverage", "--outlet", "labor lens", "--db", db)
    assert outlet.exit_code == 2, outlet.output
    assert "did you mean 'Labor Lens'?" in outlet.output and "Circuit Weekly" in outlet.output
    good = invoke("query", "stories", "--outlet", "Labor Lens", "--topic", "policy", "--db", db,
                  "--format", "json")
    assert good.exit_code == 0, good.output


@pytest.mark.parametrize("args", [
    ("feeds",), ("sql", "select 1"), ("query", "trend"), ("reclassify",),
    ("backfill", "--source", "reprocess")])
def test_f_a_db_that_does_not_exist_is_one_line(tmp_path, args):
    typo = tmp_path / "typo.duckdb"
    result = invoke(*args, "--db", typo)
    assert result.exit_code == 1, result.output
    assert result.output.strip() == (f"error: no warehouse at {typo} (check --db / WORKWATCH_DB; "
                                     "`workwatch ingest` or `workwatch demo` makes one)")
    assert not typo.exists()


# ---------------------------------------------------------------- D. outputs

ITEMS = (json.dumps({"id": "x1", "title": "AI replaces call centre workers"}) + "\n"
         + json.dumps({"id": "x2", "title": "Heavy rain expected this weekend"}) + "\n")


def run_cli(*args, stdin: str = "", umask: int = 0o022, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(EXE), *map(str, args)], input=stdin.encode(), capture_output=True,
                          timeout=120, preexec_fn=lambda: os.umask(umask), **kw)


def test_d_dash_is_stdin_and_stdout(tmp_path):
    done = run_cli("classify", "-i", "-", "-o", "-", stdin=ITEMS, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert [json.loads(l)["id"] for l in done.stdout.decode().splitlines()] == ["x1", "x2"]
    assert not (tmp_path / "-").exists()
    assert b"classified 2 items -> stdout" in done.stderr


def test_d_symlinks_and_devices_are_written_through_new_files_get_the_umask_mode(tmp_path):
    src = tmp_path / "items.jsonl"
    src.write_text(ITEMS)
    # a new file: 0666 minus the umask (mkstemp's 0600 before)
    new = tmp_path / "new.jsonl"
    assert run_cli("classify", "-i", src, "-o", new, umask=0o027).returncode == 0
    assert stat.S_IMODE(new.stat().st_mode) == 0o640
    # an existing file keeps its mode
    kept = tmp_path / "kept.jsonl"
    kept.write_text("old")
    kept.chmod(0o664)
    assert run_cli("classify", "-i", src, "-o", kept).returncode == 0
    assert stat.S_IMODE(kept.stat().st_mode) == 0o664 and "x2" in kept.read_text()
    # a symlink stays a symlink; its target gets the output
    (tmp_path / "target").mkdir()
    link = tmp_path / "link.jsonl"
    link.symlink_to(tmp_path / "target" / "scored.jsonl")
    assert run_cli("classify", "-i", src, "-o", link).returncode == 0
    assert link.is_symlink() and len((tmp_path / "target" / "scored.jsonl").read_text().splitlines()) == 2
    # /dev/stdout (a symlink to the process's fd 1: here a pipe) is written through
    done = run_cli("classify", "-i", src, "-o", "/dev/stdout")
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 2
    assert Path("/dev/stdout").is_symlink() or not Path("/dev/stdout").is_file()
    # a FIFO: written through, still a FIFO
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    assert run_cli("classify", "-i", src, "-o", fifo).returncode == 0
    assert len(reader.communicate(timeout=30)[0].splitlines()) == 2
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_d_a_bad_input_line_keeps_the_old_output(tmp_path):
    src = tmp_path / "items.jsonl"
    src.write_text(ITEMS + "{not json\n")
    dst = tmp_path / "scored.jsonl"
    dst.write_text("previous results\n")
    done = run_cli("classify", "-i", src, "-o", dst)
    assert done.returncode == 1 and b"line 3" in done.stderr and b"Traceback" not in done.stderr
    assert dst.read_text() == "previous results\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["items.jsonl", "scored.jsonl"]


@pytest.mark.usefixtures("prefect_harness")
def test_d_sql_and_query_outputs_to_stdout_and_through_links(tmp_path, sample_feeds):
    db = tmp_path / "w.duckdb"
    assert invoke("ingest", "--feeds", sample_feeds, "--db", db).exit_code == 0
    csv = run_cli("sql", "select count(*) AS n from stories", "--db", db, "-f", "csv", "-o", "-")
    assert csv.returncode == 0 and csv.stdout.decode().splitlines()[0] == "n", csv.stderr
    parquet = run_cli("query", "trend", "--db", db, "-f", "parquet", "-o", "-")
    assert parquet.returncode == 0, parquet.stderr
    assert parquet.stdout[:4] == b"PAR1" and parquet.stdout[-4:] == b"PAR1"
    (tmp_path / "out").mkdir()
    link = tmp_path / "trend.json"
    link.symlink_to(tmp_path / "out" / "trend.json")
    assert invoke("query", "trend", "--db", db, "-f", "json", "-o", link).exit_code == 0
    assert link.is_symlink() and json.loads((tmp_path / "out" / "trend.json").read_text())
    refused = invoke("sql", "select 1", "--db", db, "-f", "csv", "-o", db)
    assert refused.exit_code == 1 and "refusing to write over a DuckDB" in refused.output


# ---------------------------------------------------------------- E. noise


def test_e_a_bad_line_in_a_urls_file_is_one_line_before_prefect_starts(tmp_path):
    urls = tmp_path / "urls.txt"
    urls.write_text("# missed pages\nhttp://127.0.0.1:9/a\nnot a url\n")
    done = subprocess.run([str(EXE), "backfill", "--urls", str(urls), "--db", str(tmp_path / "w.duckdb")],
                          capture_output=True, text=True, env=fresh_env(tmp_path), timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == f"error: {urls}:3: not an http(s) URL: not a url"
    assert not (tmp_path / "w.duckdb").exists()


@pytest.mark.usefixtures("prefect_harness")
def test_e_an_error_inside_a_flow_is_one_line_without_traceback_or_leak_spam(tmp_path):
    """feeds.toml is read inside the ingest flow: Prefect logged the error with a traceback,
    and the interpreter's exit printed ~60 lines of nanobind leak reports."""
    with RouteServer() as site:
        feeds = feeds_file(tmp_path, {"a": site.url("/feed")})
        db = tmp_path / "w.duckdb"
        # a first run creates the warehouse (the DuckDB objects the leak reports were about)
        first = subprocess.run([str(EXE), "ingest", "--feeds", str(feeds), "--db", str(db)],
                               capture_output=True, text=True, env=harness_env(), timeout=180)
        assert first.returncode == 3, first.stderr  # the feed 404s
        feeds.write_text(feeds.read_text().replace("retries = 0", "retries = 'many'"))
        done = subprocess.run([str(EXE), "ingest", "--feeds", str(feeds), "--db", str(db)],
                              capture_output=True, text=True, env=harness_env(), timeout=180)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "nanobind" not in done.stderr, done.stderr
    assert len([l for l in done.stderr.splitlines() if l.strip()]) == 1, done.stderr
    assert done.stderr.startswith("error: ")


# ---------------------------------------------------------------- serve's run summary


@pytest.mark.usefixtures("prefect_harness")
def test_c_a_served_run_logs_its_one_line_summary_at_info(tmp_path, sample_feeds, monkeypatch):
    """As in a runner's process: nobody prints the summary, and the CLI's WARNING level
    (inherited) would drop an INFO record: the line reaches the run logger's handlers."""
    import asyncio
    import logging

    from flows import run_summary
    from flows.ingest import daily_ingest

    monkeypatch.setattr(run_summary, "cli_prints_summary", False)
    seen: list[logging.LogRecord] = []

    class Catch(logging.Handler):
        def emit(self, record):
            seen.append(record)

    logger = logging.getLogger("prefect.flow_runs")
    handler = Catch()
    logger.addHandler(handler)
    previous = logger.level
    logger.setLevel(logging.WARNING)
    try:
        summary = asyncio.run(daily_ingest(feeds_path=str(sample_feeds), db_path=str(tmp_path / "w.duckdb")))
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
    lines = [r for r in seen if r.getMessage().startswith(f"ingest {summary['run_id']} (")]
    assert len(lines) == 1 and lines[0].levelno == logging.INFO
    assert f"{summary['new_articles']} new articles" in lines[0].getMessage()


@pytest.mark.usefixtures("prefect_harness")
def test_e_a_read_only_holder_is_named_in_one_line(tmp_path, sample_feeds):
    """A notebook's read-only DuckDB connection keeps the ingest out: the one line says so
    (not "locked by another process (an ingest?)")."""
    db = tmp_path / "w.duckdb"
    assert invoke("ingest", "--feeds", sample_feeds, "--db", db).exit_code == 0
    holder = subprocess.Popen([sys.executable, "-c", (
        "import duckdb, sys, time; con = duckdb.connect(sys.argv[1], read_only=True); "
        "print('open', flush=True); time.sleep(120)"), str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        done = subprocess.run([str(EXE), "ingest", "--feeds", str(sample_feeds), "--db", str(db)],
                              capture_output=True, text=True, timeout=180,
                              env=harness_env(WORKWATCH_WRITE_WAIT_S="2"))
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode == 1, done.stderr
    assert_one_line(done.stderr, "open read-only in another process", f"pid {holder.pid}")
    assert "an ingest?" not in done.stderr
