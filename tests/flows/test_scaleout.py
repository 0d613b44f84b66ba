"""Scale-out: the same ingest through a real distributed.LocalCluster (prefect-dask's
DaskTaskRunner) loads exactly what the default process pool loads."""

from __future__ import annotations

import asyncio

import duckdb
import pytest

from flows.ingest import daily_ingest
from flows.scaleout import DASK_ENV, dask_task_runner, with_dask

pytestmark = pytest.mark.usefixtures("prefect_harness")

CONTENT = """
SELECT a.canonical_url, a.url, a.feed, a.outlet, a.guid, a.title, a.summary, a.author,
       a.published_at, a.language, a.text, a.word_count, a.text_hash, a.source, a.sitename,
       c.classifier, c.version, c.ai_score, c.work_score, c.is_ai, c.is_work, c.is_ai_work,
       c.topics, c.evidence::VARCHAR
FROM articles a JOIN classifications c USING (article_id)
ORDER BY a.canonical_url
"""


def contents(db) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(CONTENT).fetchall()
    finally:
        con.close()


def test_dask_local_cluster_loads_the_same_warehouse(sample_feeds, tmp_path):
    default_db, dask_db = tmp_path / "default.duckdb", tmp_path / "dask.duckdb"
    plain = asyncio.run(daily_ingest(feeds_path=str(sample_feeds), db_path=str(default_db), workers=2))
    on_dask = asyncio.run(with_dask(daily_ingest, "local", 2)(
        feeds_path=str(sample_feeds), db_path=str(dask_db), workers=2))
    assert plain["new_articles"] == on_dask["new_articles"] >= 30
    assert on_dask["errors"] == 0
    assert contents(default_db) == contents(dask_db)


def test_without_the_option_nothing_changes(monkeypatch):
    monkeypatch.delenv(DASK_ENV, raising=False)
    assert with_dask(daily_ingest, None) is daily_ingest
    monkeypatch.setenv(DASK_ENV, "tcp://127.0.0.1:8786")
    assert type(with_dask(daily_ingest, None).task_runner).__name__ == "DaskTaskRunner"


def test_runner_for_an_address_and_for_local():
    remote = dask_task_runner("tcp://127.0.0.1:8786")
    assert remote.address == "tcp://127.0.0.1:8786"
    local = dask_task_runner("local", 2)
    assert local.cluster_kwargs["n_workers"] == 2 and local.cluster_kwargs["processes"]
