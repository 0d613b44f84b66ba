"""Analysts' labels in the warehouse (issue 17): label, labels export, eval --warehouse,
the `stories` view and story_facts, and training on them."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from classifiers.base import get_classifier
from classifiers.evaluate import load_labels
from extractors.types import Article, TextItem
from warehouse.db import write_connection
from warehouse.load import load_batch

STORIES = [
    ("a", "Bank cuts 4,000 jobs as AI chatbots replace call-centre staff",
     "The bank said generative AI tools would take over customer service work."),
    ("b", "Local football team wins the county cup after extra time",
     "Fans celebrated in the town square until late."),
    ("c", "Chipmaker shares jump on strong AI demand",
     "Investors cheered the results as datacentre sales doubled."),
]


def _article(key: str, title: str, summary: str) -> Article:
    url = f"https://labels.example/news/{key}"
    return Article(
        article_id=hashlib.sha256(url.encode()).hexdigest()[:16], url=url, canonical_url=url,
        feed="lab", outlet="Label Times", guid=key, title=title, summary=summary, author=None,
        published_at=datetime(2026, 3, 2), first_seen_at=datetime(2026, 3, 2), language="en",
        text=summary, word_count=len(summary.split()),
        text_hash=hashlib.sha256(summary.encode()).hexdigest(), source="feed")


@pytest.fixture
def warehouse(tmp_path) -> tuple[Path, dict[str, str]]:
    db = tmp_path / "w.duckdb"
    arts = [_article(*s) for s in STORIES]
    clf = get_classifier()
    with write_connection(db) as con:
        load_batch(con, "run-1", arts, clf.classify(
            [TextItem(a.article_id, a.title, a.summary, a.text) for a in arts]))
    return db, {s[0]: a.article_id for s, a in zip(STORIES, arts)}


def run(*args: str, env: dict | None = None):
    from cli.main import app

    return CliRunner().invoke(app, list(args), env={"WORKWATCH_USER": "ana", **(env or {})})


def _story(db: Path, article_id: str) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        cur = con.execute("SELECT * FROM stories WHERE article_id = ?", [article_id])
        row = cur.fetchone()
        return dict(zip([d[0] for d in cur.description], row))
    finally:
        con.close()


def test_label_corrects_the_story_and_keeps_history(warehouse):
    db, ids = warehouse
    before = _story(db, ids["c"])
    assert before["is_labelled"] is False and before["labelled_by"] is None
    r = run("label", ids["c"], "--ai-work", "yes", "--topics", "hiring,wages", "--db", str(db))
    assert r.exit_code == 0, r.output
    assert "by ana" in r.output
    s = _story(db, ids["c"])
    assert (s["is_ai_work"], s["topics"], s["is_labelled"], s["labelled_by"]) == \
        (True, ["hiring", "wages"], True, "ana")
    assert s["classifier_is_ai_work"] == before["is_ai_work"]
    # a later label wins; the earlier one stays in the history
    r = run("label", ids["c"], "--ai-work", "no", "--note", "stock prices", "--who", "bo",
            "--db", str(db))
    assert r.exit_code == 0, r.output
    s = _story(db, ids["c"])
    assert (s["is_ai_work"], s["topics"], s["labelled_by"], s["label_note"]) == \
        (False, [], "bo", "stock prices")
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM labels").fetchone()[0] == 2
        facts = con.execute("SELECT is_ai_work, topics FROM story_facts WHERE article_id = ?",
                            [ids["c"]]).fetchone()
        assert facts == (False, [])  # trends count the corrected verdict
        n = con.execute("SELECT count(*) FROM stories").fetchone()[0]
    finally:
        con.close()
    assert n == len(STORIES)


def test_label_errors(warehouse):
    db, ids = warehouse
    r = run("label", "nope", "--ai-work", "yes", "--db", str(db))
    assert r.exit_code == 1 and "no article 'nope'" in r.output
    assert len(r.output.strip().splitlines()) == 1
    r = run("label", ids["a"], "--ai-work", "yes", "--topics", "hiring,robots", "--db", str(db))
    assert r.exit_code == 2
    assert "unknown topic robots; valid topics: displacement, hiring, skills" in r.output
    r = run("label", ids["a"], "--ai-work", "maybe", "--db", str(db))
    assert r.exit_code == 2
    r = run("label", ids["a"], "--ai-work", "yes", "--db", str(db.with_name("typo.duckdb")))
    assert r.exit_code == 1 and "no warehouse" in r.output


def test_export_eval_and_train_use_the_labels(warehouse, tmp_path):
    db, ids = warehouse
    assert run("label", ids["a"], "--ai-work", "yes", "--topics", "displacement",
               "--db", str(db)).exit_code == 0
    assert run("label", ids["b"], "--ai-work", "no", "--db", str(db)).exit_code == 0
    out = tmp_path / "mine.jsonl"
    r = run("labels", "export", "--output", str(out), "--db", str(db))
    assert r.exit_code == 0, r.output
    assert "2 labels" in r.output
    recs = [json.loads(x) for x in out.read_text().splitlines()]
    assert {k for k in ("id", "title", "summary", "text", "ai_work", "topics")} <= set(recs[0])
    rows = load_labels(out)  # the shared label files' format: eval and train read it
    assert {it.id: (g["ai_work"], sorted(g["topics"])) for it, g in rows} == \
        {ids["a"]: (True, ["displacement"]), ids["b"]: (False, [])}

    r = run("eval", "--warehouse", "--json", "--db", str(db))
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout.splitlines()[0])
    assert report["items"] == 2 and report["positives"] == 1
    assert "warehouse labels: 2" in report["labels"]
    assert run("eval", "--warehouse", "x.jsonl", "--db", str(db)).exit_code == 2

    from classifiers.train import warehouse_labels

    extra = warehouse_labels(db)
    assert {it.id: g["ai_work"] for it, g in extra} == {ids["a"]: True, ids["b"]: False}


def test_eval_warehouse_without_labels_is_one_line(warehouse):
    db, _ = warehouse
    r = run("eval", "--warehouse", "--db", str(db))
    assert r.exit_code == 1 and "no labels" in r.output


# ------------------------------------------------------------------ the dashboard's "correct this"


@pytest.fixture
def dashboard_db(tmp_path, monkeypatch):
    import sys

    from tests import dashboard_fixture as fx

    db = fx.build_warehouse(tmp_path / "dash.duckdb")
    monkeypatch.setenv("WORKWATCH_DB", str(db))
    monkeypatch.setenv("WORKWATCH_USER", "dana")
    main = sys.modules["__main__"]
    yield db
    sys.modules["__main__"] = main  # AppTest installs the app as __main__


def _open_story(address: str | None, title: str):
    from streamlit import config
    from streamlit.testing.v1 import AppTest

    from tests import dashboard_fixture as fx

    app = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
    config.set_option("server.address", address)
    at = AppTest.from_file(str(app), default_timeout=60).run()
    at.switch_page("views/stories.py").run()
    at.toggle(key="browse_ai_work_only").set_value(False).run()  # a story corrected to "no" stays listed
    at.selectbox(key="browse_story").set_value(fx.article_id_of(title)).run()
    assert not at.exception, [e.value for e in at.exception]
    return at, fx.article_id_of(title)


def test_dashboard_correct_this_writes_one_label(dashboard_db):
    from streamlit import config

    from tests import dashboard_fixture as fx

    try:
        at, aid = _open_story("127.0.0.1", fx.PLAIN_TITLE)
        at.radio(key=f"correct_ai_work_{aid}").set_value("no")
        at.text_input(key=f"correct_note_{aid}").set_value("robots without AI framing")
        (save,) = [b for b in at.button if b.label == "Save the correction"]
        save.click().run()
        assert not at.exception, [e.value for e in at.exception]
        texts = [t.value for t in at.text]
    finally:
        config.set_option("server.address", None)
    assert any(t.startswith("Analyst's label: not AI×work, by dana") for t in texts), texts
    assert any("dana: not AI×work — robots without AI framing" in t for t in texts), texts
    s = _story(dashboard_db, aid)
    assert (s["is_ai_work"], s["is_labelled"], s["labelled_by"]) == (False, True, "dana")
    listed = at.dataframe[0].value.set_index("article_id")
    assert listed.loc[aid, "labelled_by"] == "dana"  # the story list says who labelled what


def test_dashboard_served_beyond_this_machine_stays_read_only(dashboard_db):
    from streamlit import config

    from tests import dashboard_fixture as fx

    try:
        at, aid = _open_story("0.0.0.0", fx.PLAIN_TITLE)
    finally:
        config.set_option("server.address", None)
    assert not at.get("form") and "Save the correction" not in [b.label for b in at.button]
    assert any("Corrections are off" in c.value for c in at.caption)
