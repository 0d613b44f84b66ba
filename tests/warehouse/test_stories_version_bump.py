"""A classifier version switch never makes an article leave `stories` (issue 13, migration 006).

Each article shows exactly one classification: one of a current (classifier, version) when it
has one, else its latest classification of any version.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

from extractors.types import Article, Classification
from warehouse.db import write_connection
from warehouse.load import load_batch


def _article(key: str) -> Article:
    url = f"https://bump.example/news/{key}"
    text = f"Story {key}: a company said it will use AI to screen job applicants " * 3
    return Article(
        article_id=hashlib.sha256(url.encode()).hexdigest()[:16], url=url, canonical_url=url,
        feed="bump", outlet="Bump", guid=key, title=f"Story {key}", summary="", author=None,
        published_at=datetime(2024, 3, int(key[-1]) + 1), first_seen_at=datetime(2024, 3, 20),
        language="en", text=text, word_count=len(text.split()),
        text_hash=hashlib.sha256(text.encode()).hexdigest(), source="feed")


def _verdict(a: Article, classifier: str, version: str, ai_work: bool) -> Classification:
    return Classification(item_id=a.article_id, classifier=classifier, version=version,
                          ai_score=0.9, work_score=0.9 if ai_work else 0.1, is_ai_work=ai_work,
                          topics=("hiring",) if ai_work else (), is_ai=True, is_work=ai_work)


def _stories(con) -> dict[str, tuple[str, str, bool]]:
    rows = con.execute("SELECT article_id, classifier, classifier_version, is_ai_work "
                       "FROM stories").fetchall()
    ids = [r[0] for r in rows]
    assert len(ids) == len(set(ids)), "an article shows up twice in stories"
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def _facts(con) -> set[str]:
    return {r[0] for r in con.execute("SELECT article_id FROM story_facts").fetchall()}


def test_no_article_leaves_stories_on_a_version_bump(tmp_path: Path):
    old = [_article(f"old{i}") for i in range(3)]
    new = _article("new5")
    with write_connection(tmp_path / "ww.duckdb") as con:
        load_batch(con, "run-1", old, [_verdict(a, "rules", "rules-1", True) for a in old])
        assert set(_stories(con)) == {a.article_id for a in old}

        # An ingest with a new version of the same classifier makes it current ...
        load_batch(con, "run-2", [new], [_verdict(new, "rules", "rules-2", False)])
        assert con.execute("SELECT version FROM classifier_versions WHERE is_current"
                           ).fetchall() == [("rules-2",)]
        shown = _stories(con)
        # ... and the old articles stay, with their latest (old-version) classification.
        assert set(shown) == {a.article_id for a in old} | {new.article_id}
        assert shown[old[0].article_id] == ("rules", "rules-1", True)
        assert shown[new.article_id] == ("rules", "rules-2", False)
        assert _facts(con) == set(shown)
        assert con.execute("SELECT count(*) FROM story_topics").fetchone()[0] == 3

        # Re-scoring one old article with the current version: the current row wins.
        load_batch(con, "run-3", [], [_verdict(old[0], "rules", "rules-2", False)])
        assert _stories(con)[old[0].article_id] == ("rules", "rules-2", False)

        # A second classifier name made current (rules -> learned): still one row each,
        # the classifier made current last wins where an article has both.
        load_batch(con, "run-4", [], [_verdict(old[1], "learned", "learned-1", False)])
        shown = _stories(con)
        assert len(shown) == 4
        assert shown[old[1].article_id] == ("learned", "learned-1", False)
        assert shown[old[2].article_id] == ("rules", "rules-1", True)
        assert _facts(con) == set(shown)


def test_named_stories_query_shows_fallback_articles(tmp_path: Path):
    from warehouse.analytics import QueryParams, check_params, run_named

    old = [_article(f"old{i}") for i in range(2)]
    db = tmp_path / "ww.duckdb"
    with write_connection(db) as con:
        load_batch(con, "run-1", old, [_verdict(a, "rules", "rules-1", True) for a in old])
        new = _article("new4")
        load_batch(con, "run-2", [new], [_verdict(new, "rules", "rules-2", True)])
    result = run_named(str(db), "stories", check_params(QueryParams(count="articles")))
    assert len(result.rows) == 3


def test_one_current_version_policy_for_loads_and_rescoring(tmp_path: Path):
    """A load and a re-scoring (reclassify, reprocess, the LLM judge) follow the same policy
    (warehouse.load.mark_versions_current): the version is current with its first rows, and
    the articles it has not scored keep their previous verdict in `stories`."""
    from warehouse.load import classifications_table
    from warehouse.rescore import settle_version, upsert_classifications

    arts = [_article(f"art{i}") for i in range(3)]
    with write_connection(tmp_path / "ww.duckdb") as con:
        load_batch(con, "run-1", arts, [_verdict(a, "rules", "rules-1", True) for a in arts])
        current = "SELECT version FROM classifier_versions WHERE is_current"
        assert con.execute(current).fetchall() == [("rules-1",)]
        # a re-scoring slice of one article with a new version: current at once
        upsert_classifications(con, [classifications_table([_verdict(arts[0], "rules", "rules-2",
                                                                     False)])])
        assert con.execute(current).fetchall() == [("rules-2",)]
        assert settle_version(con, "rules", "rules-2") == (True, 2)
        shown = _stories(con)
        assert shown[arts[0].article_id] == ("rules", "rules-2", False)
        assert shown[arts[1].article_id] == ("rules", "rules-1", True)  # not hidden
