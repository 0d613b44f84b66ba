"""The streaming ingest (flows/streaming.py) against slow hosts on loopback: trickling feeds and
pages (one byte every 2 s), silent hosts, a page held back until released, plus the hostile
site (endless body, 500/404/429, gzip bomb, redirect loop ...) and good outlets.

Short deadlines keep it fast. What it shows: good articles are stored though slow hosts
exist, and committed by the batch timer while a slow host is still pending; a slow host's
pages are deferred after a few timeouts in a row; a timed-out request is retried once,
shorter; the run ends within its deadline, defers the rest, and the next run picks it up and
adds nothing else; SIGTERM commits what is done and marks the run interrupted."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from datetime import timezone
from pathlib import Path

import duckdb
import pytest

from extractors.errors import ConfigError, FetchTimeoutError
from extractors.http import Fetcher
from extractors.settings import FetchSettings
from flows.ingest import daily_ingest, run_deadline
from tests.hostile_server import GOOD_TITLES, Canary, HostileSite, LoopbackServer, Outlet, Reply, trickle

pytestmark = pytest.mark.usefixtures("prefect_harness")

BASE = {"per_host_delay_s": 0.0, "connect_timeout_s": 1.0, "retries": 1, "backoff_base_s": 0.05,
        "max_retry_after_s": 2.0, "max_feed_bytes": 1_000_000, "max_page_bytes": 1_000_000,
        "batch_interval_s": 1.0}
GOOD = {"a": "good", "b": "good", "c": "good", "d": "good"}


def rows(db: Path, query: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(query, params or []).fetchall()
    finally:
        con.close()


def write_feeds(path: Path, fetch: dict, outlets: list[Outlet], hostile: HostileSite | None = None
                ) -> Path:
    text = hostile.feeds_toml(fetch) if hostile else \
        "[fetch]\n" + "".join(f"{k} = {v!r}\n" for k, v in fetch.items())
    path.write_text(text + "".join(o.feeds_toml_entry() for o in outlets), encoding="utf-8")
    return path


def ingest(feeds: Path, db: Path, **kwargs) -> tuple[dict, float]:
    started = time.monotonic()
    summary = asyncio.run(daily_ingest(feeds_path=str(feeds), db_path=str(db), workers=2, **kwargs))
    return summary, time.monotonic() - started


def urls(db: Path) -> set[str]:
    return {r[0] for r in rows(db, "SELECT url FROM articles")}


def test_slow_hosts_hold_back_only_their_own_articles(tmp_path):
    """Trickling and silent feeds, a host of trickling pages: the good articles are stored,
    the first of them by the batch timer while the slow pages are still pending; the slow
    host's pages are deferred after two timeouts in a row; the trickling feed is tried twice,
    the second time shorter."""
    fetch = {**BASE, "request_deadline_s": 6.0, "read_timeout_s": 3.0, "per_host_concurrency": 2,
             "host_max_timeouts": 2}
    slow_pages = {"first": "good", **{f"slow-{i}": "trickle" for i in range(6)}}
    with contextlib.ExitStack() as stack:
        good = stack.enter_context(Outlet("good-one", GOOD))
        good2 = stack.enter_context(Outlet("good-two", GOOD))
        trickling = stack.enter_context(Outlet("trickle-feed", GOOD, feed="trickle"))
        silent = stack.enter_context(Outlet("silent-feed", GOOD, feed="silent"))
        slow = stack.enter_context(Outlet("slow-pages", slow_pages))
        feeds = write_feeds(tmp_path / "feeds.toml", fetch, [good, good2, trickling, silent, slow])
        db = tmp_path / "w.duckdb"
        summary, seconds = ingest(feeds, db, deadline=60)

    wanted = {o.page_url(s) for o in (good, good2) for s in GOOD} | {slow.page_url("first")}
    assert wanted <= urls(db)
    assert summary["new_articles"] == len(wanted) and not summary["deadline_hit"]
    # two timeouts in a row (two workers), then the host's other four pages wait for next run
    slow_hits = [h for h in slow.records if "slow-" in h.path]
    assert 2 <= len(slow_hits) <= 3, [h.path for h in slow_hits]
    assert summary["deferred_by_reason"] == {"slow_host": 4}, summary
    deferred = rows(db, "SELECT reason, kind, error FROM article_errors WHERE kind = 'deferred'")
    assert len(deferred) == 4 and all(r[0] == "slow_host" and "timed out" in r[2] for r in deferred)
    # the good outlets' batch committed on the timer while the slow host was still pending:
    # its last request (started last, lasting at least the retry's 1.5 s) had not ended
    still_pending = max(h.started for h in slow_hits) + 0.25 * fetch["request_deadline_s"]
    wall_offset = time.time() - time.monotonic()
    committed = rows(db, "SELECT max(c.classified_at) FROM classifications c JOIN articles a "
                         "USING (article_id) WHERE a.feed IN ('good-one', 'good-two')")[0][0]
    committed_mono = committed.replace(tzinfo=timezone.utc).timestamp() - wall_offset
    assert committed_mono < still_pending, (committed_mono, still_pending)
    assert summary["batches"] >= 2
    # the trickling feed: cut at the 6 s deadline, retried once at a quarter of it, then failed
    feed_hits = trickling.hits_of("/feed.xml")
    assert len(feed_hits) == 2
    assert 5.9 <= feed_hits[1].started - feed_hits[0].started <= 8.0
    status = {f["feed"]: f for f in summary["feeds"]}
    assert status["trickle-feed"]["status"] == "error" and "within 1.5s" in status["trickle-feed"]["error"]
    assert status["silent-feed"]["status"] == "error"
    backoff = dict(rows(db, "SELECT name, consecutive_failures FROM feeds"))
    assert backoff["trickle-feed"] == 1 and backoff["silent-feed"] == 1
    assert seconds < 20, seconds


def test_run_deadline_commits_what_is_done_and_the_next_run_picks_up_the_rest(tmp_path):
    """The hostile site and good outlets beside a trickling feed, a silent feed and a page held
    back: the run stops at its deadline with every good article stored; the held page is
    deferred; once it answers, the next run stores it and nothing else; a third adds nothing."""
    fetch = {**BASE, "request_deadline_s": 30.0, "read_timeout_s": 30.0, "per_host_concurrency": 4}
    deadline = 8.0
    with contextlib.ExitStack() as stack:
        canary = stack.enter_context(Canary("127.0.0.2"))
        hostile = stack.enter_context(HostileSite([canary.url("/x")]))
        good = stack.enter_context(Outlet("good-one", GOOD))
        trickling = stack.enter_context(Outlet("trickle-feed", GOOD, feed="trickle"))
        silent = stack.enter_context(Outlet("silent-feed", GOOD, feed="silent"))
        held = stack.enter_context(Outlet("held-pages", {"ready": "good", "late": "held"}))
        feeds = write_feeds(tmp_path / "feeds.toml", fetch, [good, trickling, silent, held], hostile)
        db = tmp_path / "w.duckdb"

        first, seconds = ingest(feeds, db, deadline=f"{deadline:g}s")
        assert seconds < deadline + 4, seconds
        assert first["deadline_hit"] and first["deadline_s"] == deadline
        stored = urls(db)
        wanted = ({good.page_url(s) for s in GOOD} | {held.page_url("ready")}
                  | {hostile.url(p) for p in GOOD_TITLES})
        assert wanted <= stored, wanted - stored
        assert held.page_url("late") not in stored
        status = {f["feed"]: f["status"] for f in first["feeds"]}
        assert status["trickle-feed"] == status["silent-feed"] == "deferred"
        assert first["feeds_deferred"] >= 2 and first["deferred"] >= 1
        assert first["deferred_by_reason"].get("run_deadline", 0) >= 1
        late = rows(db, "SELECT kind, reason FROM article_errors WHERE url = ?", [held.page_url("late")])
        assert late == [("deferred", "run_deadline")]
        assert rows(db, "SELECT status FROM runs") == [("partial",)]
        # a deferred feed is not recorded as checked: due again next run, no back-off
        assert rows(db, "SELECT count(*) FROM feed_fetches WHERE feed IN ('trickle-feed', 'silent-feed')") == [(0,)]

        held.release()
        second, seconds = ingest(feeds, db, deadline=deadline)
        assert seconds < deadline + 4, seconds
        assert urls(db) - stored == {held.page_url("late")}
        assert second["new_articles"] == 1

        third, seconds = ingest(feeds, db, deadline=deadline)
        assert third["new_articles"] == 0 and urls(db) - stored == {held.page_url("late")}
    n, distinct = rows(db, "SELECT count(*), count(DISTINCT canonical_url) FROM articles")[0]
    assert n == distinct


def test_sigterm_commits_what_is_done_and_marks_the_run_interrupted(tmp_path):
    """SIGTERM while a page is held: the run returns (no TerminationSignal), the finished
    articles are committed, the held page is deferred and the run row says interrupted."""
    fetch = {**BASE, "request_deadline_s": 30.0, "read_timeout_s": 30.0}
    with contextlib.ExitStack() as stack:
        good = stack.enter_context(Outlet("good-one", GOOD))
        held = stack.enter_context(Outlet("held-pages", {"late": "held"}))
        feeds = write_feeds(tmp_path / "feeds.toml", fetch, [good, held])
        inner = held.routes["/articles/late.html"]

        def late(req):  # once the good pages are in, the run gets SIGTERM
            deadline = time.monotonic() + 20
            while len([h for h in good.records if "/articles/" in h.path]) < len(GOOD):
                if time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            time.sleep(0.3)
            os.kill(os.getpid(), signal.SIGTERM)
            return inner(req)

        held.routes["/articles/late.html"] = late
        db = tmp_path / "w.duckdb"
        previous = signal.getsignal(signal.SIGTERM)
        summary, seconds = ingest(feeds, db, deadline=60)
        assert signal.getsignal(signal.SIGTERM) == previous
    assert summary["interrupted"] == "SIGTERM" and summary["status"] == "interrupted"
    assert seconds < 15, seconds
    assert {good.page_url(s) for s in GOOD} <= urls(db)
    assert rows(db, "SELECT status FROM runs") == [("interrupted",)]
    assert rows(db, "SELECT kind, reason FROM article_errors WHERE url = ?",
                [held.page_url("late")]) == [("deferred", "interrupted")]


def test_trickling_body_is_cut_by_the_whole_request_deadline_and_retried_once_shorter():
    """1 byte every 2 s never trips a per-read timeout; the whole-request deadline cuts it."""
    settings = FetchSettings(per_host_delay_s=0.0, retries=2, backoff_base_s=0.05,
                             request_deadline_s=2.0, read_timeout_s=10.0)
    with LoopbackServer({"/t": lambda req: Reply(200, {"Content-Type": "text/html"},
                                                 trickle(b"x", 2.0, 100))}) as srv:
        async def go():
            async with Fetcher(settings) as f:
                started = time.monotonic()
                with pytest.raises(FetchTimeoutError) as info:
                    await f.get(srv.url("/t"))
                return time.monotonic() - started, str(info.value), f.host_timeouts(srv.url("/t"))
        elapsed, message, timeouts = asyncio.run(go())
    assert len(srv.hits) == 2  # retries=2, but a timeout is retried once at most
    assert 2.4 <= elapsed <= 4.0 and "within 0.5s" in message, (elapsed, message)
    assert timeouts == 2


def test_run_deadline_values():
    assert run_deadline(None, 600.0) == 600.0
    assert run_deadline("10m", 600.0) == 600.0 and run_deadline("90s", 1) == 90.0
    assert run_deadline(0, 600.0) is None and run_deadline(None, 0.0) is None
    with pytest.raises(ConfigError, match="not a duration"):
        run_deadline("soon", 600.0)
    with pytest.raises(ConfigError, match="run_deadline_s"):
        FetchSettings().with_overrides({"run_deadline_s": "-1"})
    with pytest.raises(ConfigError, match="batch_interval_s"):
        FetchSettings().with_overrides({"batch_interval_s": 0})
    assert FetchSettings().with_overrides({"run_deadline_s": "1h30m"}).run_deadline_s == 5400.0


def test_sigterm_to_workwatch_ingest_commits_and_exits_143_without_a_traceback(tmp_path):
    """The real command in its own process: SIGTERM while a page is held."""
    from prefect.settings import PREFECT_API_URL

    fetch = {**BASE, "request_deadline_s": 30.0, "read_timeout_s": 30.0}
    with contextlib.ExitStack() as stack:
        good = stack.enter_context(Outlet("good-one", GOOD))
        held = stack.enter_context(Outlet("held-pages", {"late": "held"}))
        feeds = write_feeds(tmp_path / "feeds.toml", fetch, [good, held])
        db = tmp_path / "w.duckdb"
        env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value()}
        out, err = tmp_path / "out.txt", tmp_path / "err.txt"
        with open(out, "w") as stdout, open(err, "w") as stderr:
            proc = subprocess.Popen(
                [str(Path(sys.executable).with_name("workwatch")), "ingest", "--db", str(db),
                 "--feeds", str(feeds), "--workers", "1", "--json"],
                env=env, stdout=stdout, stderr=stderr, start_new_session=True)
            try:
                limit = time.monotonic() + 90
                while not (held.hits_of("/articles/late.html") and len(
                        [h for h in good.records if "/articles/" in h.path]) == len(GOOD)):
                    assert proc.poll() is None and time.monotonic() < limit, err.read_text()
                    time.sleep(0.05)
                time.sleep(0.3)
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=30)
            finally:
                if proc.poll() is None:
                    proc.kill()
    text = err.read_text()
    assert proc.returncode == 143, text
    assert "Traceback" not in text and "TerminationSignal" not in text, text
    assert rows(db, "SELECT status FROM runs") == [("interrupted",)]
    # each good page is stored or, if a loaded machine could not extract it within the
    # grace period, deferred to the next run: never lost
    deferred = {r[0] for r in rows(db, "SELECT url FROM article_errors WHERE kind = 'deferred' "
                                       "AND reason = 'interrupted'")}
    assert {good.page_url(s) for s in GOOD} <= urls(db) | deferred
    assert held.page_url("late") in deferred
