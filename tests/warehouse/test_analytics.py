"""Warehouse analytics: named queries, near-duplicate clusters, exports, replay.

The fixture warehouse is built with warehouse.load.load_batch from hand-made articles and
classifications; every expected answer below is worked out by hand from that table:

    id  outlet  story_at           AI×work  topics           cluster
    a1  Alpha   2024-01-01 08:00   yes      displacement     S (first copy)
    b1  Beta    2024-01-01 10:00   yes      displacement     S (a1 lightly edited)
    a2  Alpha   2024-01-03 09:00   no
    c1  Gamma   2024-01-09 12:00   yes      hiring, policy
    b2  Beta    2024-01-10 12:00   no
    a3  Alpha   2024-01-24 12:00   no
    c2  Gamma   2024-01-02 07:00   yes      displacement     S (a1 edited; a later batch)

Weeks (Monday): 01-01 holds S, a2 (2 stories, 1 AI; 4 articles, 3 AI); 01-08 holds c1, b2;
01-15 is empty; 01-22 holds a3.
"""

from __future__ import annotations

import gzip
import re
import hashlib
import json
import shutil
from datetime import date, datetime
from pathlib import Path

import duckdb
import numpy as np
import pytest
from typer.testing import CliRunner

from extractors.types import Article, Classification, Evidence, Feed
from cli.main import app
from tests.conftest import corpus_path
from warehouse.db import write_connection
from warehouse.load import load_batch, sync_feeds

runner = CliRunner()

STORY = ("Northbridge Insurance said on Monday it will cut 1,200 claims jobs over the next two "
         "years as artificial intelligence software takes over the routine processing of "
         "files, a move the company expects to save about 90 million dollars a year while "
         "the union representing claims handlers vowed to fight the layoffs in talks")
STORY_EDIT_B = STORY.replace("on Monday", "on Monday morning").replace("vowed", "promised")
STORY_EDIT_C = STORY.replace("1,200", "about 1,200").replace("in talks", "in coming talks")
TEXTS = {
    "a2": "The city council approved a new budget for road repairs and school buildings after "
          "a long debate about property taxes and spending on parks",
    "c1": "Regulators in three states are examining how employers use ChatGPT and similar tools "
          "when hiring staff, after complaints from applicants who were rejected without review",
    "b2": "Heavy snow closed mountain passes and delayed trains across the region as forecasters "
          "warned of more storms arriving later in the week",
    "a3": "The football club confirmed its captain will miss the rest of the season after knee "
          "surgery, a blow to its hopes of promotion",
}
FEED_OF = {"Alpha": "alpha-main", "Beta": "beta-main", "Gamma": "gamma-main"}


def article(key: str, outlet: str, when: str, title: str, text: str) -> Article:
    url = f"https://{outlet.lower()}.example/news/{key}"
    return Article(
        article_id=hashlib.sha256(url.encode()).hexdigest()[:16], url=url, canonical_url=url,
        feed=FEED_OF[outlet], outlet=outlet, guid=key, title=title, summary="", author=None,
        published_at=datetime.fromisoformat(when), first_seen_at=datetime(2024, 2, 1),
        language="en", text=text, word_count=len(text.split()),
        text_hash=hashlib.sha256(text.encode()).hexdigest(), source="feed")


def ev(signal: str, term: str) -> Evidence:
    return Evidence(signal=signal, term=term, field="text", start=0, end=len(term))


def verdict(a: Article, ai_work: bool, topics=(), evidence=()) -> Classification:
    return Classification(item_id=a.article_id, classifier="rules", version="test-1",
                          ai_score=0.9 if ai_work else 0.1, work_score=0.8 if ai_work else 0.2,
                          is_ai_work=ai_work, topics=tuple(topics), evidence=tuple(evidence),
                          is_ai=ai_work, is_work=ai_work)


S_EVIDENCE = (ev("ai", "artificial intelligence"), ev("work", "jobs"), ev("displacement", "layoffs"))
TITLE_S = "Insurer to cut claims jobs as AI takes over"


def first_batch() -> tuple[list[Article], list[Classification]]:
    arts = {
        "a1": article("a1", "Alpha", "2024-01-01T08:00", TITLE_S, STORY),
        "b1": article("b1", "Beta", "2024-01-01T10:00", TITLE_S, STORY_EDIT_B),
        "a2": article("a2", "Alpha", "2024-01-03T09:00", "Council passes budget", TEXTS["a2"]),
        "c1": article("c1", "Gamma", "2024-01-09T12:00", "States probe AI hiring tools", TEXTS["c1"]),
        "b2": article("b2", "Beta", "2024-01-10T12:00", "Snow closes passes", TEXTS["b2"]),
        "a3": article("a3", "Alpha", "2024-01-24T12:00", "Captain out for season", TEXTS["a3"]),
    }
    verdicts = [
        verdict(arts["a1"], True, ["displacement"], S_EVIDENCE),
        verdict(arts["b1"], True, ["displacement"], S_EVIDENCE),
        verdict(arts["a2"], False),
        verdict(arts["c1"], True, ["hiring", "policy"],
                (ev("ai", "ChatGPT"), ev("work", "hiring"), ev("hiring", "hiring"),
                 ev("policy", "Regulators"), ev("negative", "stock"))),
        verdict(arts["b2"], False),
        verdict(arts["a3"], False),
    ]
    return list(arts.values()), verdicts


def second_batch() -> tuple[list[Article], list[Classification]]:
    c2 = article("c2", "Gamma", "2024-01-02T07:00", TITLE_S, STORY_EDIT_C)
    return [c2], [verdict(c2, True, ["displacement"], S_EVIDENCE)]


def build_fixture(path: Path) -> dict[str, str]:
    """The warehouse described in the module docstring; returns article ids by key."""
    with write_connection(path) as con:
        sync_feeds(con, [Feed("alpha-main", "https://alpha.example/rss", "Alpha"),
                         Feed("beta-main", "https://beta.example/rss", "Beta"),
                         Feed("delta-main", "https://delta.example/rss", "Delta")])
        con.execute("UPDATE feeds SET last_ok_at = TIMESTAMP '2024-01-24 06:00', "
                    "consecutive_failures = 0, error_score = 0, "
                    "next_check_at = TIMESTAMP '2024-01-25 06:00'")
        con.execute("UPDATE feeds SET consecutive_failures = 2, error_score = 2.5, "
                    "last_status = 'error', last_error = 'HTTP 503' WHERE name = 'beta-main'")
        arts, verdicts = first_batch()
        load_batch(con, "run-1", arts, verdicts)
    with write_connection(path) as con:
        arts2, verdicts2 = second_batch()
        load_batch(con, "run-2", arts2, verdicts2)
    return {a.guid: a.article_id for a in arts + arts2}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    path = tmp_path_factory.mktemp("analytics") / "w.duckdb"
    ids = build_fixture(path)
    return path, ids


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def query_json(db: Path, name: str, *args) -> list[dict]:
    result = invoke("query", name, "--db", db, "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


# ---------------------------------------------------------------- clusters


def test_copies_share_a_cluster_across_outlets_and_batches(warehouse):
    db, ids = warehouse
    clusters = dict(rows(db, "SELECT article_id, cluster_id FROM stories"))
    s = clusters[ids["a1"]]
    assert s == ids["a1"]  # the first copy founds the cluster
    assert clusters[ids["b1"]] == s  # same batch, other outlet, small edits
    assert clusters[ids["c2"]] == s  # loaded in a later batch, joins the stored cluster
    others = {clusters[ids[k]] for k in ("a2", "c1", "b2", "a3")}
    assert len(others) == 4 and s not in others


def test_reloading_a_batch_changes_no_cluster(warehouse, tmp_path):
    db = tmp_path / "w.duckdb"
    shutil.copy(warehouse[0], db)
    before = rows(db, "SELECT * FROM article_clusters ORDER BY article_id")
    with write_connection(db) as con:
        arts, verdicts = first_batch()
        assert load_batch(con, "run-3", arts, verdicts) == 0
    assert rows(db, "SELECT * FROM article_clusters ORDER BY article_id") == before


def test_lsh_shape_and_permutations_are_datasketchs():
    from datasketch import MinHash, MinHashLSH

    from warehouse.clusters import NUM_PERM, SEED, THRESHOLD, _permutations, lsh_shape

    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    assert lsh_shape() == (lsh.b, lsh.r)
    a, b = MinHash(num_perm=NUM_PERM, seed=SEED).permutations
    assert np.array_equal(_permutations()[0], a) and np.array_equal(_permutations()[1], b)
    assert _permutations()[0].dtype == np.uint32


def test_batch_minhash_equals_datasketch():
    from warehouse.clusters import shingles, signature_of, signatures

    docs = [(TITLE_S, STORY), ("short", "too short"), ("", "")]
    sigs, counts = signatures(docs)
    for (title, text), sig in zip(docs, sigs):
        assert np.array_equal(sig, signature_of(shingles(title, text)))
    words = len(re.findall(r"\w+", f"{TITLE_S} {STORY}"))  # "1,200" is two words
    assert counts.tolist() == [words - 2, 1, 0]


def test_templates_of_one_outlet_do_not_cluster(tmp_path):
    """Recurring items of one outlet ("hints for Monday") look alike but are not copies."""
    db = tmp_path / "w.duckdb"
    template = ("Quordle today hints and answers for {day} game {n} with clues for every word "
                "and the full solution if you are stuck, plus a reminder of how the game works, "
                "which letters are most common in English and how to keep your winning streak "
                "going for another week of puzzles")
    arts = [article(f"q{i}", "Alpha", f"2024-03-0{i}T06:00", f"Quordle hints {day}",
                    template.format(day=day, n=400 + i))
            for i, day in enumerate(["Monday", "Tuesday", "Wednesday"], start=1)]
    with write_connection(db) as con:
        load_batch(con, "r", arts, [verdict(a, False) for a in arts])
    assert rows(db, "SELECT count(DISTINCT cluster_id) FROM stories") == [(3,)]
    # yet they are alike enough that copies in other outlets would have joined
    from warehouse.clusters import THRESHOLD, signatures, similarity

    sigs, _ = signatures([(a.title, a.text) for a in arts])
    assert similarity(sigs[0], sigs[1]) >= THRESHOLD


# ---------------------------------------------------------------- named queries


def test_trend_counts_stories_once_and_articles_with_count_articles(warehouse):
    db, _ = warehouse
    expected = [("2024-01-01", 1, 2, 50.0), ("2024-01-08", 1, 2, 50.0),
                ("2024-01-15", 0, 0, None), ("2024-01-22", 0, 1, 0.0)]
    got = query_json(db, "trend", "--interval", "week")
    assert [(r["period"], r["ai_work_stories"], r["all_stories"], r["ai_work_pct"]) for r in got] == expected
    got = query_json(db, "trend", "--interval", "week", "--count", "articles")
    assert [(r["period"], r["ai_work_stories"], r["all_stories"]) for r in got] == [
        ("2024-01-01", 3, 4), ("2024-01-08", 1, 2), ("2024-01-15", 0, 0), ("2024-01-22", 0, 1)]
    got = query_json(db, "trend", "--interval", "month")
    assert [(r["period"], r["ai_work_stories"], r["all_stories"]) for r in got] == [("2024-01-01", 2, 5)]
    days = query_json(db, "trend", "--interval", "day")
    assert len(days) == 24 and days[0]["period"] == "2024-01-01" and days[0]["all_stories"] == 1


def test_trend_filters(warehouse):
    db, _ = warehouse
    got = query_json(db, "trend", "--interval", "month", "--outlet", "Gamma")
    assert [(r["ai_work_stories"], r["all_stories"]) for r in got] == [(2, 2)]  # c2 is Gamma's first copy
    got = query_json(db, "trend", "--interval", "week", "--topic", "policy")
    assert [r["ai_work_stories"] for r in got] == [0, 1, 0, 0]
    got = query_json(db, "trend", "--interval", "week", "--since", "2024-01-08", "--until", "2024-01-10")
    assert [(r["period"], r["ai_work_stories"], r["all_stories"]) for r in got] == [("2024-01-08", 1, 2)]
    hostile = invoke("query", "trend", "--db", db, "--format", "json",
                     "--outlet", "O'Reilly; DROP TABLE articles")
    assert hostile.exit_code == 2 and "unknown outlet" in hostile.output  # checked, never pasted
    assert rows(db, "SELECT count(*) > 0 FROM articles") == [(True,)]


def test_topics_per_interval(warehouse):
    db, _ = warehouse
    got = query_json(db, "topics", "--interval", "week")
    assert [(r["period"], r["topic"], r["stories"]) for r in got] == [
        ("2024-01-01", "displacement", 1), ("2024-01-01", "hiring", 0), ("2024-01-01", "policy", 0),
        ("2024-01-08", "displacement", 0), ("2024-01-08", "hiring", 1), ("2024-01-08", "policy", 1)]
    got = query_json(db, "topics", "--interval", "month", "--count", "articles", "--topic", "displacement")
    assert [(r["topic"], r["stories"]) for r in got] == [("displacement", 3)]


def test_outlets(warehouse):
    db, _ = warehouse
    got = query_json(db, "outlets")
    assert [(r["outlet"], r["stories"], r["ai_work_stories"], r["ai_work_pct"], r["first_story"],
             r["last_story"]) for r in got] == [
        ("Gamma", 2, 2, 100.0, "2024-01-02", "2024-01-09"),
        ("Alpha", 3, 1, 33.33, "2024-01-01", "2024-01-24"),
        ("Beta", 2, 1, 50.0, "2024-01-01", "2024-01-10")]


def test_rising_against_the_previous_period(warehouse):
    db, _ = warehouse
    got = query_json(db, "rising", "--since", "2024-01-08", "--until", "2024-01-14")
    assert [(r["kind"], r["name"], r["current"], r["previous"], r["change"], r["growth_pct"])
            for r in got] == [
        ("term", "chatgpt", 1, 0, 1, None), ("term", "hiring", 1, 0, 1, None),
        ("term", "regulators", 1, 0, 1, None),
        ("topic", "hiring", 1, 0, 1, None), ("topic", "policy", 1, 0, 1, None)]
    assert {(r["current_from"], r["previous_from"]) for r in got} == {("2024-01-08", "2024-01-01")}
    # default: the last week up to the latest story (a3, 01-24) against the week before
    assert query_json(db, "rising") == []
    got = query_json(db, "rising", "--since", "2024-01-01", "--until", "2024-01-07", "--count", "articles")
    assert ("topic", "displacement", 3, 0) in [(r["kind"], r["name"], r["current"], r["previous"])
                                              for r in got]


def test_rising_periods_name_both_periods_and_their_counts(warehouse):
    from datetime import date

    from warehouse.analytics import QueryParams, RisingPeriods, rising_periods

    db, _ = warehouse
    got = rising_periods(db, QueryParams(since=date(2024, 1, 8), until=date(2024, 1, 14)))
    assert got == RisingPeriods(date(2024, 1, 1), date(2024, 1, 8), date(2024, 1, 15), 3, 1)


def test_stories_latest_first_with_evidence_and_copies(warehouse):
    db, ids = warehouse
    got = query_json(db, "stories")
    assert [(r["story_at"], r["outlet"], r["topics"], r["copies"], r["outlets"]) for r in got] == [
        ("2024-01-09 12:00", "Gamma", "hiring, policy", 1, "Gamma"),
        ("2024-01-01 08:00", "Alpha", "displacement", 3, "Alpha, Beta, Gamma")]
    assert got[0]["evidence"] == "ai: chatgpt; work: hiring; hiring: hiring; policy: regulators"
    assert got[1]["url"] == "https://alpha.example/news/a1" and got[1]["cluster_id"] == ids["a1"]
    got = query_json(db, "stories", "--count", "articles", "--limit", "3")
    assert [r["url"].rsplit("/", 1)[1] for r in got] == ["c1", "c2", "b1"]


def test_coverage_marks_days_without_data_as_gaps(warehouse):
    db, _ = warehouse
    got = query_json(db, "coverage")
    assert {r["outlet"] for r in got} == {"Alpha", "Beta", "Gamma", "Delta"}  # Delta: configured, silent
    assert len(got) == 4 * 24
    have = {(r["outlet"], r["day"]): (r["stories"], r["gap"]) for r in got}
    assert have[("Alpha", "2024-01-01")] == (1, False)
    assert have[("Alpha", "2024-01-02")] == (0, True)
    assert have[("Gamma", "2024-01-02")] == (1, False)
    assert all(have[("Delta", f"2024-01-{d:02d}")] == (0, True) for d in range(1, 25))
    assert sorted(k for k, v in have.items() if not v[1]) == [
        ("Alpha", "2024-01-01"), ("Alpha", "2024-01-03"), ("Alpha", "2024-01-24"),
        ("Beta", "2024-01-01"), ("Beta", "2024-01-10"), ("Gamma", "2024-01-02"), ("Gamma", "2024-01-09")]
    got = query_json(db, "coverage", "--outlet", "Beta", "--since", "2024-01-09", "--until", "2024-01-11")
    assert [(r["day"], r["stories"], r["gap"]) for r in got] == [
        ("2024-01-09", 0, True), ("2024-01-10", 1, False), ("2024-01-11", 0, True)]


def test_feed_health(warehouse):
    db, _ = warehouse
    got = query_json(db, "feed-health")
    assert [(r["feed"], r["consecutive_failures"], r["error_score"], r["articles"]) for r in got] == [
        ("beta-main", 2, 2.5, 2), ("alpha-main", 0, 0.0, 3), ("delta-main", 0, 0.0, 0)]
    assert got[1]["last_ok_at"] == "2024-01-24T06:00:00"
    assert got[1]["next_check_at"] == "2024-01-25T06:00:00"


def test_facts_are_rebuilt_after_a_write_that_bypassed_load_batch(warehouse, tmp_path):
    db = tmp_path / "w.duckdb"
    shutil.copy(warehouse[0], db)
    with write_connection(db) as con:
        con.execute("UPDATE classifications SET is_ai_work = FALSE, classified_at = now()::TIMESTAMP "
                    "WHERE topics = ['hiring', 'policy']")
    got = query_json(db, "trend", "--interval", "month")
    assert [(r["ai_work_stories"], r["all_stories"]) for r in got] == [(1, 5)]


# ---------------------------------------------------------------- the command line


def test_query_list_and_unknown_name(warehouse):
    db, _ = warehouse
    result = invoke("query", "--list")
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    names = ["coverage", "events", "feed-health", "outlets", "rising", "stories", "topics", "trend"]
    assert [line.split()[0] for line in lines] == names
    assert all(len(line.split(None, 1)[1]) > 20 for line in lines)  # a description each
    result = invoke("query", "nope", "--db", db)
    assert result.exit_code == 1
    assert "unknown query 'nope'" in result.output and all(n in result.output for n in names)


def test_query_usage_errors(warehouse):
    db, _ = warehouse
    assert invoke("query", "trend", "--db", db, "--interval", "year").exit_code == 2
    assert invoke("query", "trend", "--db", db, "--since", "01/02/2024").exit_code == 2
    assert invoke("query", "trend", "--db", db, "--count", "copies").exit_code == 2
    result = invoke("query", "trend", "--db", db, "--format", "parquet")
    assert result.exit_code == 2 and "--output" in result.output


def test_query_formats_and_output_file(warehouse, tmp_path):
    db, _ = warehouse
    result = invoke("query", "outlets", "--db", db, "--format", "csv")
    assert result.output.splitlines()[0] == "outlet,stories,ai_work_stories,ai_work_pct,first_story,last_story"
    table = invoke("query", "trend", "--db", db)
    assert table.exit_code == 0 and "2024-01-15" in table.output
    target = tmp_path / "trend.parquet"
    assert invoke("query", "trend", "--db", db, "--format", "parquet", "--output", target).exit_code == 0
    assert duckdb.sql(f"SELECT period, ai_work_stories FROM '{target}' ORDER BY 1").fetchall() == [
        (date(2024, 1, 1), 1), (date(2024, 1, 8), 1), (date(2024, 1, 15), 0), (date(2024, 1, 22), 0)]
    csv_out = tmp_path / "outlets.csv"
    assert invoke("query", "outlets", "--db", db, "--format", "csv", "--output", csv_out).exit_code == 0
    assert csv_out.read_text().splitlines()[1].startswith("Gamma,2,2,100.0")


def test_sql_parquet_export_reads_back_in_duckdb(warehouse, tmp_path):
    db, ids = warehouse
    target = tmp_path / "stories.parquet"
    result = invoke("sql", "SELECT article_id, cluster_id, topics, evidence, story_at FROM stories",
                    "--db", db, "--format", "parquet", "--output", target)
    assert result.exit_code == 0, result.output
    back = duckdb.sql(f"SELECT article_id, cluster_id, topics FROM '{target}' ORDER BY article_id").fetchall()
    assert len(back) == 7
    assert (ids["c1"], ids["c1"], ["hiring", "policy"]) in back
    assert invoke("sql", "SELECT 1", "--db", db, "--format", "parquet").exit_code == 2
    json_out = tmp_path / "one.json"
    assert invoke("sql", "SELECT 1 AS x", "--db", db, "--format", "json", "--output", json_out).exit_code == 0
    assert json.loads(json_out.read_text()) == [{"x": 1}]


def test_sql_refuses_writes_with_a_clear_message(warehouse, tmp_path):
    db, _ = warehouse
    for fmt in ("table", "parquet"):
        result = invoke("sql", "DELETE FROM articles", "--db", db, "--format", fmt,
                        "--output", tmp_path / "x.out")
        assert result.exit_code == 1
        assert "read-only" in result.output and "cannot change data" in result.output
    assert rows(db, "SELECT count(*) FROM articles") == [(7,)]


def test_views_for_analysts(warehouse):
    db, ids = warehouse
    columns = [r[0] for r in rows(db, "DESCRIBE stories")]
    for column in ("article_id", "url", "canonical_url", "feed", "outlet", "title", "summary",
                   "author", "published_at", "first_seen_at", "story_at", "language", "text",
                   "word_count", "source", "sitename", "archive_path", "classifier",
                   "classifier_version", "ai_score", "work_score", "is_ai", "is_work",
                   "is_ai_work", "topics", "evidence", "cluster_id"):
        assert column in columns
    topic_rows = rows(db, "SELECT article_id, topic FROM story_topics ORDER BY 1, 2")
    assert len(topic_rows) == 5  # a1, b1, c2: displacement; c1: hiring, policy
    assert (ids["c1"], "policy") in topic_rows


# ---------------------------------------------------------------- replay


@pytest.mark.slow
def test_replay_a_slice_of_the_2023_corpus(tmp_path):
    source = corpus_path("replay-2023.jsonl.gz")
    sliced = tmp_path / "slice.jsonl.gz"
    with gzip.open(source, "rt", encoding="utf-8") as src, gzip.open(sliced, "wt", encoding="utf-8") as dst:
        for i, line in enumerate(src):
            if i >= 2000:
                break
            dst.write(line)
    db = tmp_path / "replay.duckdb"
    result = invoke("replay", sliced, "--db", db, "--batch-size", "700")
    assert result.exit_code == 0, result.output
    assert "replayed 2000 items" in result.output
    (articles, facts, clustered), = rows(db, "SELECT (SELECT count(*) FROM articles), "
                                             "(SELECT count(*) FROM story_facts), "
                                             "(SELECT count(*) FROM article_clusters)")
    assert 1900 < articles <= 2000 and facts == articles == clustered
    assert rows(db, "SELECT DISTINCT source FROM articles") == [("feed",)]
    assert ("bbci.co.uk", "feeds.bbci.co.uk") in rows(db, "SELECT DISTINCT outlet, feed FROM articles")
    again = invoke("replay", sliced, "--db", db)
    assert again.exit_code == 0 and "0 new articles" in again.output
    assert rows(db, "SELECT count(*) FROM articles") == [(articles,)]
    trend = query_json(db, "trend", "--interval", "month")
    assert trend[0]["period"] == "2023-01-01" and trend[0]["all_stories"] > 1800


def test_replay_missing_file_is_a_clean_error(tmp_path):
    result = invoke("replay", tmp_path / "none.jsonl.gz", "--db", tmp_path / "w.duckdb")
    assert result.exit_code == 1 and "no such file" in result.output


@pytest.mark.slow
def test_replay_refuses_to_run_while_an_ingest_holds_the_lock(tmp_path):
    from warehouse.db import ingest_lock

    source = tmp_path / "one.jsonl"
    source.write_text(json.dumps({"published": "2023-05-02 10:00:00+00:00",
                                  "feed_url": "https://feeds.example.com/rss", "title": "t",
                                  "summary": "s", "url": "https://example.com/a"}) + "\n")
    db = tmp_path / "w.duckdb"
    with ingest_lock(db):
        result = invoke("replay", source, "--db", db)
    assert result.exit_code == 1 and "another ingest or backfill is running" in result.output
    result = invoke("replay", source, "--db", db)
    assert result.exit_code == 0 and "1 new articles" in result.output
    assert rows(db, "SELECT outlet, feed, text FROM articles") == [("example.com", "feeds.example.com", "s")]
