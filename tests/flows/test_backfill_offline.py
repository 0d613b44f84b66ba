"""reprocess and reclassify work from the warehouse and the WARC archive alone (the site is
gone and sockets are blocked); a new classifier version keeps the old rows and becomes
current once every article has been scored by it. Also: the `backfill` Prefect flow and the
CLI commands (with their process pools)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import socket
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from classifiers import base
from flows.backfill import BackfillRequest, backfill, run_backfill
from cli.main import app
from tests.backfill_site import SiteServer, build_site, in_range

SEPT = (date(2026, 9, 1), date(2026, 9, 30))


def rows(db: Path, query: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(query, params or []).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """A warehouse with September loaded from the site's sitemaps; the site is then stopped."""
    tmp = tmp_path_factory.mktemp("offline")
    articles = build_site(tmp / "site")
    db = tmp / "w.duckdb"
    with SiteServer(tmp / "site") as site:
        feeds = tmp / "feeds.toml"
        feeds.write_text(site.feeds_toml(), encoding="utf-8")
        request = BackfillRequest(source="sitemap", since=SEPT[0], until=SEPT[1],
                                  feeds_path=str(feeds), db_path=str(db), workers=2)
        with ThreadPoolExecutor(2) as pool:
            summary = asyncio.run(run_backfill(request, pool=pool))
    assert summary["new_articles"] == len(in_range(articles, "2026-09-01", "2026-09-30")) == 20
    return db, feeds


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network is off in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def offline(db: Path, source: str, pool, **kw) -> dict:
    request = BackfillRequest(source=source, db_path=str(db), feeds_path="/nonexistent.toml", **kw)
    return asyncio.run(run_backfill(request, pool=pool))


@pytest.fixture
def next_version():
    """The default classifier under a new version (same verdicts), as after a model change."""
    from dataclasses import replace

    original = base._REGISTRY[base.DEFAULT]
    inner = original()

    class NextVersion:
        name = inner.name
        version = f"{inner.version}-test-next"

        def classify(self, batch):
            return [replace(c, version=self.version) for c in inner.classify(batch)]

    base.register(base.DEFAULT, NextVersion)
    yield NextVersion.version
    base.register(base.DEFAULT, original)


def test_reprocess_reextracts_archived_html_without_network(loaded, no_network, tmp_path):
    db, _ = loaded
    with duckdb.connect(str(db)) as con:
        before = dict(con.execute("SELECT article_id, text FROM articles").fetchall())
        con.execute("UPDATE articles SET text = 'stale', word_count = 1, text_hash = 'x'")
    with ThreadPoolExecutor(2) as pool:
        summary = offline(db, "reprocess", pool, since=SEPT[0], until=SEPT[1])
    assert summary["status"] == "ok", summary
    assert summary["selected"] == summary["extracted"] == summary["changed"] == 20
    after = rows(db, "SELECT article_id, text, word_count, text_hash FROM articles")
    for article_id, text, words, text_hash in after:
        assert text == before[article_id] and words > 100
        assert text_hash == hashlib.sha256(text.encode()).hexdigest()
    assert rows(db, "SELECT kind, status, parameters->>'source' FROM runs ORDER BY started_at DESC "
                    "LIMIT 1") == [("backfill", "ok", "reprocess")]
    # nothing to change a second time
    with ThreadPoolExecutor(2) as pool:
        assert offline(db, "reprocess", pool)["changed"] == 0


def test_reclassify_new_version_keeps_old_rows_and_switches_stories(loaded, no_network, next_version):
    """One "current version" policy (warehouse.load.mark_versions_current), as for loads: a
    version is current with its first rows; the articles it has not scored yet keep showing
    their previous verdict (migration 006), none leaves `stories`."""
    db, _ = loaded
    old = rows(db, "SELECT DISTINCT classifier_version FROM stories")
    assert len(old) == 1 and old[0][0] != next_version
    old_rows = rows(db, "SELECT article_id, is_ai_work, topics FROM classifications "
                        "WHERE version = ? ORDER BY article_id", [old[0][0]])

    with ThreadPoolExecutor(2) as pool:
        part = offline(db, "reclassify", pool, since=date(2026, 9, 1), until=date(2026, 9, 10))
    assert 0 < part["scored"] < 20 and part["current"] is True and part["unscored"] == 20 - part["scored"]
    assert "previous verdict" in part["message"]
    assert rows(db, "SELECT classifier_version, count(*) FROM stories GROUP BY 1 ORDER BY 1") == sorted(
        [(old[0][0], 20 - part["scored"]), (next_version, part["scored"])])
    assert rows(db, "SELECT version FROM classifier_versions WHERE is_current") == [(next_version,)]

    with ThreadPoolExecutor(2) as pool:
        full = offline(db, "reclassify", pool)
    assert full["scored"] == 20 - part["scored"] and full["current"] is True
    assert rows(db, "SELECT DISTINCT classifier_version FROM stories") == [(next_version,)]
    assert rows(db, "SELECT count(*) FROM stories") == [(20,)]
    # the old version's rows are still there, unchanged, and queryable
    assert rows(db, "SELECT article_id, is_ai_work, topics FROM classifications WHERE version = ? "
                    "ORDER BY article_id", [old[0][0]]) == old_rows
    assert rows(db, "SELECT version, count(*) FROM classifications GROUP BY ALL ORDER BY 1") == sorted(
        [(old[0][0], 20), (next_version, 20)])
    assert rows(db, "SELECT version FROM classifier_versions WHERE is_current") == [(next_version,)]
    # same verdicts (only the version changed), and a repeat has nothing left to do
    assert rows(db, "SELECT article_id, is_ai_work, topics FROM classifications WHERE version = ? "
                    "ORDER BY article_id", [next_version]) == old_rows
    with ThreadPoolExecutor(2) as pool:
        assert offline(db, "reclassify", pool)["scored"] == 0
        assert offline(db, "reclassify", pool, force=True)["scored"] == 20


def test_one_classification_table_for_loads_and_reclassify():
    """load_batch and the reclassify workers build the same table (one builder): one row
    per (article, classifier, version), the evidence as JSON."""
    from extractors.types import TextItem
    from warehouse.load import CLASSIFICATION_SCHEMA, classifications_table

    items = [TextItem("a", "Bank cuts 300 jobs as AI takes over back-office work", "Staff face layoffs."),
             TextItem("b", "Heavy rain expected", ""), TextItem("c", "", "", "")]
    scored = base.get_classifier().classify(items)
    table = classifications_table(scored + scored[:1])  # a repeated verdict is one row
    assert table.schema == CLASSIFICATION_SCHEMA
    assert table.column("article_id").to_pylist() == ["a", "b", "c"]
    evidence = json.loads(table.column("evidence")[0].as_py())
    assert evidence and set(evidence[0]) == {"signal", "term", "field", "start", "end", "weight"}


@pytest.mark.usefixtures("prefect_harness")
def test_backfill_flow_and_cli_against_the_site(tmp_path):
    from prefect.client.orchestration import get_client

    articles = build_site(tmp_path / "site")
    with SiteServer(tmp_path / "site") as site:
        feeds = tmp_path / "feeds.toml"
        feeds.write_text(site.feeds_toml(), encoding="utf-8")
        db = tmp_path / "w.duckdb"
        summary = asyncio.run(backfill(since=date(2026, 10, 22), until=date(2026, 10, 31),
                                       source="archive", feeds_path=str(feeds), db_path=str(db),
                                       batch_size=3, workers=1))
        expected = in_range(articles, "2026-10-22", "2026-10-31")
        assert summary["status"] == "ok" and summary["new_articles"] == len(expected) > 3

        async def artifact():
            async with get_client() as client:
                return await client.read_latest_artifacts()

        keys = {a.key for a in asyncio.run(artifact())}
        assert "backfill-summary" in keys

        urls = tmp_path / "urls.txt"
        urls.write_text(f"# one more\n{site.base_url}{articles[0].path}\n", encoding="utf-8")
        runner = CliRunner()
        result = runner.invoke(app, ["backfill", "--urls", str(urls), "--db", str(db),
                                     "--feeds", str(feeds), "--workers", "1", "--json"],
                               catch_exceptions=False)
        assert result.exit_code == 0, result.output
        out = json.loads(result.output.strip().splitlines()[-1])
        assert out["source"] == "urls" and out["new_articles"] == 1

    for args, message in [
        (["backfill", "--since", "2026-10-31", "--until", "2026-10-01"], "is after"),
        (["backfill", "--since", "31/10/2026", "--until", "2026-10-01"], "use a day like"),
        (["backfill", "--source", "archive"], "needs --since and --until"),
        (["backfill", "--source", "archive", "--urls", str(urls)], "--urls goes with --source urls"),
    ]:
        result = CliRunner().invoke(app, args + ["--db", str(db), "--feeds", str(feeds)])
        assert result.exit_code == 2 and message in result.output, (args, result.output)
    # the alias command, re-scoring every article in its process pool, offline
    result = CliRunner().invoke(app, ["reclassify", "--all", "--db", str(db), "--json"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = json.loads(result.output.strip().splitlines()[-1])
    assert out["scored"] == len(expected) + 1 and out["current"] is True
