"""The real ingest flow (Prefect, under the test harness) against the sample outlets served
on loopback, into a real DuckDB file."""

from __future__ import annotations

import asyncio
import json
import re
from html import unescape
from pathlib import Path

import duckdb
import pytest

from extractors.archive import archive_dir, read_archived
from flows.ingest import daily_ingest

pytestmark = pytest.mark.usefixtures("prefect_harness")


def manifest(root: Path) -> dict:
    return json.loads((root / "MANIFEST.json").read_text(encoding="utf-8"))


def all_articles(root: Path) -> list[dict]:
    return [a for o in manifest(root)["outlets"] for a in o["articles"]]


def ingest(feeds: Path, db: Path, **kwargs) -> dict:
    return asyncio.run(daily_ingest(feeds_path=str(feeds), db_path=str(db), workers=2, **kwargs))


def rows(db: Path, query: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def snapshot(db: Path) -> dict:
    return {
        "articles": rows(db, "SELECT * FROM articles ORDER BY article_id"),
        "classifications": rows(db, "SELECT * FROM classifications ORDER BY article_id"),
    }


def test_ingest_loads_articles_text_classifications_and_feed_state(sample_feeds, outlets_copy, tmp_path):
    db = tmp_path / "w.duckdb"
    expected = all_articles(outlets_copy)
    summary = ingest(sample_feeds, db)

    assert summary["status"] == "ok", summary
    assert summary["feeds_ok"] == 4 and summary["feeds_failed"] == 0
    assert summary["new_articles"] == len(expected) >= 30

    stored = rows(db, "SELECT title, text, canonical_url, word_count, archive_path, published_at, "
                      "outlet FROM articles")
    by_title = {r[0]: r for r in stored}
    for art in expected:
        row = by_title[art["title"]]
        assert art["first_sentence"] in row[1], art["title"]
        assert "utm_" not in row[2] and row[3] > 100
        assert row[5] is not None
        url, html = read_archived(archive_dir(db), row[4])
        assert art["path"] in url
        assert art["first_sentence"][:40] in unescape(html.decode("utf-8"))

    # one classification per article, and the current version is what `stories` shows
    assert rows(db, "SELECT count(*), count(DISTINCT article_id) FROM classifications") == [(len(expected),) * 2]
    assert rows(db, "SELECT count(*) FROM stories")[0][0] == len(expected)
    verdicts = dict(rows(db, "SELECT title, is_ai_work FROM stories"))
    agree = sum(verdicts[a["title"]] == a["ai_work"] for a in expected)
    assert agree / len(expected) >= 0.8, f"classifier agrees on {agree}/{len(expected)}"
    evidence = rows(db, "SELECT evidence FROM stories WHERE is_ai_work LIMIT 1")[0][0]
    assert json.loads(evidence)

    feeds = rows(db, "SELECT name, etag, body_hash, last_ok_at, last_status, error_score FROM feeds")
    assert len(feeds) == 4 and all(f[1] and f[2] and f[3] and f[4] == "ok" and f[5] == 0 for f in feeds)
    assert rows(db, "SELECT status, count(*) FROM feed_fetches GROUP BY ALL") == [("ok", 4)]
    assert rows(db, "SELECT kind, status, new_articles FROM runs") == [("ingest", "ok", len(expected))]


def test_rerun_changes_nothing_and_304_is_recorded(sample_feeds, tmp_path):
    db = tmp_path / "w.duckdb"
    ingest(sample_feeds, db)
    before = snapshot(db)
    summary = ingest(sample_feeds, db)
    assert summary["new_articles"] == 0 and summary["status"] == "ok"
    assert snapshot(db) == before
    statuses = rows(db, "SELECT f.status, count(*) FROM feed_fetches f JOIN runs r USING (run_id) "
                        "WHERE r.run_id = ? GROUP BY ALL".replace("?", f"'{summary['run_id']}'"))
    assert statuses == [("not_modified", 4)]


def test_changed_feed_adds_only_new_items(sample_feeds, sample_site, outlets_copy, tmp_path):
    db = tmp_path / "w.duckdb"
    first = ingest(sample_feeds, db)
    before = snapshot(db)

    # the outlet publishes a new story: a new page and a new item at the top of its feed
    outlet = manifest(outlets_copy)["outlets"][0]
    folder = outlets_copy / outlet["slug"]
    old = outlet["articles"][0]
    page = (folder / old["path"].lstrip("/")).read_text(encoding="utf-8")
    new_title = "Freshly published: a brand new story"
    (folder / "articles" / "fresh-story.html").write_text(
        page.replace(old["path"], "/articles/fresh-story.html"), encoding="utf-8")
    feed_path = folder / outlet["feed_path"].lstrip("/")
    feed = feed_path.read_text(encoding="utf-8")
    feed_path.write_text(_add_item(feed, outlet["feed_format"], new_title,
                                   "{{BASE_URL}}/articles/fresh-story.html"), encoding="utf-8")

    second = ingest(sample_feeds, db)
    assert second["new_articles"] == 1, second
    after = snapshot(db)
    assert len(after["articles"]) == len(before["articles"]) + 1
    assert set(before["articles"]) <= set(after["articles"])
    new_row = rows(db, "SELECT title, source FROM articles WHERE canonical_url LIKE '%fresh-story%'")
    assert new_row == [(new_title, "feed")]
    statuses = dict(rows(db, f"SELECT feed, status FROM feed_fetches WHERE run_id = '{second['run_id']}'"))
    assert statuses[outlet["slug"]] == "ok"
    assert sorted(set(statuses.values())) == ["not_modified", "ok"]
    assert first["run_id"] != second["run_id"]


def _add_item(feed: str, fmt: str, title: str, link: str) -> str:
    if fmt == "atom":
        entry = (f"<entry><title>{title}</title><link href=\"{link}\"/><id>{link}</id>"
                 "<updated>2026-11-21T08:00:00Z</updated><summary>New.</summary></entry>")
        return re.sub(r"(<entry[\s>])", entry + r"\1", feed, count=1)
    item = (f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid>"
            "<pubDate>Sat, 21 Nov 2026 08:00:00 GMT</pubDate><description>New.</description></item>")
    return feed.replace("<item>", item + "<item>", 1)


def test_failing_feed_does_not_stop_the_run(sample_site, tmp_path):
    feeds = tmp_path / "feeds.toml"
    feeds.write_text(sample_site.feeds_toml() + '\n[[feeds]]\nname = "gone"\n'
                     'url = "http://127.0.0.1:1/feed.xml"\noutlet = "Gone"\n', encoding="utf-8")
    db = tmp_path / "w.duckdb"
    summary = ingest(feeds, db)
    assert summary["feeds_ok"] == 4 and summary["feeds_failed"] == 1
    assert summary["status"] == "partial" and summary["new_articles"] >= 30
    gone = rows(db, "SELECT last_status, consecutive_failures, error_score, next_check_at > last_checked_at, "
                    "last_error FROM feeds WHERE name = 'gone'")[0]
    assert gone[0] == "error" and gone[1] == 1 and gone[2] > 0 and gone[3]
    assert "connection" in gone[4]
    # backing off: the next run skips it (and says so) unless forced
    again = ingest(feeds, db)
    assert {f["feed"]: f["status"] for f in again["feeds"]}["gone"] == "skipped"
    forced = ingest(feeds, db, force=True)
    assert {f["feed"]: f["status"] for f in forced["feeds"]}["gone"] == "error"
    assert rows(db, "SELECT consecutive_failures FROM feeds WHERE name = 'gone'") == [(2,)]


def test_ingest_with_a_chosen_offline_classifier(sample_feeds, tmp_path):
    """`--classifier rules` classifies a run with the rules only (and never the LLM judge)."""
    from classifiers.base import DEFAULT

    db = tmp_path / "w.duckdb"
    summary = ingest(sample_feeds, db, classifier="rules")
    assert summary["status"] == "ok" and summary["new_articles"] > 0
    assert rows(db, "SELECT DISTINCT classifier FROM classifications") == [("rules",)]
    assert "llm" not in summary
    assert DEFAULT != "rules"  # the default run would have used another classifier


def test_ingest_classifier_option_is_checked_before_prefect_starts(sample_feeds, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from cli.main import app

    monkeypatch.delenv("WORKWATCH_LLM_BASE_URL", raising=False)
    runner = CliRunner()
    for value, message in (("llm", "no LLM judge is configured"), ("bogus", "choose llm or one of")):
        result = runner.invoke(app, ["ingest", "--feeds", str(sample_feeds), "--db",
                                     str(tmp_path / "w.duckdb"), "--classifier", value])
        assert result.exit_code == 2 and message in result.output, result.output
        assert "starting Prefect" not in result.output
    assert not (tmp_path / "w.duckdb").exists()
