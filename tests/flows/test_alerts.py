"""Alerts (issue 20): a real ingest of the sample outlets with a matching watch sends exactly
one message to a loopback webhook (Apprise json://), nothing on a second run; a failing
receiver is retried next run; spikes on the replay corpus; outage alerts; the digest."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from flows.ingest import daily_ingest
from tests.conftest import corpus_path
from tests.webhook_receiver import Receiver

pytestmark = pytest.mark.usefixtures("prefect_harness")

WATCH = '''
[[watches]]
name = "ai-unions"
query = "union OR unions OR strike"
topics = ["policy"]
notify = ["{url}"]
'''


def ingest(feeds: Path, db: Path) -> dict:
    return asyncio.run(daily_ingest(feeds_path=str(feeds), db_path=str(db), workers=2))


def rows(db: Path, query: str, params=()) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(query, list(params)).fetchall()
    finally:
        con.close()


def expected_stories(db: Path) -> set[str]:
    """AI×work policy stories mentioning a union or a strike, by an independent check."""
    found = rows(db, "SELECT a.title, a.text, a.url FROM stories a WHERE is_ai_work "
                     "AND list_contains(topics, 'policy')")
    word = re.compile(r"\b(union|unions|strike)\b", re.IGNORECASE)
    return {url for title, text, url in found if word.search(f"{title} {text}")}


def test_a_matching_watch_alerts_once_after_ingest(sample_feeds, tmp_path):
    db = tmp_path / "w.duckdb"
    with Receiver() as rx:
        # default location: watches.toml beside feeds.toml
        (sample_feeds.parent / "watches.toml").write_text(WATCH.format(url=rx.url), encoding="utf-8")
        ingest(sample_feeds, db)
        expected = expected_stories(db)
        assert expected, "the sample outlets have AI×work union stories"
        assert len(rx.messages) == 1
        message = rx.messages[0]
        assert message["title"] == f"workwatch: {len(expected)} new stories for ai-unions"
        urls = set(re.findall(r"https?://\S+", message["message"]))
        assert urls == expected
        for line in message["message"].splitlines():
            assert re.match(r"- [^:]+: .+ - https?://\S+ \[.*policy.*\]$", line), line
        hits = rows(db, "SELECT count(*), count(notified_at) FROM watch_hits")
        assert hits == [(len(expected), len(expected))]
        assert rows(db, "SELECT count(*), count(delivered_at) FROM alert_deliveries") == [(1, 1)]
        # no URL with its secrets in the warehouse: only a hash and scheme://host:port
        assert rows(db, "SELECT target FROM alert_deliveries")[0][0].startswith("json://127.0.0.1:")

        ingest(sample_feeds, db)
        assert len(rx.messages) == 1  # nothing new: nothing sent


def test_a_failing_receiver_is_retried_next_run(sample_feeds, tmp_path):
    db = tmp_path / "w.duckdb"
    with Receiver() as rx:
        (sample_feeds.parent / "watches.toml").write_text(WATCH.format(url=rx.url), encoding="utf-8")
        rx.fail = True
        summary = ingest(sample_feeds, db)  # the run itself succeeds
        assert summary["new_articles"] > 0
        assert len(rx.refused) == 1 and rx.messages == []
        (attempts, delivered, error), = rows(db, "SELECT attempts, delivered_at, last_error "
                                                 "FROM alert_deliveries")
        assert attempts == 1 and delivered is None and error
        rx.fail = False
        ingest(sample_feeds, db)
        assert len(rx.messages) == 1 and rx.messages[0]["title"] == rx.refused[0]["title"]
        assert rows(db, "SELECT attempts, delivered_at IS NOT NULL FROM alert_deliveries") == [(2, True)]
        ingest(sample_feeds, db)
        assert len(rx.messages) == 1


def test_an_unreachable_receiver_never_fails_the_run(sample_feeds, tmp_path):
    db = tmp_path / "w.duckdb"
    (sample_feeds.parent / "watches.toml").write_text(
        WATCH.format(url="json://127.0.0.1:9/nobody"), encoding="utf-8")
    assert ingest(sample_feeds, db)["new_articles"] > 0
    assert rows(db, "SELECT attempts, delivered_at FROM alert_deliveries") == [(1, None)]


def test_a_broken_watches_file_never_fails_the_run(sample_feeds, tmp_path):
    db = tmp_path / "w.duckdb"
    (sample_feeds.parent / "watches.toml").write_text("[[watches]]\nname = 'x'\nbogus = 1\n")
    assert ingest(sample_feeds, db)["new_articles"] > 0


# ------------------------------------------------------------------ outages (no Prefect)


def test_outage_alert_once_when_a_feed_fails_n_runs_in_a_row(tmp_path):
    from flows.alerts import queue_outage_alerts
    from warehouse.db import write_connection
    from warehouse.watches import parse_watches

    config = parse_watches('[alerts]\nnotify = ["json://127.0.0.1:9/x"]\noutage_runs = 3\n')
    db = tmp_path / "o.duckdb"
    with write_connection(db) as con:
        queued = []
        for run in range(5):
            con.execute("INSERT INTO feed_fetches (run_id, feed, url, fetched_at, status, error) "
                        "VALUES (?, 'bad', 'http://x', ?, 'error', 'timeout'), "
                        "(?, 'good', 'http://y', ?, ?, NULL)",
                        [f"r{run}", datetime(2026, 1, 1, run), f"r{run}", datetime(2026, 1, 1, run),
                         "error" if run == 4 else "ok"])
            queued.append(queue_outage_alerts(con, config, f"r{run}"))
        subjects = [r[0] for r in con.execute("SELECT subject FROM alert_deliveries ORDER BY created_at").fetchall()]
    assert queued == [0, 0, 1, 0, 1]  # 'bad' at its third failure; run 4: no feed OK
    assert subjects == ["bad", "run"]


# ------------------------------------------------------------------ spikes on the real corpus


@pytest.fixture(scope="module")
def replay_2023(tmp_path_factory) -> Path:
    import subprocess
    import sys

    source = corpus_path("replay-2023.jsonl.gz")
    db = tmp_path_factory.mktemp("replay") / "2023.duckdb"
    exe = Path(sys.executable).with_name("workwatch")
    done = subprocess.run([str(exe), "replay", str(source), "--db", str(db)], capture_output=True,
                          text=True, timeout=1800)
    assert done.returncode == 0, done.stderr[-2000:]
    return db


def test_spikes_find_the_writers_strike_week_only(replay_2023):
    from datetime import timedelta

    from warehouse.spikes import find_spikes

    con = duckdb.connect(str(replay_2023), read_only=True)
    try:
        flagged = []
        day = datetime(2023, 3, 6)  # each week (Monday to Monday) with 8 weeks of history
        while day < datetime(2024, 1, 1):
            end = day + timedelta(days=7)
            for s in find_spikes(con, end, kinds=("topic",)):
                if s.key == "policy":
                    flagged.append((day.date().isoformat(), s.count, s.expected, s.stories))
            day = end
    finally:
        con.close()
    assert [f[0] for f in flagged] == ["2023-05-01"], flagged
    titles = " ".join(t for _, t, _ in flagged[0][3]).lower()
    assert "writer" in titles or "strike" in titles or "wga" in titles


def test_without_watches_nothing_is_written(tmp_path):
    from flows.alerts import run_alerts
    from warehouse.db import write_connection

    db = tmp_path / "n.duckdb"
    with write_connection(db):
        pass
    before = db.stat().st_mtime_ns
    assert run_alerts(db, tmp_path / "feeds.toml", "r1") == {"hits": 0, "queued": 0, "sent": 0, "failed": 0}
    assert db.stat().st_mtime_ns == before


def test_a_digest_watch_gets_one_daily_digest(sample_feeds, tmp_path):
    db = tmp_path / "w.duckdb"
    with Receiver() as rx:
        (sample_feeds.parent / "watches.toml").write_text(
            WATCH.format(url=rx.url) + 'mode = "digest"\n', encoding="utf-8")
        ingest(sample_feeds, db)
        expected = expected_stories(db)
        assert len(rx.messages) == 1 and rx.messages[0]["title"].startswith("workwatch digest ")
        body = rx.messages[0]["message"]
        assert "ai-unions: " in body and all(url in body for url in expected)
        assert rows(db, "SELECT count(*) FROM watch_hits WHERE notified_at IS NULL") == [(0,)]
        ingest(sample_feeds, db)
        assert len(rx.messages) == 1  # one a day


# ------------------------------------------------------------------ backfills


def test_backfill_hits_are_alerted_at_the_end_of_the_backfill(tmp_path):
    """Articles loaded by a backfill are matched in its load transactions; an immediate
    watch's message goes out when the backfill ends (not at the next ingest), once."""
    from concurrent.futures import ThreadPoolExecutor
    from datetime import date

    from flows.backfill import BackfillRequest, run_backfill
    from tests.backfill_site import SiteServer, build_site

    build_site(tmp_path / "site")
    with SiteServer(tmp_path / "site") as site, Receiver() as rx, \
            ThreadPoolExecutor(max_workers=2) as pool:
        feeds = tmp_path / "feeds.toml"
        feeds.write_text(site.feeds_toml(), encoding="utf-8")
        (tmp_path / "watches.toml").write_text(
            '[[watches]]\nname = "unions"\nquery = "union OR unions"\n'
            f'outlets = ["127.0.0.1"]\nnotify = ["{rx.url}"]\n', encoding="utf-8")
        db = tmp_path / "w.duckdb"

        def backfill(since: str, until: str) -> dict:
            request = BackfillRequest(source="archive", since=date.fromisoformat(since),
                                      until=date.fromisoformat(until), feeds_path=str(feeds),
                                      db_path=str(db), workers=2)
            return asyncio.run(run_backfill(request, pool=pool))

        assert backfill("2026-09-01", "2026-10-15")["new_articles"] > 0
        found = rows(db, "SELECT title, text, url FROM stories WHERE is_ai_work")
        word = re.compile(r"\b(union|unions)\b", re.IGNORECASE)
        expected = {url for title, text, url in found if word.search(f"{title} {text}")}
        assert expected, "the site has AI×work union stories in the range"
        assert len(rx.messages) == 1
        assert rx.messages[0]["title"] == f"workwatch: {len(expected)} new stories for unions"
        assert set(re.findall(r"https?://\S+", rx.messages[0]["message"])) == expected
        assert rows(db, "SELECT count(*), count(notified_at) FROM watch_hits") == \
            [(len(expected), len(expected))]

        assert backfill("2026-09-01", "2026-10-15")["new_articles"] == 0  # nothing new
        assert backfill("2026-10-16", "2026-10-28")["new_articles"] > 0   # later union stories
        later = {url for title, text, url in rows(db, "SELECT title, text, url FROM stories "
                                                      "WHERE is_ai_work") if word.search(f"{title} {text}")}
        assert len(rx.messages) == 2
        assert set(re.findall(r"https?://\S+", rx.messages[1]["message"])) == later - expected
