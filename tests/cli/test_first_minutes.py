"""The first five minutes (issue 18): --version, init, feeds add/test over real loopback HTTP,
the feeds group, one outlet identity, empty answers said aloud, replay's own warehouse."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from datetime import datetime
from importlib.metadata import version
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from extractors.config import parse_config
from extractors.types import Article, Classification, Evidence, Feed
from cli.main import app
from tests.servers import RouteServer
from warehouse.watches import parse_watches

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


# ---------------------------------------------------------------- --version


@pytest.mark.parametrize("args", [["--version"], ["-V"], ["version"]])
def test_version_three_ways(args):
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"workwatch {version('workwatch')}"


def test_version_of_the_installed_command():
    import subprocess
    import sys

    exe = Path(sys.executable).parent / "workwatch"
    done = subprocess.run([str(exe), "-V"], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, f"workwatch {version('workwatch')}\n", "")


# ---------------------------------------------------------------- init


def _uncommented_example(text: str, header: str) -> str:
    """The commented example tables of a template, made live (leading "# " removed)."""
    start = text.index("# For example")
    lines = []
    for line in text[start:].splitlines()[1:]:
        if line.startswith("# ") and (line[2:3] in ("[", "") or re.match(r"# [a-z_]+ = ", line)):
            lines.append(line[2:])
        elif line == "#":
            lines.append("")
        else:
            if lines and not line.startswith("#"):
                break
    return "\n".join(lines) + "\n"


def test_init_writes_commented_files_that_load_and_never_overwrites(tmp_path):
    target = tmp_path / "new" / "place"
    result = invoke("init", target)
    assert result.exit_code == 0, result.output
    feeds_text = (target / "feeds.toml").read_text()
    watches_text = (target / "watches.toml").read_text()
    assert feeds_text.startswith("#") and "workwatch feeds add" in feeds_text
    config = parse_config(feeds_text, "feeds.toml")
    assert config.feeds == () and config.schedule["cron"] == "0 6 * * *"
    assert parse_watches(watches_text).watches == ()
    # the commented examples are valid once uncommented
    example = parse_config(_uncommented_example(feeds_text, "[[feeds]]"))
    assert [f.name for f in example.feeds] == ["theguardian-tech"]
    watches = parse_watches(_uncommented_example(watches_text, "[[watches]]"))
    assert [w.name for w in watches.watches] == ["hollywood-ai", "layoffs"]
    assert watches.alerts.outage_runs == 3

    # ingest on the fresh file says what to do, at once (before Prefect starts)
    empty = invoke("ingest", "--feeds", target / "feeds.toml", "--db", tmp_path / "w.duckdb")
    assert empty.exit_code == 1 and "has no enabled feed: add one with `workwatch feeds add URL`" \
        in empty.output
    assert not (tmp_path / "w.duckdb").exists()

    (target / "feeds.toml").write_text("# mine\n")
    (target / "watches.toml").unlink()
    again = invoke("init", target)
    assert again.exit_code == 1
    assert "already exist" in again.output and len(again.output.strip().splitlines()) == 1
    assert (target / "feeds.toml").read_text() == "# mine\n"
    assert not (target / "watches.toml").exists()  # all or nothing


# ---------------------------------------------------------------- feeds add / test

ARTICLE_TEXT = (
    "Northbridge Insurance said on Monday it will cut 1,200 claims jobs over the next two years "
    "as artificial intelligence software takes over the routine processing of files. The union "
    "representing claims handlers said it would fight the layoffs and asked for retraining for "
    "the workers whose jobs are automated. ") * 3


def _site(server: RouteServer) -> None:
    base = f"http://127.0.0.1:{server.port}"
    home = (f'<html><head><title>Front page - Harbor Times</title>'
            f'<meta property="og:site_name" content="Harbor Times">'
            f'<link rel="alternate" type="application/rss+xml" title="All news" href="/news/rss.xml">'
            f'</head><body><h1>Harbor Times</h1></body></html>').encode()
    feed = (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Harbor Times: news</title>'
            f'<link>{base}/</link><description>news</description>'
            f'<item><title>Insurer to cut 1,200 jobs as AI takes over claims</title>'
            f'<link>{base}/news/insurer-ai-jobs.html</link><guid>a1</guid>'
            f'<pubDate>Mon, 01 May 2023 10:00:00 GMT</pubDate></item>'
            f'<item><title>Second</title><link>{base}/news/second.html</link></item>'
            f'</channel></rss>').encode()
    page = (f'<html><head><title>Insurer to cut 1,200 jobs as AI takes over claims</title></head>'
            f'<body><article><h1>Insurer to cut 1,200 jobs as AI takes over claims</h1>'
            f'<p>{ARTICLE_TEXT}</p></article></body></html>').encode()
    html = {"Content-Type": "text/html; charset=utf-8"}
    server.routes.update({
        "/": lambda r: (200, html, home),
        "/plain": lambda r: (200, html, b"<html><head><title>x</title></head><body>no feed</body></html>"),
        "/news/rss.xml": lambda r: (200, {"Content-Type": "application/rss+xml"}, feed),
        "/news/insurer-ai-jobs.html": lambda r: (200, html, page),
        "/news/second.html": lambda r: (200, html, page),
        "/robots.txt": lambda r: (200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n"),
    })


EXISTING = """# my feeds, hand-written: keep this comment and layout exactly
[fetch]
per_host_delay_s = 0.0   # tests

[[feeds]]
name   = "old"          # aligned on purpose
url    = "https://old.example/feed"
outlet = "Old"
"""


@pytest.fixture
def site():
    with RouteServer() as server:
        _site(server)
        yield server


def test_feeds_add_discovers_from_a_homepage_and_appends_without_reformatting(tmp_path, site):
    feeds = tmp_path / "feeds.toml"
    feeds.write_text(EXISTING)
    feeds.chmod(0o640)
    result = invoke("feeds", "add", f"http://127.0.0.1:{site.port}/", "--feeds", feeds)
    assert result.exit_code == 0, result.output
    feed_url = f"http://127.0.0.1:{site.port}/news/rss.xml"
    text = feeds.read_text()
    assert text.startswith(EXISTING)  # byte for byte: nothing above the new table changed
    config = parse_config(text)
    added = config.feeds[-1]
    assert (added.name, added.url, added.outlet) == ("127.0.0.1", feed_url, "Harbor Times")
    assert feeds.stat().st_mode & 0o777 == 0o640
    assert not list(tmp_path.glob(".feeds.toml.*"))  # no temporary file left
    assert f"found the feed {feed_url}" in result.output and "2 items" in result.output

    again = invoke("feeds", "add", feed_url, "--feeds", feeds, "--name", "other")
    assert again.exit_code == 1 and "already in" in again.output and "'127.0.0.1'" in again.output
    assert feeds.read_text() == text


def test_feeds_add_name_outlet_and_refusals(tmp_path, site):
    feeds = tmp_path / "feeds.toml"
    feeds.write_text(EXISTING)
    base = f"http://127.0.0.1:{site.port}"
    taken = invoke("feeds", "add", f"{base}/news/rss.xml", "--feeds", feeds, "--name", "old")
    assert taken.exit_code == 2 and "taken" in taken.output
    bad = invoke("feeds", "add", f"{base}/news/rss.xml", "--feeds", feeds, "--name", "Bad Name")
    assert bad.exit_code == 2
    nofeed = invoke("feeds", "add", f"{base}/plain", "--feeds", feeds)
    assert nofeed.exit_code == 1 and "neither a feed nor a page that names one" in nofeed.output
    missing = invoke("feeds", "add", f"{base}/gone.xml", "--feeds", feeds)
    assert missing.exit_code == 1 and "404" in missing.output
    assert feeds.read_text() == EXISTING
    dry = invoke("feeds", "add", f"{base}/news/rss.xml", "--feeds", feeds, "--name", "harbor",
                 "--outlet", "The Harbor Times", "--dry-run")
    assert dry.exit_code == 0 and 'name = "harbor"' in dry.stdout and feeds.read_text() == EXISTING
    done = invoke("feeds", "add", f"{base}/news/rss.xml", "--feeds", feeds, "--name", "harbor",
                  "--outlet", "The Harbor Times")
    assert done.exit_code == 0, done.output
    assert [(f.name, f.outlet) for f in parse_config(feeds.read_text()).feeds] == [
        ("old", "Old"), ("harbor", "The Harbor Times")]
    # a new feeds.toml is created when there is none
    fresh = tmp_path / "fresh" / "feeds.toml"
    fresh.parent.mkdir()
    made = invoke("feeds", "add", f"{base}/news/rss.xml", "--feeds", fresh)
    assert made.exit_code == 0 and parse_config(fresh.read_text()).feeds[0].outlet == "Harbor Times: news"


def test_feeds_test_prints_what_would_be_stored_and_writes_nothing(tmp_path, site, monkeypatch):
    monkeypatch.chdir(tmp_path)
    base = f"http://127.0.0.1:{site.port}"
    feeds = tmp_path / "feeds.toml"
    feeds.write_text(EXISTING + f'\n[[feeds]]\nname = "harbor"\nurl = "{base}/news/rss.xml"\n'
                                f'outlet = "Harbor Times"\n')
    before = sorted(p.name for p in tmp_path.iterdir())
    result = invoke("feeds", "test", "harbor", "--feeds", feeds, "--json")
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    assert got["feed"] == "harbor" and got["items"] == 2 and got["outlet"] == "Harbor Times"
    article = got["article"]
    assert article["title"] == "Insurer to cut 1,200 jobs as AI takes over claims"
    assert article["url"] == f"{base}/news/insurer-ai-jobs.html"
    assert article["is_ai_work"] is True and "displacement" in article["topics"]
    assert article["word_count"] > 100 and "ai:" in article["evidence"]
    shown = invoke("feeds", "test", f"{base}/", "--feeds", feeds)  # a homepage works too
    assert shown.exit_code == 0, shown.output
    assert "would store" in shown.stdout and "Harbor Times" in shown.stdout
    assert "nothing was written" in shown.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no warehouse, no archive
    unknown = invoke("feeds", "test", "nope", "--feeds", feeds)
    assert unknown.exit_code == 2 and "harbor" in unknown.output


def test_feeds_is_a_group_and_bare_feeds_is_still_feed_health(tmp_path):
    feeds = tmp_path / "feeds.toml"
    feeds.write_text(EXISTING)
    health = invoke("feeds", "--feeds", feeds, "--format", "csv")
    assert health.exit_code == 0
    assert health.stdout.splitlines()[1].startswith("old,Old,True,never checked")
    opml = tmp_path / "in.opml"
    opml.write_text('<?xml version="1.0"?><opml version="2.0"><body>'
                    '<outline text="Ex" xmlUrl="https://ex.example/rss"/></body></opml>')
    imported = invoke("feeds", "import", opml, "--feeds", feeds)
    assert imported.exit_code == 0, imported.output
    exported = invoke("feeds", "export", "-o", "-", "--feeds", feeds)
    assert exported.exit_code == 0 and "https://ex.example/rss" in exported.stdout
    alias = invoke("feeds-export", "-o", "-", "--feeds", feeds)  # the first name still works
    assert alias.exit_code == 0 and alias.stdout == exported.stdout
    top = invoke("--help")
    assert "feeds-export" not in top.stdout  # hidden alias


# ---------------------------------------------------------------- one outlet identity


def _article(url: str, outlet: str, when: str, title: str, text: str) -> Article:
    return Article(
        article_id=hashlib.sha256(url.encode()).hexdigest()[:16], url=url, canonical_url=url,
        feed="f", outlet=outlet, guid=None, title=title, summary="", author=None,
        published_at=datetime.fromisoformat(when), first_seen_at=datetime(2024, 2, 1),
        language="en", text=text, word_count=len(text.split()),
        text_hash=hashlib.sha256(text.encode()).hexdigest(), source="feed")


def _verdict(a: Article, ai_work: bool) -> Classification:
    ev = (Evidence("ai", "AI", "title", 0, 2),) if ai_work else ()
    return Classification(item_id=a.article_id, classifier="rules", version="t-1",
                          ai_score=0.9 if ai_work else 0.1, work_score=0.9 if ai_work else 0.1,
                          is_ai_work=ai_work, topics=("displacement",) if ai_work else (),
                          evidence=ev, is_ai=ai_work, is_work=ai_work)


@pytest.fixture
def two_names_db(tmp_path) -> Path:
    """The Guardian as ingest stores it and as a replay stores it, plus another outlet."""
    from warehouse.db import write_connection
    from warehouse.load import load_batch, sync_feeds

    db = tmp_path / "w.duckdb"
    arts = [
        _article("https://www.theguardian.com/a", "The Guardian", "2024-01-08T10:00",
                 "Bank to cut jobs as AI arrives", "bank cuts jobs " * 20),
        _article("https://www.theguardian.com/b", "The Guardian", "2024-01-09T10:00",
                 "Storms hit the coast", "weather storms rain " * 20),
        _article("https://theguardian.com/c", "theguardian.com", "2024-01-10T10:00",
                 "Union fights AI rollout at call centre", "call centre union " * 20),
        _article("https://news.example/d", "Example News", "2024-01-10T11:00",
                 "AI hiring tools probed", "hiring tools probe " * 20),
    ]
    with write_connection(db) as con:
        sync_feeds(con, [Feed("guardian", "https://www.theguardian.com/uk/rss", "The Guardian"),
                         Feed("quiet", "https://quiet.example/rss", "Quiet Outlet")])
        load_batch(con, "run-1", arts, [_verdict(a, "AI" in a.title) for a in arts])
    return db


def _stories(db, outlet):
    result = invoke("query", "stories", "--outlet", outlet, "--db", db, "--format", "json")
    assert result.exit_code == 0, result.output
    return sorted(r["title"] for r in json.loads(result.stdout))


def test_an_outlet_is_one_identity_matched_by_name_or_domain(two_names_db):
    db = two_names_db
    both = ["Bank to cut jobs as AI arrives", "Union fights AI rollout at call centre"]
    assert _stories(db, "The Guardian") == both
    assert _stories(db, "theguardian.com") == both
    assert _stories(db, "www.TheGuardian.com") == both
    assert _stories(db, "news.example") == ["AI hiring tools probed"]
    trend = invoke("query", "trend", "--outlet", "theguardian.com", "--db", db, "--format", "json")
    assert sum(r["all_stories"] for r in json.loads(trend.stdout)) == 3
    con = duckdb.connect(str(db), read_only=True)
    assert sorted(con.execute("SELECT name, domain, articles FROM outlets").fetchall()) == [
        ("Example News", "news.example", 1), ("Quiet Outlet", "quiet.example", 0),
        ("The Guardian", "theguardian.com", 2), ("theguardian.com", "theguardian.com", 1)]
    con.close()
    wrong = invoke("query", "stories", "--outlet", "theguardian.co", "--db", db)
    assert wrong.exit_code == 2
    assert "did you mean 'theguardian.com'?" in wrong.output
    assert "The Guardian (theguardian.com)" in wrong.output


# ---------------------------------------------------------------- empty answers


def test_empty_sql_and_query_say_0_rows_on_stderr(two_names_db):
    db = two_names_db
    empty = invoke("sql", "select title from stories where false", "--db", db, "--format", "csv")
    assert empty.exit_code == 0
    assert empty.stdout == "title\n" and empty.stderr == ""  # csv/json: the data says it
    table = invoke("sql", "select title from stories where false", "--db", db)
    assert table.stderr.strip() == "0 rows" and "0 rows" not in table.stdout
    rows = invoke("sql", "select 1 AS one", "--db", db)
    assert "0 rows" not in rows.stderr
    rising = invoke("query", "rising", "--interval", "week", "--db", db)  # data start 01-08
    assert rising.exit_code == 0 and rising.stdout.strip()
    assert rising.stderr.startswith("note: no AI×work stories in the previous period "
                                    "(2023-12-28 to 2024-01-04)")
    none = invoke("query", "rising", "--since", "2024-01-20", "--until", "2024-01-30", "--db", db)
    assert none.exit_code == 0
    assert none.stderr.startswith("0 rows: no AI×work stories in the current period "
                                  "(2024-01-20 to 2024-01-31)")
    named = invoke("query", "stories", "--since", "2030-01-01", "--db", db)
    assert named.exit_code == 0 and named.stderr.strip() == "0 rows"


# ---------------------------------------------------------------- replay's own warehouse


def test_replay_defaults_to_its_own_warehouse_and_talks_when_not_on_a_terminal(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    source = tmp_path / "items.jsonl.gz"
    with gzip.open(source, "wt", encoding="utf-8") as fh:
        for i in range(30):
            fh.write(json.dumps({"published": f"2023-05-{1 + i % 28:02d} 10:00:00+00:00",
                                 "feed_url": "https://feeds.example.com/rss",
                                 "title": f"Item {i} about AI and jobs", "summary": "s",
                                 "url": f"https://www.example.com/a{i}"}) + "\n")
    assert "data/replay.duckdb" in invoke("replay", "--help").stdout
    result = invoke("replay", source, "--batch-size", "10", "--workers", "1")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "data" / "replay.duckdb").is_file()
    assert not (tmp_path / "data" / "workwatch.duckdb").exists()
    assert "-> data/replay.duckdb" in result.stdout
    lines = result.stderr.splitlines()
    assert lines[0].startswith("replay: counting the items of")
    assert lines[1].startswith("replay: classifying and loading 30 items into data/replay.duckdb")
    assert lines[-1].startswith("replay: 30 of 30 items (100%)")


# ---------------------------------------------------------------- charts people can read


def test_the_dashboard_opens_on_the_span_of_the_stories():
    from datetime import date

    from dashboards.data import WarehouseInfo, default_days

    def info(first, last, story_first, story_last):
        return WarehouseInfo(first, last, 10, (), None, True, story_first, story_last)

    # a 2023 replay plus today's fetches: the stories' year, not 2023 to today
    replay = info(date(2023, 1, 1), date(2026, 12, 7), date(2023, 1, 1), date(2023, 12, 31))
    assert default_days(replay, date(2026, 12, 7)) == (date(2023, 1, 1), date(2023, 12, 31))
    # current data: the last 90 days of it
    live = info(date(2025, 1, 1), date(2026, 12, 7), date(2025, 1, 1), date(2026, 12, 6))
    assert default_days(live, date(2026, 12, 7)) == (date(2026, 9, 8), date(2026, 12, 6))
    young = info(date(2026, 12, 1), date(2026, 12, 7), date(2026, 12, 1), date(2026, 12, 7))
    assert default_days(young, date(2026, 12, 7)) == (date(2026, 12, 1), date(2026, 12, 7))
    assert default_days(info(None, None, None, None), date(2026, 12, 7)) is None


def test_share_chart_scales_to_small_shares_and_shows_values_on_hover():
    import pandas as pd

    from dashboards import charts

    trend = pd.DataFrame({"period": pd.to_datetime(["2023-01-02", "2023-01-09"]),
                          "all_stories": [12_000, 15_500], "ai_work_stories": [36, 47],
                          "ai_work_pct": [0.3, 0.303]})
    spec = charts.share_chart(trend, pd.DataFrame(), "week").to_dict()
    y = spec["encoding"]["y"]
    assert "domain" not in y.get("scale", {}) and y["scale"]["zero"] is True
    assert y["axis"]["format"] == ".2f"
    tips = {t["field"]: t for t in spec["encoding"]["tooltip"]}
    assert tips["ai_work_pct"]["format"] == ".2f" and tips["all_stories"]["format"] == ","
    bars = charts.trend_chart(trend, pd.DataFrame(), "week").to_dict()
    assert {t["field"]: t.get("format") for t in bars["encoding"]["tooltip"]}["all_stories"] == ","


@pytest.fixture
def dashboard_db(tmp_path, monkeypatch):
    import sys

    from tests import dashboard_fixture as fx

    db = fx.build_warehouse(tmp_path / "w.duckdb")
    monkeypatch.setenv("WORKWATCH_DB", str(db))
    main = sys.modules["__main__"]
    yield db
    sys.modules["__main__"] = main  # AppTest installs the app as __main__


def test_each_chart_offers_its_data_and_the_overview_has_its_own_url(dashboard_db):
    from streamlit.testing.v1 import AppTest

    app = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
    at = AppTest.from_file(str(app), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    buttons = [b for b in at.get("download_button")]
    assert buttons and "Download CSV" in buttons[0].proto.label
    commands = [c.value for c in at.code]
    assert any(c.startswith("workwatch query trend --since 2026-03-02 --until 2026-03-20 "
                            "--interval week --format csv --db ") for c in commands), commands
    at.switch_page("views/topics.py").run()
    assert not at.exception
    assert any(c.value.startswith("workwatch query topics") for c in at.code)
    # /overview is a page of its own (hidden in the menu; "/" serves the same page); the
    # real-browser test opens it (tests/dashboards/test_dashboard_browser.py)
    probe = AppTest.from_function(_page_paths, default_timeout=60).run()
    shown = {tuple(p) for p in json.loads(probe.text[0].value)}
    assert {("", "visible"), ("overview", "hidden"), ("topics", "visible")} <= shown


def _page_paths():
    import json

    import streamlit as st

    import dashboards.app as dashboard_app

    st.text(json.dumps(sorted((p.url_path, p.visibility) for p in dashboard_app.pages())))


# ---------------------------------------------------------------- progress as it happens


def test_a_batch_advances_the_articles_bar_page_by_page(tmp_path):
    """A backfill's bar sat at 0/28 while the batch's pages were fetched, then jumped to
    28/28: process_batch now advances it as each page is done."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from extractors.http import Fetcher
    from extractors.settings import FetchSettings
    from extractors.types import FeedItem
    from flows import pipeline
    from flows.progress import set_reporter

    html = {"Content-Type": "text/html; charset=utf-8"}
    page = f"<html><body><article><p>{ARTICLE_TEXT}</p></article></body></html>".encode()
    routes = {f"/a{i}.html": (lambda r: (200, html, page)) for i in range(12)}
    routes["/robots.txt"] = lambda r: (200, {"Content-Type": "text/plain"}, b"User-agent: *\n")
    events: list[tuple[str, int]] = []

    class Recorder:
        def start(self, stage, total):
            events.append(("start", total))

        def advance(self, stage, amount=1):
            events.append(("advance", amount))

        def note(self, message):
            pass

    class Archive:
        def write(self, pages):
            events.append(("archived", len(pages)))
            return pages

    async def go(srv):
        base = f"http://127.0.0.1:{srv.port}"
        items = [FeedItem("f", "o", f"{base}/a{i}.html", f"{base}/a{i}.html", None, f"t{i}")
                 for i in range(12)]
        async with Fetcher(FetchSettings(per_host_delay_s=0.0, retries=0)) as fetcher:
            rt = pipeline.Runtime(run_id="r", db_path=tmp_path / "w.duckdb", data_dir=tmp_path,
                                  fetcher=fetcher, pool=ThreadPoolExecutor(2), archive=Archive(),
                                  batch_size=100, workers=2)
            rt.feed_hosts = {"f": f"127.0.0.1:{srv.port}"}
            try:
                return await pipeline.process_batch(rt, items), rt.progress_shown
            finally:
                rt.pool.shutdown()

    set_reporter(Recorder())
    try:
        with RouteServer(routes) as srv:
            result, shown = asyncio.run(go(srv))
    finally:
        set_reporter(None)
    advances = [n for kind, n in events if kind == "advance"]
    assert advances[:12] == [1] * 12 and sum(advances) == 12 == shown
    # every page was counted before the chunk holding it went on to extraction
    first_archived = next(i for i, e in enumerate(events) if e[0] == "archived")
    assert sum(n for kind, n in events[:first_archived] if kind == "advance") >= events[first_archived][1]
    assert result.attempted == 12 and result.new_articles == 12
