"""Ranked search (issue 20): the query parser, the index kept in the load transaction,
BM25 ranking with the title boosted, snippets, the CLI, and the replay corpus."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from extractors.types import Article, Classification, article_id_for
from warehouse.db import read_connection, write_connection
from warehouse.load import load_batch
from warehouse.search import SearchFilters, index_missing, matching_ids, missing_count, search
from warehouse.search_query import And, Not, Or, QueryError, Term, parse

from tests.conftest import corpus_path

ROOT = Path(__file__).resolve().parents[2]
DAY = datetime(2023, 5, 2, 12, 0)


def article(n: int, title: str, text: str, outlet: str = "example.com", day: int = 0) -> Article:
    url = f"https://{outlet}/story-{n}"
    return Article(
        article_id=article_id_for(url), url=url, canonical_url=url, feed=outlet, outlet=outlet,
        guid=None, title=title, summary="", author=None, published_at=DAY + timedelta(days=day),
        first_seen_at=DAY + timedelta(days=day), language="en", text=text,
        word_count=len(text.split()), text_hash=hashlib.sha256(text.encode()).hexdigest()[:16])


def verdict(a: Article, topics=("policy",)) -> Classification:
    return Classification(item_id=a.article_id, classifier="rules", version="test",
                          ai_score=1.0, work_score=1.0, is_ai_work=bool(topics), topics=tuple(topics),
                          is_ai=True, is_work=True)


STORIES = [
    article(1, "Writers Guild strike begins over AI in Hollywood",
            "The Writers Guild of America went on strike on Tuesday. Writers want limits on "
            "artificial intelligence in the writers room and better residuals.", "variety.com"),
    article(2, "Stock markets rise",
            "Markets rose on Tuesday. Analysts mentioned that a strike by writers guild members "
            "in Hollywood could affect media stocks, among many other things, such as interest "
            "rates, earnings, oil prices, and the weather in the northern hemisphere.", "reuters.com"),
    article(3, "IBM pauses hiring for roles AI could do",
            "IBM's chief executive said hiring for back-office roles would pause, as AI could "
            "replace 7,800 jobs over five years.", "bloomberg.com", day=1),
    article(4, "Café workers and AI-driven scheduling",
            "Baristas at the café say AI-driven scheduling software cuts their hours.",
            "theguardian.com", day=2),
    article(5, "Recipe: lemon cake", "Mix the flour, sugar and eggs. Bake for 40 minutes.",
            "food.example", day=3),
]


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "w.duckdb"
    with write_connection(path) as con:
        load_batch(con, "r1", STORIES, [verdict(a, () if a is STORIES[4] else ("policy",))
                                       for a in STORIES])
    return path


# ------------------------------------------------------------------ parser


def test_parse_terms_phrases_operators_and_prefixes():
    assert parse("ai layoffs") == And((Term(("ai",), None, "ai"), Term(("layoffs",), None, "layoffs")))
    node = parse('"writers guild" OR title:strike NOT outlet:Reddit')
    assert node == Or((Term(("writers", "guild"), None, "writers guild"),
                       And((Term(("strike",), "title", "strike"),
                            Not(Term(("reddit",), "outlet", "Reddit"))))))
    assert parse("(a1 OR b2) -c3") == And((Or((Term(("a1",), None, "a1"), Term(("b2",), None, "b2"))),
                                          Not(Term(("c3",), None, "c3"))))
    assert parse("AI-driven Café") == And((Term(("ai", "driven"), None, "AI-driven"),
                                          Term(("cafe",), None, "Café")))


@pytest.mark.parametrize("query, message", [
    ("", "empty query"), ("(ai", "missing )"), ("foo:bar", "unknown prefix foo:"),
    ("NOT ai", "only excludes"), ("ai OR", "ends too early"), ("title:", "needs a word"),
    ("!!!", "no letters or digits"), ("ai )", "unexpected ')'"), ('"of the"', "very common"),
])
def test_parse_errors_are_one_line(query, message):
    with pytest.raises(QueryError) as info:
        parse(query)
    assert message in str(info.value) and "\n" not in str(info.value)


# ------------------------------------------------------------------ index and matching


def test_index_is_kept_in_the_load_transaction(db):
    with read_connection(db) as con:
        assert missing_count(con) == 0
        assert con.execute("SELECT count(*) FROM search_docs").fetchone()[0] == len(STORIES)
        # stopwords are not indexed; accents are folded
        terms = {r[0] for r in con.execute("SELECT DISTINCT term FROM search_postings").fetchall()}
    assert "the" not in terms and "cafe" in terms and "writers" in terms


def test_reloading_a_batch_changes_nothing(db):
    with write_connection(db) as con:
        before = con.execute("SELECT count(*) FROM search_postings").fetchone()[0]
        load_batch(con, "r2", STORIES, [verdict(a) for a in STORIES])
        assert con.execute("SELECT count(*) FROM search_postings").fetchone()[0] == before


def test_a_re_extracted_article_is_re_indexed(db):
    with write_connection(db) as con:
        con.execute("UPDATE articles SET text = 'Completely new words: zebra', text_hash = 'x' "
                    "WHERE article_id = ?", [STORIES[4].article_id])
        assert missing_count(con) == 1
        assert index_missing(con) == 1
        assert matching_ids(con, "zebra") == {STORIES[4].article_id}
        assert matching_ids(con, "flour") == set()


@pytest.mark.parametrize("query, expected", [
    ("strike", {0, 1}),
    ('"writers guild"', {0, 1}),
    ('"guild writers"', set()),
    ("title:strike", {0}),
    ("strike NOT outlet:reuters", {0}),
    ("strike -hollywood", set()),
    ("ibm OR cake", {2, 4}),
    ("(ibm OR cake) AND NOT lemon", {2}),
    ("cafe", {3}),
    ("AI-driven", {3}),
    ('"the weather"', {1}),
    ("outlet:guardian", {3}),
    ("7,800 jobs", {2}),
    # phrases from word positions (migration 042): order, distance, one field at a time
    ('"guild strike"', {0}),
    ('"strike guild"', set()),
    ('title:"writers guild"', {0}),
    ('"ai could"', {2}),
    ('"hollywood the writers"', set()),     # the title's last word and the body's first ones
    # common words (not indexed) from the neighbours of indexed words (migration 043)
    ('"writers guild of america"', {0}),
    ('"writers guild in america"', set()),
    ('"mix the flour"', {4}),
    ('"the writers"', {0}),
    ('"on strike"', {0}),
    ('"strike on"', {0}),
    ('"strike by"', {1}),
    ('"by strike"', set()),
    ('"guild" "markets"', {1}),
    ('"back office roles would"', {2}),
    ('"7 800 jobs"', {2}),                   # single digits and letters are indexed (044)
    ('"800 7 jobs"', set()),
    ('"in the" markets', {1}),               # no indexed word in the phrase: the text is checked
    ('"in the" cake', set()),
])
def test_matching(db, query, expected):
    with read_connection(db) as con:
        assert matching_ids(con, query) == {STORIES[i].article_id for i in expected}


def test_common_word_numbers_agree_with_the_index(db):
    """The neighbour columns hold search_stop_code (migration 043); the query side must use
    the same numbers (search_query.STOP_CODES)."""
    from warehouse.search_query import STOP_CODES

    with read_connection(db) as con:
        codes = dict(con.execute("SELECT w, search_stop_code(w) FROM (SELECT unnest($w) AS w)",
                                 {"w": sorted(STOP_CODES) + ["writers"]}).fetchall())
    assert codes == {**STOP_CODES, "writers": 0}


def test_matching_within_a_scope(db):
    with read_connection(db) as con:
        scope = [STORIES[1].article_id, STORIES[4].article_id]
        assert matching_ids(con, "strike", scope) == {STORIES[1].article_id}
        assert matching_ids(con, "(strike OR cake) NOT cake", scope) == {STORIES[1].article_id}
        assert matching_ids(con, '"writers guild"', scope) == {STORIES[1].article_id}
        assert matching_ids(con, '"the weather" OR "the flour"', scope) == {STORIES[1].article_id,
                                                                           STORIES[4].article_id}


# ------------------------------------------------------------------ ranking and snippets


def test_title_match_ranks_first_and_snippet_highlights(db):
    with read_connection(db) as con:
        hits = search(con, '"writers guild" strike')
    assert [h.article_id for h in hits] == [STORIES[0].article_id, STORIES[1].article_id]
    assert hits[0].score > hits[1].score > 0
    assert "**strike**" in hits[0].snippet and "**Writers Guild**" in hits[0].snippet
    assert hits[0].topics == ("policy",)


def test_filters_and_limit(db):
    with read_connection(db) as con:
        assert [h.outlet for h in search(con, "strike", SearchFilters(outlet="reuters.com"))] == ["reuters.com"]
        assert search(con, "strike", SearchFilters(since=DAY.date() + timedelta(days=1))) == []
        assert len(search(con, "strike", SearchFilters(limit=1))) == 1
        assert search(con, "cake", SearchFilters(topic="policy")) == []
        assert len(search(con, "ibm", SearchFilters(until=DAY.date() + timedelta(days=1)))) == 1


def test_copies_of_one_story_show_once(tmp_path):
    text = ("The Writers Guild of America went on strike on Tuesday after talks with studios "
            "failed over pay, residuals and the use of artificial intelligence in writing.")
    copies = [article(10 + i, "Writers strike begins", text, outlet) for i, outlet in
              enumerate(["a.example", "b.example", "c.example"])]
    path = tmp_path / "c.duckdb"
    with write_connection(path) as con:
        load_batch(con, "r", copies, [verdict(a) for a in copies])
        assert len(search(con, "strike")) == 1


def test_search_backfills_articles_stored_before_the_index(tmp_path):
    path = tmp_path / "old.duckdb"
    with write_connection(path) as con:
        load_batch(con, "r", STORIES, [verdict(a) for a in STORIES])
        con.execute("DELETE FROM search_postings")
        con.execute("DELETE FROM search_docs")
    from warehouse.search import search_db

    hits = search_db(path, "ibm")
    assert [h.article_id for h in hits] == [STORIES[2].article_id]


# ------------------------------------------------------------------ CLI


def workwatch(*args: str) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("workwatch")
    return subprocess.run([str(exe), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_cli_search_json_and_errors(db):
    done = workwatch("search", "title:strike OR ibm", "--db", str(db), "--format", "json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert [r["outlet"] for r in rows][:1] in (["variety.com"], ["bloomberg.com"])
    assert {r["outlet"] for r in rows} == {"variety.com", "bloomberg.com"}
    assert set(rows[0]) == {"rank", "score", "story_at", "outlet", "title", "url", "topics", "snippet"}
    bad = workwatch("search", "(strike", "--db", str(db))
    assert bad.returncode == 1 and bad.stderr.strip().startswith("error: missing )")
    assert workwatch("search", "x", "--db", str(db), "--topic", "polcy").returncode == 2
    reindex = workwatch("search", "--reindex", "--db", str(db))
    assert reindex.returncode == 0 and "indexed 5 articles" in reindex.stderr


# ------------------------------------------------------------------ the real corpus


@pytest.fixture(scope="module")
def replay_db(tmp_path_factory) -> Path:
    """The replay corpus's April and May 2023 items, loaded through the real replay path."""
    import gzip

    source = corpus_path("replay-2023.jsonl.gz")
    folder = tmp_path_factory.mktemp("replay")
    subset = folder / "may.jsonl"
    with gzip.open(source, "rt", encoding="utf-8") as fh, subset.open("w", encoding="utf-8") as out:
        for line in fh:
            if json.loads(line).get("published", "").startswith(("2023-04", "2023-05")):
                out.write(line)
    db = folder / "may.duckdb"
    done = workwatch("replay", str(subset), "--db", str(db))
    assert done.returncode == 0, done.stderr
    return db


@pytest.mark.slow
def test_known_stories_come_first_on_the_corpus(replay_db):
    from warehouse.search import search_db

    hits = search_db(replay_db, '"writers guild" strike', SearchFilters(limit=10))
    assert hits, "the WGA strike is in May 2023"
    top = " ".join((h.title or "").lower() for h in hits[:5])
    assert "strike" in top and ("writer" in top or "wga" in top)
    ibm = search_db(replay_db, "ibm hiring AI", SearchFilters(limit=5))
    assert "ibm" in (ibm[0].title or "").lower()


def test_reprocessed_texts_are_re_indexed_in_their_transaction(db):
    import pyarrow as pa

    from warehouse.load import CLASSIFICATION_SCHEMA
    from warehouse.rescore import write_reextracted
    from warehouse.search import missing_count as missing

    text = {"article_id": STORIES[4].article_id, "text": "Now about a zebra crossing.",
            "word_count": 5, "text_hash": "new-hash", "language": "en", "sitename": None,
            "changed": True}
    with write_connection(db) as con:
        write_reextracted(con, "r9", [text], [CLASSIFICATION_SCHEMA.empty_table()], [])
        assert missing(con) == 0
        assert matching_ids(con, "zebra") == {STORIES[4].article_id}
        assert matching_ids(con, "flour") == set()


def test_new_postings_are_sorted_into_segments(tmp_path, monkeypatch):
    import warehouse.search as search_module

    monkeypatch.setattr(search_module, "TAIL_POSTINGS", 10)
    path = tmp_path / "seg.duckdb"
    with write_connection(path) as con:
        for i, a in enumerate(STORIES):
            load_batch(con, f"r{i}", [a], [verdict(a)])
        state = con.execute("SELECT sorted_through, segments FROM search_state").fetchone()
        last = con.execute("SELECT max(doc_id) FROM search_docs").fetchone()[0]
        assert state[1] >= 2 and state[0] <= last
        postings = con.execute("SELECT count(*) FROM search_postings").fetchone()[0]
        search_module.optimize(con)
        assert con.execute("SELECT count(*) FROM search_postings").fetchone()[0] == postings
        assert con.execute("SELECT sorted_through, segments FROM search_state").fetchone() == (last, 0)
        assert [h.article_id for h in search(con, '"writers guild" strike')] == \
            [STORIES[0].article_id, STORIES[1].article_id]


@pytest.mark.slow
def test_dashboard_story_browser_ranks_with_the_search_syntax(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests import dashboard_fixture as fx

    db = fx.build_warehouse(tmp_path / "d.duckdb")
    monkeypatch.setenv("WORKWATCH_DB", str(db))
    main = sys.modules["__main__"]
    try:
        at = AppTest.from_file(str(ROOT / "dashboards" / "app.py"), default_timeout=60).run()
        at.switch_page("views/stories.py").run()
        at.toggle(key="browse_ai_work_only").set_value(False)
        at.toggle(key="browse_ranked").set_value(True)
        at.text_input(key="browse_search").set_value('"harbour budget" OR title:harbour').run()
        assert not at.exception, [e.value for e in at.exception]
        table = at.dataframe[0].value
        assert table["title"].iloc[0] == "City council approves harbour budget"
        assert "snippet" in table  # (the fixture's body does not say it: the title matched)
        at.text_input(key="browse_search").set_value("(harbour").run()
        assert "missing )" in at.warning[0].value
    finally:
        sys.modules["__main__"] = main


def test_a_warehouse_with_the_first_index_layout_is_migrated(tmp_path):
    """Migration 023: the first 020 layout (postings keyed by article id) is replaced."""
    import duckdb

    from warehouse.db import migrations

    path = tmp_path / "old.duckdb"
    with write_connection(path) as con:
        load_batch(con, "r", STORIES, [verdict(a) for a in STORIES])
        con.execute("DROP TABLE search_postings; DROP TABLE search_docs")
        con.execute("CREATE TABLE search_postings (term VARCHAR, article_id VARCHAR, field UTINYINT, tf INTEGER)")
        con.execute("CREATE TABLE search_docs (article_id VARCHAR PRIMARY KEY, title_len INTEGER, "
                    "body_len INTEGER, text_hash VARCHAR, indexed_at TIMESTAMP)")
        con.execute("DELETE FROM schema_migrations WHERE version IN (23, 42, 43)")
    with write_connection(path) as con:  # migrates, then loads work again
        more = [article(30, "IBM hiring pause widens", "IBM extends its hiring pause.", "x.example")]
        load_batch(con, "r2", more, [verdict(a) for a in more])
    from warehouse.search import search_db

    assert [h.title for h in search_db(path, "title:ibm")][:2] == [
        "IBM hiring pause widens", "IBM pauses hiring for roles AI could do"]


def test_a_warehouse_with_the_index_before_positions_is_rebuilt(tmp_path):
    """Migrations 042-043: an index without word positions (023's layout) is emptied and the
    first search indexes every stored article again, phrases answered from positions."""
    import duckdb

    from warehouse.search import search_db

    path = tmp_path / "old.duckdb"
    with write_connection(path) as con:
        load_batch(con, "r", STORIES, [verdict(a) for a in STORIES])
        con.execute("DROP TABLE search_postings")
        con.execute("CREATE TABLE search_postings (term VARCHAR NOT NULL, doc_id INTEGER NOT NULL, "
                    "field UTINYINT NOT NULL, tf INTEGER NOT NULL, flen INTEGER NOT NULL)")
        con.execute("INSERT INTO search_postings VALUES ('guild', 1, 1, 1, 5)")
        con.execute("ALTER TABLE watches DROP COLUMN outlet_names")
        con.execute("DELETE FROM schema_migrations WHERE version IN (42, 43)")
    with write_connection(path) as con:
        assert con.execute("SELECT count(*) FROM search_docs").fetchone()[0] == 0
        assert {"pos", "prev", "next"} <= {r[0] for r in con.execute("DESCRIBE search_postings").fetchall()}
    hits = search_db(path, '"writers guild"')
    assert {h.article_id for h in hits} == {STORIES[0].article_id, STORIES[1].article_id}
    con = duckdb.connect(str(path), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM search_docs").fetchone()[0] == len(STORIES)
        # "guild" is the 2nd word of STORIES[0]'s title
        assert con.execute("SELECT p.pos FROM search_postings p JOIN search_docs d USING (doc_id) "
                           "WHERE term = 'guild' AND field = 1 AND d.article_id = ?",
                           [STORIES[0].article_id]).fetchone()[0] == [2]
    finally:
        con.close()
