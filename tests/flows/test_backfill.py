"""Backfills from sitemaps, feed archives and URL lists against a loopback news site
(tests/backfill_site.py), into real DuckDB files: exactly the asked range, idempotent,
resumable after an interruption."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from flows.backfill import BackfillRequest, BackfillRequestError, run_backfill
from tests.backfill_site import NEWS_ONLY, UPDATED, SiteServer, build_site, in_range

SEPT = ("2026-09-01", "2026-09-30")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("harbour")
    articles = build_site(root)
    with SiteServer(root) as server:
        server.articles = articles
        yield server


@pytest.fixture(scope="module")
def pool():
    """One extraction pool for the module: threads, so no worker start-up per backfill (the
    process pool is exercised by the Prefect flow tests in test_backfill_offline.py)."""
    with ThreadPoolExecutor(max_workers=2) as ex:
        yield ex


@pytest.fixture
def feeds(site, tmp_path) -> Path:
    path = tmp_path / "feeds.toml"
    path.write_text(site.feeds_toml(), encoding="utf-8")
    return path


def backfill(feeds: Path, db: Path, pool, source="sitemap", since=None, until=None, **kw) -> dict:
    request = BackfillRequest(source=source, since=date.fromisoformat(since) if since else None,
                              until=date.fromisoformat(until) if until else None,
                              feeds_path=str(feeds), db_path=str(db), workers=2, **kw)
    return asyncio.run(run_backfill(request, pool=pool))


def rows(db: Path, query: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def stored_paths(db: Path, site) -> set[str]:
    return {r[0].removeprefix(site.base_url) for r in rows(db, "SELECT canonical_url FROM articles")}


def snapshot(db: Path) -> list[tuple]:
    return rows(db, "SELECT article_id, canonical_url, text_hash, source, published_at FROM articles "
                    "ORDER BY article_id")


def test_sitemap_backfill_loads_exactly_the_range_and_again_adds_nothing(site, feeds, pool, tmp_path):
    db = tmp_path / "w.duckdb"
    site.hits.clear()
    expected = {a.path for a in in_range(site.articles, *SEPT)}
    assert len(expected) == 20

    summary = backfill(feeds, db, pool, "sitemap", *SEPT)
    assert summary["status"] == "ok", summary
    assert summary["new_articles"] == len(expected) and summary["errors"] == 0
    assert stored_paths(db, site) == expected
    stored = rows(db, "SELECT source, published_at, word_count, title FROM articles")
    assert {r[0] for r in stored} == {"sitemap"}
    assert all(datetime(2026, 9, 1) <= r[1] < datetime(2026, 10, 1) and r[2] > 100 and r[3]
               for r in stored)
    # classified like any article; the backfill is a `runs` row with its parameters
    assert rows(db, "SELECT count(*) FROM stories")[0][0] == len(expected)
    assert rows(db, "SELECT kind, status, new_articles, parameters->>'source', parameters->>'since', "
                    "parameters->>'until' FROM runs") == [
        ("backfill", "ok", len(expected), "sitemap", "2026-09-01", "2026-09-30")]
    # robots.txt led to the index; sitemaps last changed before the range were never fetched
    assert "/sitemap_index.xml" in site.hits and "/sitemaps/posts-2026-09.xml" in site.hits
    assert "/sitemaps/posts-2026-08.xml" not in site.hits and "/sitemaps/pages.xml" not in site.hits

    before = snapshot(db)
    again = backfill(feeds, db, pool, "sitemap", *SEPT)
    assert again["new_articles"] == 0 and again["fetched"] == 0
    assert again["units_resumed"] == again["units"] > 0
    assert snapshot(db) == before
    assert rows(db, "SELECT count(*), count(DISTINCT run_id) FROM runs WHERE kind = 'backfill'") == [(2, 2)]


def test_news_sitemap_dates_and_implausible_dates(site, feeds, pool, tmp_path):
    db = tmp_path / "w.duckdb"
    since, until = "2026-08-01", "2026-10-31"
    summary = backfill(feeds, db, pool, "sitemap", since, until)
    paths = stored_paths(db, site)
    # every article, including the newest ones listed only in the Google News sitemap
    assert paths == {a.path for a in site.articles}
    news_only = site.articles[-NEWS_ONLY:]
    published = dict(rows(db, "SELECT canonical_url, published_at FROM articles"))
    for a in news_only:
        assert published[site.base_url + a.path] == a.published.replace(tzinfo=None)
    # entries dated 1970 / 2099 (and undated ones) are never selected by a dated backfill
    assert "/about/" not in paths and "/2099/01/01/typo-story/" not in paths
    assert summary["undated"] == 3 and summary["already_stored"] == 12 - NEWS_ONLY + 1


def test_a_lastmod_from_a_later_update_does_not_move_an_old_story(site, feeds, pool, tmp_path):
    db = tmp_path / "w.duckdb"
    summary = backfill(feeds, db, pool, "sitemap", "2026-10-15", "2026-10-31")
    # the October sitemap lists an August story (lastmod 20 October): its page says August
    updated = site.articles[UPDATED]
    assert summary["out_of_range"] == 1 and summary["fetched"] == summary["new_articles"] + 1
    assert stored_paths(db, site) == {a.path for a in in_range(site.articles, "2026-10-15", "2026-10-31")}
    assert updated.path not in stored_paths(db, site)
    # lastmod-only entries take the page's own date (the day), news entries their exact time
    published = {u.removeprefix(site.base_url): p for u, p in
                 rows(db, "SELECT canonical_url, published_at FROM articles")}
    assert all(published[a.path].date() == a.published.date() for a in site.articles
               if a.path in published)


def test_archive_backfill_pages_back_and_stops_at_the_range(site, feeds, pool, tmp_path):
    from warehouse.db import write_connection
    from warehouse.runs import start_run

    db = tmp_path / "w.duckdb"
    with write_connection(db) as con:  # a backfill that died without finishing its run
        start_run(con, "dead", "backfill", {"source": "sitemap"})
    site.hits.clear()
    summary = backfill(feeds, db, pool, "archive", *SEPT)
    assert summary["status"] == "ok", summary
    status = dict(rows(db, "SELECT run_id, status FROM runs"))
    assert status.pop("dead") == "crashed" and list(status.values()) == ["ok"]
    assert stored_paths(db, site) == {a.path for a in in_range(site.articles, *SEPT)}
    assert {r[0] for r in rows(db, "SELECT source FROM articles")} == {"archive"}
    feed_hits = [h for h in site.hits if h.startswith("/feed/")]
    # page 5 is the first whose items all predate September: the walk stops there
    assert feed_hits == ["/feed/"] + [f"/feed/?paged={n}" for n in range(2, 6)]
    # the item dated 2099 on page 2 is not trusted, so not selected
    assert summary["undated"] == 1
    again = backfill(feeds, db, pool, "archive", *SEPT)
    assert again["new_articles"] == 0 and again["units_resumed"] == again["units"]


def test_archive_walk_ends_on_404_and_on_a_repeated_page(site, tmp_path, pool):
    db = tmp_path / "w.duckdb"
    feeds = tmp_path / "feeds.toml"
    feeds.write_text(site.feeds_toml(), encoding="utf-8")
    site.hits.clear()
    summary = backfill(feeds, db, pool, "archive", "2026-08-01", "2026-08-05")
    assert summary["status"] == "ok"
    assert "/feed/?paged=7" in site.hits and "/feed/?paged=8" not in site.hits  # 7 is a 404
    assert stored_paths(db, site) == {a.path for a in in_range(site.articles, "2026-08-01", "2026-08-05")}

    with SiteServer(site.root, paged=False) as stubborn:  # a server that ignores ?paged=
        feeds.write_text(stubborn.feeds_toml(), encoding="utf-8")
        summary = backfill(feeds, tmp_path / "w2.duckdb", pool, "archive", "2026-10-20", "2026-10-31")
        assert stubborn.hits.count("/feed/?paged=2") == 1 and "/feed/?paged=3" not in stubborn.hits
        page_one = set(in_range(site.articles, "2026-10-20", "2026-10-31")) & set(site.articles[-10:])
        assert summary["new_articles"] == len(page_one) > 0  # page 1 only: page 2 repeats it


def test_urls_backfill_drops_pages_dated_outside_the_range(site, feeds, pool, tmp_path):
    db = tmp_path / "w.duckdb"
    september = in_range(site.articles, *SEPT)[:4]
    august = in_range(site.articles, "2026-08-01", "2026-08-31")[0]
    listing = ["# missed stories", ""] + [site.base_url + a.path for a in september] + [
        "   ", site.base_url + august.path, site.base_url + "/2099/01/01/typo-story/",
        site.base_url + "/2026/09/30/no-such-story/"]
    urls = tmp_path / "urls.txt"
    urls.write_text("\n".join(listing) + "\n", encoding="utf-8")

    summary = backfill(feeds, db, pool, "urls", *SEPT, urls_file=str(urls))
    assert summary["status"] == "partial"  # the 404
    assert summary["selected"] == 7 and summary["out_of_range"] == 1
    assert [e["error"] for e in summary["article_errors"]] == ["HTTP 404"]
    stored = dict(rows(db, "SELECT canonical_url, published_at FROM articles"))
    paths = {u.removeprefix(site.base_url) for u in stored}
    assert paths == {a.path for a in september} | {"/2099/01/01/typo-story/"}
    # the page claims 1970: an impossible date is stored as unknown, not trusted
    assert stored[site.base_url + "/2099/01/01/typo-story/"] is None
    assert {r[0] for r in rows(db, "SELECT source FROM articles")} == {"urls"}
    assert rows(db, "SELECT DISTINCT feed, outlet FROM articles") == [("harbour-times", "The Harbour Times")]


def test_interrupted_backfill_resumes_without_duplicates(site, feeds, pool, tmp_path):
    db = tmp_path / "w.duckdb"
    expected = {a.path for a in in_range(site.articles, *SEPT)}

    class Stop(Exception):
        pass

    def stop_after_first_batch(result):
        raise Stop("killed")

    request = BackfillRequest(source="sitemap", since=date(2026, 9, 1), until=date(2026, 9, 30),
                              feeds_path=str(feeds), db_path=str(db), batch_size=6, workers=2)
    with pytest.raises(Stop):
        asyncio.run(run_backfill(request, pool=pool, on_batch=stop_after_first_batch))
    assert rows(db, "SELECT count(*) FROM articles") == [(6,)]
    assert rows(db, "SELECT status, message FROM runs")[0][0] == "failed"

    summary = asyncio.run(run_backfill(request, pool=pool))
    assert summary["new_articles"] == len(expected) - 6 and summary["already_stored"] == 6
    assert stored_paths(db, site) == expected
    assert rows(db, "SELECT count(*), count(DISTINCT canonical_url) FROM articles") == [(20, 20)]
    assert rows(db, "SELECT count(*) FROM classifications") == [(20,)]
    assert sorted(r[0] for r in rows(db, "SELECT status FROM runs")) == ["failed", "ok"]


def test_outlet_option_and_failing_outlet(site, tmp_path, pool):
    feeds = tmp_path / "feeds.toml"
    feeds.write_text(site.feeds_toml('\n[[feeds]]\nname = "gone"\nurl = "http://127.0.0.1:1/feed/"\n'
                                     'outlet = "Gone"\n'), encoding="utf-8")
    db = tmp_path / "w.duckdb"
    both = backfill(feeds, db, pool, "archive", "2026-10-27", "2026-10-31")
    assert both["status"] == "partial" and both["outlets_ok"] == 1 and both["outlets_failed"] == 1
    assert "connection" in both["unit_errors"][0]["error"]
    only = backfill(feeds, tmp_path / "w2.duckdb", pool, "archive", "2026-10-27", "2026-10-31",
                    outlet="harbour-times")
    assert only["status"] == "ok" and only["new_articles"] == both["new_articles"] > 0
    with pytest.raises(BackfillRequestError, match="unknown feed nope"):
        backfill(feeds, db, pool, "archive", "2026-10-27", "2026-10-31", outlet="nope")


@pytest.mark.parametrize("kwargs, message", [
    ({"source": "sitemap"}, "needs --since and --until"),
    ({"source": "feeds", "since": "2026-01-01", "until": "2026-01-02"}, "unknown source"),
    ({"source": "archive", "since": "2026-02-01", "until": "2026-01-01"}, "is after"),
    ({"source": "urls"}, "needs --urls"),
])
def test_bad_requests_are_refused_before_any_work(tmp_path, kwargs, message):
    with pytest.raises(BackfillRequestError, match=message):
        backfill(tmp_path / "feeds.toml", tmp_path / "w.duckdb", None, **kwargs)
    assert not (tmp_path / "w.duckdb").exists()


def test_url_file_with_a_bad_line_names_it(site, feeds, tmp_path, pool):
    urls = tmp_path / "urls.txt"
    urls.write_text(f"{site.base_url}/a/\n# fine\nftp://example.org/x\n", encoding="utf-8")
    with pytest.raises(BackfillRequestError, match=r"urls.txt:3: not an http\(s\) URL"):
        backfill(feeds, tmp_path / "w.duckdb", pool, "urls", urls_file=str(urls))


def test_backfill_holds_the_ingest_lock(site, feeds, tmp_path, pool):
    from warehouse.errors import WarehouseLockedError
    from warehouse.db import ingest_lock

    db = tmp_path / "w.duckdb"
    with ingest_lock(db):
        with pytest.raises(WarehouseLockedError):
            backfill(feeds, db, pool, "archive", *SEPT)


def test_outlets_are_walked_concurrently_into_one_warehouse(site, tmp_path, pool):
    with SiteServer(site.root) as mirror:  # a second outlet (another origin), same stories
        feeds = tmp_path / "feeds.toml"
        feeds.write_text(site.feeds_toml(f'\n[[feeds]]\nname = "harbour-mirror"\n'
                                         f'url = "{mirror.base_url}/feed/"\noutlet = "Mirror"\n'),
                         encoding="utf-8")
        db = tmp_path / "w.duckdb"
        summary = backfill(feeds, db, pool, "sitemap", "2026-10-10", "2026-10-31", batch_size=4)
    expected = len(in_range(site.articles, "2026-10-10", "2026-10-31"))
    assert summary["status"] == "ok" and summary["outlets_ok"] == 2
    assert rows(db, "SELECT feed, count(*) FROM articles GROUP BY ALL ORDER BY 1") == [
        ("harbour-mirror", expected), ("harbour-times", expected)]


def test_each_fetching_source_is_one_unit_source_class():
    """sitemap, archive and urls are UnitSource classes (flows/backfill.py UNIT_SOURCES): a
    new source is one more class; the request checks come from the class."""
    from flows.backfill import FETCHING, UNIT_SOURCES, UnitSource

    assert FETCHING == tuple(UNIT_SOURCES) == ("sitemap", "archive", "urls")
    assert all(issubclass(cls, UnitSource) and cls.name == name
               for name, cls in UNIT_SOURCES.items())
    for source in ("sitemap", "archive"):
        with pytest.raises(BackfillRequestError, match="needs --since and --until"):
            BackfillRequest(source=source, since=date(2026, 1, 1)).validate()
    with pytest.raises(BackfillRequestError, match="needs --urls FILE"):
        BackfillRequest(source="urls").validate()
    BackfillRequest(source="urls", urls=("https://example.org/a",)).validate()
