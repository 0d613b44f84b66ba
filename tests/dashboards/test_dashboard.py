"""The dashboard, page by page, with Streamlit's AppTest on a hand-made warehouse: the figures
shown match the warehouse, topic colours are fixed, article text stays text, and the reads
are read-only (they wait out an ingest's write lock, and never write)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from tests import dashboard_fixture as fx

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
TIMEOUT = 60


@pytest.fixture(autouse=True)
def keep_main_module():
    """AppTest installs the app as sys.modules["__main__"]; put pytest's back, or a later
    test's spawned worker processes would re-run the app as their main module."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return fx.build_warehouse(tmp_path_factory.mktemp("dashboard") / "w.duckdb")


@pytest.fixture
def db(warehouse, monkeypatch) -> Path:
    monkeypatch.setenv("WORKWATCH_DB", str(warehouse))
    return warehouse


def open_app(page: str | None = None):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    if page:
        at.switch_page(f"views/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def charts(at) -> list[dict]:
    """Each Vega-Lite chart's spec, with its data sets (sent apart, as Arrow) put back."""
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    specs = []
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        spec["datasets"] = {d.name: convert_arrow_bytes_to_pandas_df(d.data.data).to_dict("records")
                            for d in chart.proto.datasets}
        specs.append(spec)
    return specs


def texts(at) -> list[str]:
    return [t.value for t in at.text]


def rows(db: Path, query: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


# ------------------------------------------------------------------ overview


def test_overview_headline_numbers_match_the_warehouse(db):
    stories, ai_work = rows(db, "SELECT count(DISTINCT cluster_id), "
                                "count(DISTINCT cluster_id) FILTER (WHERE is_ai_work) FROM stories")[0]
    assert (stories, ai_work) == (fx.STORIES, fx.AI_WORK)

    at = open_app()
    shown = metrics(at)
    assert shown["Stories collected"] == str(stories)
    assert shown["AI×work stories"] == str(ai_work)
    assert shown["AI×work share"] == fx.SHARE
    assert shown["Feeds with gaps"] == "2"
    assert shown["Feeds failing now"] == "1"
    assert len(charts(at)) == 2


def test_overview_marks_feed_gaps_per_week(db):
    at = open_app()
    gaps = at.dataframe[0].value
    assert [(str(r.period.date()), r.feed, r.error_days, r.no_fetch_days) for r in gaps.itertuples()] == [
        ("2026-03-09", "courier", 1, 0), ("2026-03-16", "courier", 2, 0), ("2026-03-16", "lens", 0, 1)]
    trend = charts(at)[0]
    band_data = trend["datasets"][trend["layer"][0]["data"]["name"]]
    assert sorted(row["feeds"] for row in band_data) == ["courier", "courier, lens"]
    bars = trend["datasets"][trend["layer"][1]["data"]["name"]]
    assert [row["ai_work_stories"] for row in bars] == [2, 2, 2]
    assert trend["layer"][1]["encoding"]["x"]["type"] == "temporal"


def test_overview_counts_every_copy_and_follows_the_date_range(db):
    at = open_app()
    at.radio(key="count").set_value("articles").run()
    assert metrics(at)["Stories collected"] == "10"
    assert metrics(at)["AI×work stories"] == "7"
    assert metrics(at)["AI×work share"] == "70.0 %"

    at.radio(key="count").set_value("stories")
    at.date_input(key="dates").set_value((date(2026, 3, 9), date(2026, 3, 15))).run()
    assert metrics(at)["Stories collected"] == "3"
    assert metrics(at)["AI×work stories"] == "2"
    assert metrics(at)["Feeds with gaps"] == "1"  # courier's error on 10 March


def test_interval_by_day_puts_days_on_the_x_axis(db):
    at = open_app()
    at.selectbox(key="interval").set_value("day").run()
    trend = charts(at)[0]
    bars = trend["layer"][1]
    assert bars["encoding"]["x"]["title"] == "Day"
    assert len(trend["datasets"][bars["data"]["name"]]) == 19  # 2..20 March, empty days too


def add_story(db: Path, day: int, title: str) -> None:
    """What an ingest does: one more AI×work story, loaded with load_batch."""
    from datetime import datetime

    from warehouse.db import write_connection
    from warehouse.load import load_batch

    spec = fx.Spec("ledger", datetime(2026, 3, day, 9), title, ("hiring",), True, 50 + day)
    article = fx.article_of(spec)
    with write_connection(db) as con:
        load_batch(con, "later", [article], [fx.classification_of(spec, article)])


def test_the_open_dashboard_follows_new_days_unless_a_range_was_picked(warehouse, tmp_path,
                                                                       monkeypatch):
    db = tmp_path / "growing.duckdb"
    shutil.copy(warehouse, db)
    monkeypatch.setenv("WORKWATCH_DB", str(db))
    at = open_app()
    add_story(db, 25, "Hiring managers turn to AI screening")
    at.run()
    assert at.date_input(key="dates").value == (date(2026, 3, 2), date(2026, 3, 25))
    assert metrics(at)["AI×work stories"] == str(fx.AI_WORK + 1)

    at.date_input(key="dates").set_value((date(2026, 3, 9), date(2026, 3, 25))).run()
    add_story(db, 27, "Recruiters adopt AI interview tools")
    at.run()
    assert at.date_input(key="dates").value == (date(2026, 3, 9), date(2026, 3, 25))
    assert metrics(at)["AI×work stories"] == "5"  # 2 + 2 in the picked range, plus the 25th


# ------------------------------------------------------------------ topics and outlets


def colour_scales(spec: dict) -> list[dict]:
    found = []

    def walk(node):
        if isinstance(node, dict):
            colour = node.get("encoding", {}).get("color")
            if colour and colour.get("field") == "topic":
                found.append(colour["scale"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    return found


def test_topics_page_stacks_topics_in_fixed_colours(db):
    from classifiers.base import TOPICS
    from dashboards.charts import TOPIC_COLOURS

    assert tuple(TOPIC_COLOURS) == TOPICS
    at = open_app("topics")
    (spec,) = charts(at)
    (scale,) = colour_scales(spec)
    assert dict(zip(scale["domain"], scale["range"])) == TOPIC_COLOURS
    totals = at.dataframe[0].value
    assert dict(zip(totals["topic"], totals["stories"])) == {t: 1 for t in TOPICS}


def test_outlets_page_figures_and_the_same_topic_colours(db):
    from dashboards.charts import TOPIC_COLOURS

    at = open_app("outlets")
    table = at.dataframe[0].value.set_index("outlet")
    assert table.loc["Metro Courier", "stories"] == 4
    assert table.loc["Metro Courier", "ai_work_stories"] == 3
    assert table.loc["Daily Ledger", "ai_work_pct"] == pytest.approx(66.67)
    scales = [s for spec in charts(at) for s in colour_scales(spec)]
    assert scales and all(dict(zip(s["domain"], s["range"])) == TOPIC_COLOURS for s in scales)


# ------------------------------------------------------------------ story browser


def test_story_browser_lists_ai_work_stories_and_shows_one_with_its_evidence(db):
    at = open_app("stories")
    table = at.dataframe[0].value
    assert len(table) == 7  # every AI×work article, both copies of the syndicated story
    assert fx.PLAIN_TITLE in set(table["title"])
    at.selectbox(key="browse_story").set_value(fx.article_id_of(fx.PLAIN_TITLE)).run()
    assert fx.PLAIN_TITLE in texts(at)
    assert "Topics: displacement" in texts(at)
    evidence = at.dataframe[1].value
    assert list(evidence["signal"]) == ["ai", "work", "displacement"]
    assert evidence["term"].iloc[0] == "Artificial intelligence"
    assert "Artificial intelligence and workers" in evidence["context"].iloc[0]
    (link,) = at.get("link_button")
    assert link.proto.url.startswith("https://ledger.example/news/")


def test_story_browser_filters(db):
    at = open_app("stories")
    at.multiselect(key="browse_outlets").set_value(["Labor Lens"]).run()
    assert set(at.dataframe[0].value["outlet"]) == {"Labor Lens"}
    at.multiselect(key="browse_topics").set_value(["wages"]).run()
    assert list(at.dataframe[0].value["title"]) == ["Pay gap widens as AI tools spread"]
    at.multiselect(key="browse_outlets").set_value([])
    at.multiselect(key="browse_topics").set_value([])
    at.toggle(key="browse_ai_work_only").set_value(False)
    at.text_input(key="browse_search").set_value("HARBOUR BUDGET").run()
    assert list(at.dataframe[0].value["title"]) == ["City council approves harbour budget"]


def test_story_browser_shows_the_other_copies_of_a_syndicated_story(db):
    at = open_app("stories")
    at.selectbox(key="browse_story").set_value(
        fx.article_id_of("Careers in the age of AI: a field guide", "lens")).run()
    assert "Other copies (1)" in [s.value for s in at.subheader]
    copies = at.dataframe[-1].value
    assert list(copies["outlet"]) == ["Metro Courier"]


def test_untrusted_titles_stay_text_and_only_http_urls_become_links(db):
    at = open_app("stories")
    at.text_input(key="browse_search").set_value("<script>").run()
    assert list(at.dataframe[0].value["title"]) == [fx.SCRIPT_TITLE]
    assert fx.SCRIPT_TITLE in texts(at)

    at.text_input(key="browse_search").set_value("click here").run()
    table = at.dataframe[0].value
    assert list(table["title"]) == [fx.MARKDOWN_TITLE]
    assert table["url"].isna().all()  # javascript: is no link
    assert fx.MARKDOWN_TITLE in texts(at)
    assert not at.get("link_button")
    assert "Original address (not a web link): javascript:alert(3)" in texts(at)
    for element in list(at.markdown) + list(at.caption) + list(at.subheader):
        assert "alert(" not in element.value and "<script" not in element.value


# ------------------------------------------------------------------ feed health


def test_feed_health_page_shows_failures(db):
    at = open_app("feeds")
    table = at.dataframe[0].value.set_index("feed")
    assert table.loc["courier", "consecutive_failures"] == fx.COURIER_FAILURES_IN_A_ROW
    assert table.loc["courier", "errors_in_period"] == fx.COURIER_ERRORS
    assert table.loc["courier", "last_error"] == "HTTP 503"
    assert table.loc["lens", "days_without_data"] == 1
    assert table.loc["ledger", "days_without_data"] == 0
    (spec,) = charts(at)
    cells = spec["datasets"][spec["data"]["name"]]
    assert sum(c["status"] == "error" for c in cells) == 3
    assert [c["feed"] for c in cells if c["status"] == "no fetch"] == ["lens"]


# ------------------------------------------------------------------ the warehouse, read-only


def test_missing_warehouse_is_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKWATCH_DB", str(tmp_path / "none.duckdb"))
    at = open_app()
    assert "No warehouse at" in at.error[0].value


def test_outdated_warehouse_asks_for_an_upgrade(warehouse, tmp_path, monkeypatch):
    old = tmp_path / "old.duckdb"
    shutil.copy(warehouse, old)
    con = duckdb.connect(str(old))
    con.execute("DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)")
    con.close()
    monkeypatch.setenv("WORKWATCH_DB", str(old))
    at = open_app()
    assert "needs migrations" in at.error[0].value


def test_stale_story_facts_are_derived_privately_without_writing(warehouse, tmp_path, monkeypatch):
    stale = tmp_path / "stale.duckdb"
    shutil.copy(warehouse, stale)
    con = duckdb.connect(str(stale))  # a write that bypasses load_batch
    con.execute("INSERT INTO articles (article_id, url, canonical_url, feed, outlet, title, "
                "published_at, first_seen_at, source) VALUES ('x1', 'https://x.example/1', "
                "'https://x.example/1', 'ledger', 'Daily Ledger', 'Late AI story', "
                "TIMESTAMP '2026-03-05 10:00', TIMESTAMP '2026-03-05 10:00', 'urls')")
    con.execute("INSERT INTO classifications (article_id, classifier, version, ai_score, "
                "work_score, is_ai, is_work, is_ai_work, topics, evidence, classified_at) VALUES "
                "('x1', 'rules', 'test-1', 2, 1, TRUE, TRUE, TRUE, ['hiring'], '[]', "
                "TIMESTAMP '2026-03-05 10:00')")
    state = con.execute("SELECT * FROM story_facts_state").fetchall()
    con.close()
    monkeypatch.setenv("WORKWATCH_DB", str(stale))
    at = open_app()
    assert metrics(at)["Stories collected"] == str(fx.STORIES + 1)
    assert metrics(at)["AI×work stories"] == str(fx.AI_WORK + 1)
    assert any("computed on the fly" in i.value for i in at.info)
    assert rows(stale, "SELECT * FROM story_facts_state") == state  # nothing written


HOLD_LOCK = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def test_reads_wait_while_an_ingest_holds_the_write_lock(warehouse, tmp_path):
    from dashboards import data

    db = tmp_path / "busy.duckdb"
    shutil.copy(warehouse, db)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(db), "1.5"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        trend = data.trend(db, data.Period())
        waited = time.monotonic() - started
    finally:
        holder.wait(10)
    assert waited > 0.5
    assert int(trend["ai_work_stories"].sum()) == fx.AI_WORK


# ------------------------------------------------------------------ helpers and the command


def test_safe_url_allows_only_http_links():
    from dashboards.safety import safe_url

    assert safe_url("https://example.com/a?b=1") == "https://example.com/a?b=1"
    assert safe_url("HTTP://example.com/") == "HTTP://example.com/"
    for bad in ("javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)",
                "data:text/html,<script>alert(1)</script>", "http://", "//example.com/x",
                "https://exa mple.com/", "https://example.com/\nx", None, 42, ""):
        assert safe_url(bad) is None, bad


def test_escaped_text_has_no_markdown_left():
    from dashboards.safety import escaped

    assert escaped("[x](javascript:alert(1)) <b>") == r"\[x\]\(javascript\:alert\(1\)\) \<b\>"
    assert escaped("plain words") == "plain words"


def test_evidence_table_survives_bad_evidence():
    from dashboards.safety import evidence_table

    assert evidence_table("not json", {}).empty
    assert evidence_table('{"signal": "ai"}', {}).empty
    table = evidence_table('[{"signal": "hiring", "term": "hire", "field": "title", "start": 99, '
                           '"end": 120}, {"signal": "ai", "term": "AI", "field": "title", '
                           '"start": 0, "end": 2, "weight": "x"}]', {"title": "AI hires"})
    assert list(table["signal"]) == ["ai", "hiring"]
    assert list(table["context"]) == ["AI hires", ""]  # an out-of-range span shows no context


runner = CliRunner()


def test_dashboard_command_errors(tmp_path):
    import socket

    from cli.main import app

    result = runner.invoke(app, ["dashboard", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 1 and "no warehouse here yet" in result.output
    db = tmp_path / "w.duckdb"
    db.touch()
    result = runner.invoke(app, ["dashboard", "--db", str(db), "--port", "70000"])
    assert result.exit_code == 2 and "between 1 and 65535" in result.output
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(app, ["dashboard", "--db", str(db), "--port", str(port)])
    assert result.exit_code == 1 and f"cannot serve on 127.0.0.1:{port}" in result.output


def test_dashboard_command_runs_streamlit_headless_on_loopback():
    from cli.cmd_dashboard import APP_PATH, dashboard_url, streamlit_command

    command = streamlit_command("127.0.0.1", 8600)
    assert command[1:5] == ["-m", "streamlit", "run", str(APP_PATH)]
    options = dict(zip(command[5::2], command[6::2]))
    assert options["--server.address"] == "127.0.0.1"
    assert options["--server.headless"] == "true"
    assert options["--browser.gatherUsageStats"] == "false"
    assert dashboard_url("0.0.0.0", 8600) == "http://127.0.0.1:8600/"
    assert dashboard_url("::1", 8600) == "http://[::1]:8600/"
