"""The learned classifier's calibrated probability is stored with each classification
(issue 13, migration 041): written by a load and by a re-scoring, NULL for classifiers that
give none (the rules)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import pytest

from classifiers.base import get_classifier
from extractors.types import Article
from warehouse.db import write_connection
from warehouse.load import classifications_table, load_batch
from warehouse.rescore import upsert_classifications


def _article(key: str, title: str, summary: str) -> Article:
    url = f"https://prob.example/news/{key}"
    return Article(
        article_id=hashlib.sha256(url.encode()).hexdigest()[:16], url=url, canonical_url=url,
        feed="prob", outlet="Prob", guid=key, title=title, summary=summary, author=None,
        published_at=datetime(2024, 3, 2), first_seen_at=datetime(2024, 3, 20), language="en",
        text="", word_count=0, text_hash=hashlib.sha256(key.encode()).hexdigest(), source="feed")


def _item(a: Article):
    from extractors.types import TextItem

    return TextItem(a.article_id, a.title, a.summary, a.text)


@pytest.mark.slow  # migrations of a fresh DuckDB warehouse: ~3.5 s
def test_probability_is_stored_by_loads_and_rescoring(tmp_path: Path):
    arts = [_article("p", "Bank to replace 2,000 back-office jobs with AI by 2026",
                     "The lender said generative AI tools would take over document checks."),
            _article("n", "Heavy rain expected across the region this weekend",
                     "Forecasters warned of flooding on low roads.")]
    learned = get_classifier("learned")
    rules = get_classifier("rules")
    verdicts = learned.classify([_item(a) for a in arts])
    q = ("SELECT article_id, probability FROM classifications WHERE classifier = ? "
         "ORDER BY article_id")
    with write_connection(tmp_path / "ww.duckdb") as con:
        load_batch(con, "run-1", arts, verdicts)
        stored = dict(con.execute(q, ["learned"]).fetchall())
        assert stored == {c.item_id: c.probability for c in verdicts}
        assert stored[arts[0].article_id] > 0.5 > stored[arts[1].article_id]
        # a re-scoring (reclassify/reprocess path) writes it too, and a classifier without a
        # probability stores NULL
        upsert_classifications(con, [classifications_table(rules.classify([_item(a) for a in arts]))])
        assert dict(con.execute(q, ["rules"]).fetchall()) == {a.article_id: None for a in arts}
        con.execute("UPDATE classifications SET probability = NULL WHERE classifier = 'learned'")
        upsert_classifications(con, [classifications_table(verdicts)])
        assert dict(con.execute(q, ["learned"]).fetchall()) == stored
