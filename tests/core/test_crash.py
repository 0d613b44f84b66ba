"""Never lose data: real `workwatch ingest` processes are SIGKILLed during the page fetch,
during extraction and in the middle of a load transaction; the warehouse stays valid after
each kill and the next run completes the work (nothing duplicated, nothing missing). Two
ingests started at once: the second exits with a clear message.

The processes talk to the session's Prefect test server (PREFECT_API_URL), to the sample
outlets served from this process, and are held at a stage by a slow page server or by the
test hook of core/hooks.py (WORKWATCH_TEST_PAUSE_AT)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.hostile_server import SlowSampleSite

pytestmark = pytest.mark.usefixtures("prefect_harness")

EXE = Path(sys.executable).with_name("workwatch")
ARTICLES = 36  # 4 sample outlets x 9 articles
BATCH = 10


@pytest.fixture
def slow_site(outlets_copy):
    with SlowSampleSite(outlets_copy) as site:
        yield site


@pytest.fixture
def feeds_toml(slow_site, tmp_path) -> Path:
    path = tmp_path / "feeds.toml"
    path.write_text(slow_site.feeds_toml(), encoding="utf-8")
    return path


def ingest_env(**extra: str) -> dict[str, str]:
    from prefect.settings import PREFECT_API_URL

    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKWATCH_TEST_")}
    env.update(PREFECT_API_URL=PREFECT_API_URL.value(), **extra)
    return env


def start_ingest(db: Path, feeds: Path, **env: str) -> subprocess.Popen:
    """`workwatch ingest` in the background; its output goes to files next to the warehouse
    (a pipe nobody reads could fill up and stall it)."""
    logs = db.parent / f"ingest-{time.monotonic_ns()}"
    proc = subprocess.Popen(
        [str(EXE), "ingest", "--db", str(db), "--feeds", str(feeds), "--batch-size", str(BATCH),
         "--workers", "2", "--json"],
        env=ingest_env(**env), stdout=open(f"{logs}.out", "w"), stderr=open(f"{logs}.err", "w"),
        start_new_session=True)
    proc.logs = logs  # type: ignore[attr-defined]
    return proc


def outputs(proc: subprocess.Popen) -> tuple[str, str]:
    return (Path(f"{proc.logs}.out").read_text(), Path(f"{proc.logs}.err").read_text())


def descendants(pid: int) -> list[int]:
    """Every process below pid (the worker pool, the fork server), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_hard(proc: subprocess.Popen) -> None:
    """SIGKILL the ingest and then, by pid, the processes it started."""
    below = descendants(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    for pid in below:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def wait_for(predicate, proc: subprocess.Popen, timeout: float = 60.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if proc.poll() is not None:
            out, err = outputs(proc)
            raise AssertionError(f"ingest ended (rc {proc.returncode}) before {what}:\n{err[-3000:]}")
        if time.monotonic() > deadline:
            kill_hard(proc)
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def marker_says(path: Path, point: str):
    return lambda: path.exists() and point in path.read_text()


def finish(proc: subprocess.Popen, timeout: float = 120) -> dict:
    proc.wait(timeout=timeout)
    out, err = outputs(proc)
    assert proc.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


def check_valid(db: Path) -> int:
    """The warehouse opens, and every stored article is whole: one canonical URL, one current
    classification, a cluster, and story_facts in step. Returns the number of articles."""
    from warehouse.db import write_connection
    from warehouse.facts import facts_fresh

    with write_connection(db) as con:  # what the next run does first (replays the WAL)
        q = lambda sql: con.execute(sql).fetchone()  # noqa: E731
        n, urls = q("SELECT count(*), count(DISTINCT canonical_url) FROM articles")
        assert n == urls
        assert q("SELECT count(*) FROM stories") == (n,)
        assert q("SELECT count(*) FROM classifications") == (n,)
        assert q("SELECT count(*) FROM article_clusters") == (n,)
        assert q("SELECT count(*) FROM articles WHERE text IS NULL OR text_hash IS NULL") == (0,)
        if n:
            assert facts_fresh(con)
    return n


def test_killed_at_every_stage_the_warehouse_stays_valid_and_the_next_run_completes(
        slow_site, feeds_toml, tmp_path):
    db = tmp_path / "w.duckdb"
    marker = tmp_path / "paused"

    # 1. during the page fetch: the pages hang, the process is killed while waiting for them
    slow_site.hold()
    proc = start_ingest(db, feeds_toml)
    wait_for(lambda: slow_site.page_requests > 0, proc, what="the first page request")
    kill_hard(proc)
    slow_site.release()
    assert check_valid(db) == 0

    # 2. during extraction: every worker is held inside its first extraction
    proc = start_ingest(db, feeds_toml, WORKWATCH_TEST_PAUSE_AT="extract",
                        WORKWATCH_TEST_PAUSE_FILE=str(marker), WORKWATCH_TEST_PAUSE_S="60")
    wait_for(marker_says(marker, "extract"), proc, what="an extraction")
    kill_hard(proc)
    assert check_valid(db) == 0

    # 3. in the middle of a load: the first batch is committed, the second is killed
    #    inside its transaction, just before COMMIT
    proc = start_ingest(db, feeds_toml, WORKWATCH_TEST_PAUSE_AT="commit@2",
                        WORKWATCH_TEST_PAUSE_FILE=str(marker), WORKWATCH_TEST_PAUSE_S="60")
    wait_for(marker_says(marker, "commit"), proc, what="the second commit")
    kill_hard(proc)
    assert check_valid(db) == BATCH  # all of batch 1, nothing of batch 2

    # 4. the next run completes the work: nothing duplicated, nothing missing
    summary = finish(start_ingest(db, feeds_toml))
    assert summary["status"] == "ok", summary
    assert summary["new_articles"] == ARTICLES - BATCH
    assert check_valid(db) == ARTICLES
    con = duckdb.connect(str(db), read_only=True)
    try:
        runs = con.execute("SELECT status, count(*) FROM runs GROUP BY ALL ORDER BY 1").fetchall()
        titles = con.execute("SELECT count(DISTINCT title) FROM articles").fetchone()[0]
    finally:
        con.close()
    assert runs == [("crashed", 3), ("ok", 1)]  # the killed runs are closed, not left running
    assert titles == ARTICLES


def test_two_ingests_at_once_one_exits_with_a_clear_message(slow_site, feeds_toml, tmp_path):
    db = tmp_path / "w.duckdb"
    slow_site.hold()
    first = start_ingest(db, feeds_toml)
    try:
        wait_for(lambda: slow_site.page_requests > 0, first, what="the first page request")
        second = start_ingest(db, feeds_toml)
        second.wait(timeout=60)
        out, err = outputs(second)
        assert second.returncode == 1, (out, err)
        assert f"error: another ingest or backfill is running on {db}" in err
        assert f"(pid {first.pid})" in err
    finally:
        slow_site.release()
    summary = finish(first)
    assert summary["status"] == "ok" and summary["new_articles"] == ARTICLES
    assert check_valid(db) == ARTICLES
