"""No orphan, no eternal lock (issue 14, item 7); readers never break the writer (item 8).

Real processes: a `workwatch replay` (fork pool) and a `workwatch ingest` (fork server pool)
are SIGKILLed - only the command, as `kill -9 PID` does - and nothing they started may
survive it; the next run is not refused and closes the dead run as `crashed`."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.core.test_crash import (ARTICLES, descendants, feeds_toml, marker_says, outputs,  # noqa: F401
                              slow_site, start_ingest, wait_for)

EXE = Path(sys.executable).with_name("workwatch")


def alive(pids: list[int]) -> list[int]:
    """The pids that are still running (zombies waiting for their reaper do not count)."""
    found = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state not in ("Z", "X"):
            found.append(pid)
    return found


def wait_until_gone(pids: list[int], timeout: float = 10.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while alive(pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = alive(pids)
    for pid in left:  # never leave them behind for the next test
        with_cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")[:200]
        print(f"survivor {pid}: {with_cmd!r}")
        os.kill(pid, signal.SIGKILL)
    return left


def rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


# ---------------------------------------------------------------- the lock


def test_a_lock_file_naming_a_dead_process_is_taken_over_with_one_line(tmp_path, capsys):
    from warehouse.db import ingest_lock

    db = tmp_path / "w.duckdb"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    Path(f"{db}.lock").write_text(f"{dead.pid} 12345\n")
    with ingest_lock(db):
        holder = Path(f"{db}.lock").read_text().split()
        assert int(holder[0]) == os.getpid() and int(holder[1]) > 0  # pid and start time
    err = capsys.readouterr().err
    assert err == (f"note: took over the ingest lock on {db} from pid {dead.pid}, "
                   "which is no longer running (killed?)\n")
    # a reused pid (a live process, but not the one that took the lock): taken over too
    Path(f"{db}.lock").write_text(f"{os.getppid()} 1\n")
    with ingest_lock(db):
        pass
    assert "whose pid now belongs to another process" in capsys.readouterr().err
    with ingest_lock(db):  # released cleanly: nothing to say
        pass
    assert capsys.readouterr().err == ""


def test_the_lock_dies_with_its_process_and_is_not_inherited_by_forked_children(tmp_path):
    from warehouse.errors import WarehouseLockedError
    from warehouse.db import ingest_lock

    db = tmp_path / "w.duckdb"
    # the holder forks a child that outlives it (no death signal here): the child must not
    # keep the warehouse locked
    holder = subprocess.Popen([sys.executable, "-c", f"""
import os, sys, time
from warehouse.db import ingest_lock
with ingest_lock({str(db)!r}):
    if os.fork() == 0:
        time.sleep(30); os._exit(0)
    print("held", flush=True)
    time.sleep(60)
"""], stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2])
    try:
        assert holder.stdout.readline().strip() == "held"
        child = [p for p in descendants(holder.pid)]
        with pytest.raises(WarehouseLockedError, match=rf"\(pid {holder.pid}\)"):
            with ingest_lock(db):
                pass
        holder.kill()
        holder.wait()
        assert alive(child)  # the orphan lives on ...
        with ingest_lock(db):  # ... and the warehouse is free
            pass
    finally:
        holder.kill()
        for pid in alive(child if "child" in locals() else []):
            os.kill(pid, signal.SIGKILL)


# ---------------------------------------------------------------- killed commands


def replay_file(path: Path, lines: int) -> Path:
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for i in range(lines):
            fh.write(json.dumps({
                "published": f"2023-{1 + i % 12:02d}-{1 + i % 28:02d}T10:00:00Z",
                "feed_url": f"https://feeds.outlet{i % 40}.example/rss",
                "title": f"Story {i}: AI tools change hiring at company {i % 500}",
                "summary": f"Workers and managers discuss automation, number {i}, "
                           f"and what it means for jobs in sector {i % 97}.",
                "url": f"https://outlet{i % 40}.example/news/{i}"}) + "\n")
    return path


def test_kill_9_of_replay_leaves_no_process_and_no_lock(tmp_path):
    db = tmp_path / "w.duckdb"
    source = replay_file(tmp_path / "big.jsonl.gz", 60_000)
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKWATCH_")}
    proc = subprocess.Popen([str(EXE), "replay", str(source), "--db", str(db), "--workers", "2",
                             "--batch-size", "500"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while len(alive(descendants(proc.pid))) < 2:  # both pool workers are up
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, "the replay's pool did not start"
            time.sleep(0.05)
        time.sleep(1.0)  # mid-run: batches in the pool and being loaded
        below = descendants(proc.pid)
    finally:
        proc.send_signal(signal.SIGKILL)  # only the command, as `kill -9 PID` does
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert wait_until_gone(below, timeout=5) == []

    # the next run is not refused, and closes the dead one as crashed
    small = replay_file(tmp_path / "small.jsonl.gz", 10)
    again = subprocess.run([str(EXE), "replay", str(small), "--db", str(db)], env=env,
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert "another ingest" not in again.stderr
    statuses = sorted(s for (s,) in rows(db, "SELECT status FROM runs"))
    assert statuses == ["crashed", "ok"], statuses


@pytest.mark.usefixtures("prefect_harness")
def test_kill_9_of_ingest_leaves_no_fork_server_or_worker(slow_site, feeds_toml, tmp_path):  # noqa: F811
    db = tmp_path / "w.duckdb"
    marker = tmp_path / "paused"
    proc = start_ingest(db, feeds_toml, WORKWATCH_TEST_PAUSE_AT="extract",
                        WORKWATCH_TEST_PAUSE_FILE=str(marker), WORKWATCH_TEST_PAUSE_S="120")
    wait_for(marker_says(marker, "extract"), proc, what="an extraction")
    below = descendants(proc.pid)
    assert len(below) >= 3, below  # the fork server and its workers (and a resource tracker)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert wait_until_gone(below, timeout=5) == []

    # the next ingest is not refused, completes the work and closes the dead run as crashed
    again = start_ingest(db, feeds_toml)
    again.wait(timeout=180)
    out, err = outputs(again)
    assert again.returncode == 0, err[-3000:]
    assert json.loads(out.strip().splitlines()[-1])["new_articles"] == ARTICLES
    assert sorted(s for (s,) in rows(db, "SELECT status FROM runs")) == ["crashed", "ok"]


def test_prefects_temporary_server_is_started_under_a_lifeline():
    """The import hook is in place: Prefect's server module starts uvicorn through
    flows.lifeline.serve_watched (the server itself takes too long to start in a test)."""
    code = """
import flows, subprocess
import prefect.server.api.server as server
from flows.lifeline import _WatchedSubprocess
assert isinstance(server.subprocess, _WatchedSubprocess), server.subprocess
assert server.subprocess.TimeoutExpired is subprocess.TimeoutExpired
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=Path(__file__).resolve().parents[2])
    assert done.stdout.strip() == "ok", done.stderr[-2000:]


def test_a_watched_server_ends_when_its_starter_is_killed(tmp_path):
    """serve_watched (how the temporary Prefect server runs): a stand-in server (http.server)
    stops within seconds of a kill -9 of the process that started it."""
    starter = subprocess.Popen([sys.executable, "-c", """
import os, subprocess, sys, time
from flows.lifeline import start_time
me = os.getpid()
server = subprocess.Popen([sys.executable, "-c",
    "import sys; from flows.lifeline import serve_watched; serve_watched(sys.argv[1:])",
    "--watch", f"{me}:{start_time(me)}", "--", "-m", "http.server", "0", "--bind", "127.0.0.1"],
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(server.pid, flush=True)
time.sleep(60)
"""], stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2])
    server = int(starter.stdout.readline())
    time.sleep(1.0)
    assert alive([server])
    starter.kill()
    starter.wait()
    assert wait_until_gone([server], timeout=8) == []


# ---------------------------------------------------------------- readers and the writer


def hold_open(db: Path, how: str, seconds: float = 90) -> subprocess.Popen:
    """Another process with the warehouse open: `workwatch` (warehouse.db.read_connection,
    as `workwatch sql` and the dashboard open it) or `raw` (duckdb.connect read-only on the
    file itself, as a notebook would). It prints `open` once it has it."""
    opener = ("from warehouse.db import read_connection\ncm = read_connection(db)\ncon = cm.__enter__()"
              if how == "workwatch" else "import duckdb\ncon = duckdb.connect(db, read_only=True)")
    code = f"""
import sys, time
db = {str(db)!r}
{opener}
con.execute("SELECT count(*) FROM articles").fetchall()
print("open", flush=True)
time.sleep({seconds})
"""
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parents[2])
    assert proc.stdout.readline().strip() == "open"
    return proc


@pytest.mark.usefixtures("prefect_harness")
def test_a_reader_holding_the_warehouse_does_not_break_an_ingest(slow_site, feeds_toml, tmp_path):  # noqa: F811
    from warehouse.db import read_connection, write_connection

    db = tmp_path / "w.duckdb"
    with write_connection(db):
        pass
    reader = hold_open(db, "workwatch")
    try:
        proc = start_ingest(db, feeds_toml)
        proc.wait(timeout=180)
        out, err = outputs(proc)
        assert reader.poll() is None  # the reader was open for the whole run
    finally:
        reader.kill()
        reader.wait()
    assert proc.returncode == 0 and "Traceback" not in err, err[-3000:]
    assert json.loads(out.strip().splitlines()[-1])["new_articles"] == ARTICLES
    assert rows(db, "SELECT status FROM runs") == [("ok",)]
    with read_connection(db) as con:  # the readers' snapshot caught up with the run
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (ARTICLES,)


def test_a_replay_writes_while_workwatch_sql_runs_a_long_query(tmp_path):
    from warehouse.db import write_connection

    db = tmp_path / "w.duckdb"
    with write_connection(db):
        pass
    query = subprocess.Popen(  # a few seconds of CPU, on the readers' snapshot
        [str(EXE), "sql", "--db", str(db), "SELECT count(*) AS n FROM range(600000000) r "
         "WHERE r.range % 7 = 3 AND (SELECT count(*) FROM articles) >= 0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    replay = subprocess.run([str(EXE), "replay", str(replay_file(tmp_path / "r.jsonl.gz", 2000)),
                             "--db", str(db), "--batch-size", "200"],
                            capture_output=True, text=True, timeout=300)
    out, err = query.communicate(timeout=300)
    assert query.returncode == 0 and "85714286" in out, err
    assert replay.returncode == 0 and "Traceback" not in replay.stderr, replay.stderr[-3000:]
    assert rows(db, "SELECT status FROM runs") == [("ok",)]


def test_a_notebook_holding_the_file_itself_gets_a_clear_message(tmp_path, monkeypatch, capsys):
    """A process that opened the warehouse file itself (not through workwatch) still blocks
    writers: the writer waits, says for whom and why, and fails with that if it has to."""
    import warehouse.db as wdb
    from warehouse.errors import WarehouseLockedError

    db = tmp_path / "w.duckdb"
    with wdb.write_connection(db):
        pass
    notebook = hold_open(db, "raw", seconds=4)
    try:
        monkeypatch.setattr(wdb, "WAIT_NOTE_AFTER_S", 0.5)
        with pytest.raises(WarehouseLockedError) as failed:
            with wdb.write_connection(db, wait_s=1.5):
                pass
        message = str(failed.value)
        assert f"is open read-only in another process (pid {notebook.pid}: " in message
        assert "DuckDB lets no process write while any other has the file open" in message
        assert "an ingest?" not in message
        assert f"waiting to write: {db} is open read-only" in capsys.readouterr().err
        with wdb.write_connection(db, wait_s=60) as con:  # it waits for the notebook to close
            con.execute("SELECT 1")
        assert notebook.poll() is not None
    finally:
        notebook.kill()
        notebook.wait()


@pytest.mark.usefixtures("prefect_harness")
def test_kill_9_of_serve_mid_run_leaves_no_flow_run_or_worker(slow_site, feeds_toml, tmp_path):  # noqa: F811
    """The served run (`python -m prefect.engine`, the runner's child) stops when `serve`
    dies, and its fork server and workers with it."""
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL

    from flows.deployments import deployment_names

    db = tmp_path / "w.duckdb"
    marker = tmp_path / "paused"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "WORKWATCH_"))}
    env.update(PREFECT_API_URL=PREFECT_API_URL.value(), PREFECT_HOME=str(tmp_path / "prefect"),
               PREFECT_RUNNER_POLL_FREQUENCY="1", PREFECT_LOGGING_LEVEL="WARNING",
               WORKWATCH_TEST_PAUSE_AT="extract", WORKWATCH_TEST_PAUSE_FILE=str(marker),
               WORKWATCH_TEST_PAUSE_S="120")
    serve = subprocess.Popen([str(EXE), "serve", "--db", str(db), "--feeds", str(feeds_toml)],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
    try:
        name = f"daily-ingest/{deployment_names(db)[0]}"
        deadline = time.monotonic() + 90
        while True:
            assert serve.poll() is None and time.monotonic() < deadline, "serve did not register"
            try:
                run_deployment(name, timeout=0)
                break
            except Exception:  # not registered yet
                time.sleep(0.5)
        while not (marker.exists() and "extract" in marker.read_text()):
            assert serve.poll() is None and time.monotonic() < deadline + 90, "no extraction"
            time.sleep(0.1)
        below = descendants(serve.pid)
        assert len(below) >= 4, below  # the flow run, the fork server, its workers
    finally:
        serve.kill()
        serve.wait()
    # the run gets SIGTERM at once; its worker is held in the test hook, so the run's
    # graceful stop waits for it until the 30 s grace period ends
    assert wait_until_gone(below, timeout=45) == []
