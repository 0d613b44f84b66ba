"""Watches (issue 20): watches.toml validation, matching in the load transaction (a story
cluster hits once), re-applying and testing a watch from the CLI, and the digest."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from extractors.errors import ConfigError
from warehouse.db import read_connection, write_connection
from warehouse.load import load_batch
from warehouse.watches import Watch, parse_watches, sync_watches, watches_path

from tests.warehouse.test_search import STORIES, article, verdict

EXE = Path(sys.executable).with_name("workwatch")

GOOD = '''
# comment
[alerts]
notify = ["json://127.0.0.1:9/x"]
spike_min_count = 4

[[watches]]
name = "hollywood"
query = '"writers guild" OR strike'
topics = ["policy"]
notify = ["json://127.0.0.1:9/hook"]

[[watches]]
name = "ibm"
companies = ["IBM"]
ai_work_only = false
mode = "digest"
'''


def test_parse_watches():
    config = parse_watches(GOOD)
    assert config.watches[0] == Watch("hollywood", '"writers guild" OR strike', ("policy",), (), (),
                                      True, ("json://127.0.0.1:9/hook",), "immediate")
    assert config.watches[1].mode == "digest" and config.watches[1].companies == ("IBM",)
    assert config.alerts.spike_min_count == 4 and config.alerts.notify == ("json://127.0.0.1:9/x",)


@pytest.mark.parametrize("text, message", [
    ('[[watches]]\nname = "a"\nquery = "xx"\n\n[[watches]]\nname = "b"\nquery = "yy"\nqeury = "z"\n',
     "watches.toml:8: unknown key 'qeury' in watch #2"),
    ('[[watches]]\nname = "a"\nquery = "(x"\n', "watches.toml:3: watch 'a': missing )"),
    ('[[watches]]\nname = "a"\n', "watches.toml:2: watch 'a' needs a query, topics"),
    ('[[watches]]\nname = "a"\nquery = "xx"\nmode = "daily"\n', "watches.toml:4: mode must be"),
    ('[[watches]]\nname = "a"\ntopics = ["polcy"]\n', "watches.toml:3: unknown topic 'polcy'"),
    ('[[watches]]\nname = "a b"\nquery = "xx"\n', "watches.toml:2: watch #1 needs a name"),
    ('[[watches]]\nname = "a"\nquery = "xx"\n[[watches]]\nname = "a"\nquery = "yy"\n',
     "watches.toml:5: watch name 'a' is used twice"),
    ('[alert]\nnotify = []\n', "watches.toml:1: unknown table 'alert'"),
    ('[alerts]\nspike_min = 3\n', "watches.toml:2: unknown key 'spike_min' in [alerts]"),
])
def test_watch_file_errors_name_the_line(text, message):
    with pytest.raises(ConfigError) as info:
        parse_watches(text)
    assert str(info.value).startswith(message) and "\n" not in str(info.value)


def test_watches_path(tmp_path, monkeypatch):
    monkeypatch.delenv("WORKWATCH_WATCHES", raising=False)
    assert watches_path(None, tmp_path / "feeds.toml") == tmp_path / "watches.toml"
    monkeypatch.setenv("WORKWATCH_WATCHES", "/x/w.toml")
    assert watches_path(None, tmp_path / "feeds.toml") == Path("/x/w.toml")
    assert watches_path("o.toml", "feeds.toml") == Path("o.toml")


def test_load_transaction_matches_stored_watches_and_a_cluster_hits_once(tmp_path):
    db = tmp_path / "w.duckdb"
    text = ("The Writers Guild of America went on strike on Tuesday after talks with studios "
            "failed over pay, residuals and the use of artificial intelligence in writing.")
    copies = [article(20 + i, "Writers strike begins", text, outlet)
              for i, outlet in enumerate(["a.example", "b.example", "c.example"])]
    with write_connection(db) as con:
        sync_watches(con, parse_watches(GOOD).watches)
        load_batch(con, "r1", STORIES + copies[:1], [verdict(a) for a in STORIES + copies[:1]])
        load_batch(con, "r2", copies[1:], [verdict(a) for a in copies[1:]])  # later copies
        hits = con.execute("SELECT watch, article_id, run_id FROM watch_hits ORDER BY watch, article_id").fetchall()
    hollywood = {a for w, a, _ in hits if w == "hollywood"}
    # STORIES[0] (WGA strike), STORIES[1] (mentions the strike), the cluster of copies once
    assert hollywood == {STORIES[0].article_id, STORIES[1].article_id, copies[0].article_id}
    assert {r for w, _, r in hits if w == "hollywood"} == {"r1"}


def workwatch(*args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([str(EXE), *args], capture_output=True, text=True, timeout=300, env=env)


def test_watch_test_and_run_from_the_cli(tmp_path):
    db = tmp_path / "w.duckdb"
    with write_connection(db) as con:
        load_batch(con, "r1", STORIES, [verdict(a) for a in STORIES])
    watches = tmp_path / "watches.toml"
    watches.write_text(GOOD, encoding="utf-8")
    done = workwatch("watch", "test", "hollywood", "--days", "30", "--watches", str(watches),
                     "--db", str(db), "--format", "json")
    assert done.returncode == 0, done.stderr
    assert {r["outlet"] for r in json.loads(done.stdout)} == {"variety.com", "reuters.com"}
    with read_connection(db) as con:  # test records nothing
        assert con.execute("SELECT count(*) FROM watch_hits").fetchone()[0] == 0
    done = workwatch("watch", "run", "hollywood", "--since", "2023-05-01", "--watches", str(watches),
                     "--db", str(db))
    assert done.returncode == 0, done.stderr
    assert "2 stories match, 2 new hits recorded" in done.stderr
    with read_connection(db) as con:  # re-applied hits are not alerted
        assert con.execute("SELECT count(*), count(notified_at) FROM watch_hits").fetchone() == (2, 2)
    again = workwatch("watch", "run", "hollywood", "--since", "2023-05-01", "--watches", str(watches),
                      "--db", str(db))
    assert "0 new hits" in again.stderr
    missing = workwatch("watch", "test", "nope", "--watches", str(watches), "--db", str(db))
    assert missing.returncode == 1 and "no watch named 'nope'" in missing.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text('[[watches]]\nname = "a"\nquery = "xx"\nnotfy = []\n')
    broken = workwatch("watch", "test", "a", "--watches", str(bad), "--db", str(db))
    assert broken.returncode == 1 and broken.stderr.strip() == \
        f"error: {bad}:4: unknown key 'notfy' in watch #1; allowed: ai_work_only, companies, " \
        "mode, name, notify, outlets, query, topics"


def test_digest_renders_markdown_html_and_text(tmp_path):
    db = tmp_path / "w.duckdb"
    with write_connection(db) as con:
        load_batch(con, "r1", STORIES, [verdict(a, () if a is STORIES[4] else ("policy",))
                                       for a in STORIES])
    for fmt, marker in (("markdown", "## Top stories"), ("html", "<h2>Top stories</h2>"),
                        ("text", "Top stories\n===========")):
        done = workwatch("digest", "--since", "2023-05-01", "--until", "2023-05-07", "--format", fmt,
                         "--db", str(db))
        assert done.returncode == 0, done.stderr
        assert marker in done.stdout and "4 AI×work stories" in done.stdout
        assert "policy: 4" in done.stdout
        assert "IBM pauses hiring" in done.stdout and "lemon cake" not in done.stdout


def test_digest_to_a_webhook(tmp_path):
    from tests.webhook_receiver import Receiver

    db = tmp_path / "w.duckdb"
    with write_connection(db) as con:
        load_batch(con, "r1", STORIES, [verdict(a) for a in STORIES])
    with Receiver() as rx:
        done = workwatch("digest", "--since", "2023-05-01", "--until", "2023-05-07", "--to", rx.url,
                         "--db", str(db))
        assert done.returncode == 0, done.stderr
        assert len(rx.messages) == 1 and "Top stories" in rx.messages[0]["message"]
        rx.fail = True
        failed = workwatch("digest", "--since", "2023-05-01", "--to", rx.url, "--db", str(db))
        assert failed.returncode == 1 and failed.stderr.startswith("error: digest not delivered to json://127.0.0.1:")


def test_watch_outlets_match_the_outlet_by_name_or_domain(tmp_path):
    """A watch's `outlets` names outlets as --outlet does (outlet_names, migration 040): the
    stored name or the domain, whichever the user writes."""
    from dataclasses import replace

    from warehouse.watches import match_run, matches, stored_outlet_names

    text = "Studios and the Writers Guild resumed talks on the use of AI in scripts."
    named = replace(article(40, "Writers Guild talks resume", text, "variety.com"),
                    outlet="Variety", feed="variety")           # ingest: the name feeds.toml gives
    by_domain = article(41, "Writers Guild strike day 40", text, "variety.com")  # replay: the domain
    other = article(42, "Writers Guild pickets in New York", text, "reuters.com")
    watches = parse_watches('[[watches]]\nname = "by-domain"\nquery = "guild"\noutlets = ["variety.com"]\n'
                            '[[watches]]\nname = "by-name"\nquery = "guild"\noutlets = ["Variety"]\n'
                            '[[watches]]\nname = "unknown"\nquery = "guild"\noutlets = ["nosuch.example"]\n'
                            ).watches
    db = tmp_path / "w.duckdb"
    with write_connection(db) as con:
        load_batch(con, "r1", [named], [verdict(named)])
        sync_watches(con, watches)  # resolves the outlets against the stored ones
        assert stored_outlet_names(con) == {"by-domain": ["Variety", "variety.com"],
                                            "by-name": ["Variety"],
                                            "unknown": ["nosuch.example"]}
        load_batch(con, "r2", [by_domain, other], [verdict(by_domain), verdict(other)])
        at_load = con.execute("SELECT watch, article_id FROM watch_hits").fetchall()
        sync_watches(con, watches)  # after the run (flows/alerts.py): synced, the run matched again
        match_run(con, watches, "r2")
        after_run = con.execute("SELECT watch, article_id FROM watch_hits").fetchall()
        # the same, resolved at the call (watch test / watch run)
        fresh = {w.name: {a for a, _ in matches(con, w, None)} for w in watches}
    want = {named.article_id, by_domain.article_id}
    # at load, with the names of the last sync: the domain named in the file is a stored name
    assert {a for w, a in at_load if w == "by-domain"} == {by_domain.article_id}
    assert {a for w, a in at_load if w == "by-name"} == set()
    # the run's own match after the sync: "Variety" now also names the rows stored as variety.com
    assert {a for w, a in after_run if w == "by-name"} == {by_domain.article_id}
    assert not [a for w, a in after_run if w == "unknown"]
    assert fresh == {"by-domain": want, "by-name": want, "unknown": set()}
