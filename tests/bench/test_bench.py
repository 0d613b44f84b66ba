"""`workwatch bench`: one small real run (loopback site, ceiling, naive pipeline, the real
ingest flow in its own process, named queries), checked for every figure; no timing
thresholds. Plus the pieces: the bench site, host spreading, the lazy extraction pool."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import httpx
import pytest
from typer.testing import CliRunner

from bench.report import format_report
from bench.site import BenchSite, SiteSpec
from extractors.types import FeedItem
from cli.main import app
from flows.pipeline import LazyPool, spread_by_host

N = 40
FEEDS = 4


@pytest.fixture(scope="module")
def report(tmp_path_factory, prefect_harness) -> dict:
    from prefect.settings import PREFECT_API_URL

    keep = tmp_path_factory.mktemp("bench")
    result = CliRunner().invoke(app, [
        "bench", "--articles", str(N), "--latency-ms", "5", "--feeds", str(FEEDS),
        "--naive-limit", "8", "--query-articles", "2000", "--keep", str(keep),
        "--prefect-api-url", PREFECT_API_URL.value(), "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_json_report_has_every_figure(report):
    assert report["articles"] == N and report["feeds"] == FEEDS
    summary = report["summary"]
    for key in ("ceiling_rate", "naive_rate", "workwatch_rate", "workwatch_rate_with_startup",
                "workwatch_vs_ceiling", "workwatch_vs_ceiling_with_startup", "workwatch_vs_naive",
                "prefect_startup_s", "second_run_s", "peak_rss_mb"):
        assert isinstance(summary[key], (int, float)) and summary[key] > 0, key
    assert report["ceiling"]["extracted"] == N
    assert report["naive"]["measured"] == 8 and report["naive"]["extrapolated"] is True
    first = report["workwatch"]["first"]
    assert first["peak_pss_mb"] > 0 and "main" in first["peak_rss_mb_by_role"]
    assert first["cpu_s"]["main"] > 0


def test_real_ingest_loaded_every_article_then_nothing_new(report):
    ww = report["workwatch"]
    assert ww["loaded"] == N, ww
    assert ww["first"]["new_articles"] == N and ww["first"]["errors"] == 0
    assert ww["first"]["status"] == "ok" and ww["first"]["feeds_ok"] == FEEDS
    second = ww["second"]
    assert second["new_articles"] == 0 and second["not_modified"] == FEEDS
    assert report["site"]["feeds_304"] == FEEDS and report["site"]["pages_served"] == N


def test_named_query_latencies_are_reported(report):
    queries = report["queries"]
    if queries is None:
        pytest.skip("bench.queries is not there")
    assert queries["articles"] == 2000 and queries["median_ms"]
    assert all(v >= 0 for v in queries["median_ms"].values())


def test_text_report_names_every_figure(report):
    text = format_report(report)
    for label in ("extraction ceiling", "naive pipeline", "workwatch ingest", "with start-up",
                  "c/a =", "c/b =", "Prefect start-up", "peak memory", "second run, nothing new",
                  "extrapolated from 8 articles", f"loaded: {N} articles"):
        assert label in text, label


def test_bad_arguments_are_usage_errors():
    result = CliRunner().invoke(app, ["bench", "--articles", "0"])
    assert result.exit_code == 2


def test_bench_site_serves_feeds_pages_and_304():
    with BenchSite(SiteSpec(articles=7, feeds=3, latency_ms=0)) as site:
        feed = httpx.get(site.feed_url(1))
        assert feed.status_code == 200 and feed.headers["etag"]
        assert feed.text.count("<item>") == 2  # articles 1 and 4
        assert site.article_url(4) in feed.text
        again = httpx.get(site.feed_url(1), headers={"If-None-Match": feed.headers["etag"]})
        assert again.status_code == 304
        page = httpx.get(site.article_url(4))
        assert page.status_code == 200 and page.headers["content-encoding"] == "gzip"
        assert b"<" in page.content and len(page.content) > 1000
        assert httpx.get(site.base_url(0) + "/news/000004.html").status_code == 404  # wrong host
        assert httpx.get(site.base_url(2) + "/robots.txt").text.startswith("User-agent")
        stats = site.stats()
        assert stats.pages == 1 and stats.feeds_200 == 1 and stats.feeds_304 == 1


def item(url: str) -> FeedItem:
    return FeedItem(feed="f", outlet="o", url=url, canonical_url=url, guid=None, title="t",
                    published_at=datetime.now(timezone.utc))


def test_spread_by_host_interleaves_hosts_and_keeps_each_hosts_order():
    urls = [f"http://a.test/{i}" for i in range(3)] + ["http://b.test/0"] + \
           [f"http://c.test:81/{i}" for i in range(2)]
    spread = [i.url for i in spread_by_host([item(u) for u in urls])]
    assert spread == ["http://a.test/0", "http://b.test/0", "http://c.test:81/0",
                      "http://a.test/1", "http://c.test:81/1", "http://a.test/2"]
    assert spread_by_host([]) == []


def test_lazy_pool_starts_only_when_used():
    idle = LazyPool(1)
    idle.shutdown()  # never started: nothing to wait for
    assert idle._thread is None
    pool = LazyPool(1)
    try:
        assert pool.submit(pow, 2, 5).result(timeout=120) == 32
    finally:
        pool.shutdown()


def test_pages_fall_back_to_the_bundled_samples(tmp_path):
    from bench.pages import load_pages

    pages = load_pages(str(tmp_path / "no-corpus-here"))
    assert pages.source == "samples" and len(pages.templates) >= 20
    assert pages.page(len(pages.templates)) == pages.templates[0]  # bodies repeat, URLs do not
    assert all(t.html.lstrip().startswith(b"<") and t.title for t in pages.templates)


def test_tree_recorder_windows_peak_memory_and_cpu_by_role():
    from bench.proctree import ProcInfo, Sample, TreeRecorder

    mb = 2 ** 20
    rec = TreeRecorder(root=1)
    rec.samples = [
        Sample(0.0, (ProcInfo(1, "main", 100 * mb, 1.0, 90 * mb),)),
        Sample(1.0, (ProcInfo(1, "main", 300 * mb, 2.0, 250 * mb),
                     ProcInfo(2, "worker", 200 * mb, 0.5, 150 * mb),
                     ProcInfo(3, "forking", 300 * mb, 0.0, 300 * mb))),  # not counted
        Sample(2.0, (ProcInfo(1, "main", 250 * mb, 2.5, None),
                     ProcInfo(2, "worker", 220 * mb, 3.0, None))),
        Sample(3.0, (ProcInfo(1, "main", 900 * mb, 9.0, 900 * mb),)),  # after the window
    ]
    w = rec.window(0.5, 2.5)
    assert w["samples"] == 2
    assert w["peak_rss_mb"] == 500.0 and w["peak_pss_mb"] == 400.0
    assert w["peak_rss_mb_by_role"] == {"main": 300.0, "worker": 220.0}
    assert w["cpu_s"] == {"forking": 0.0, "main": 1.5, "worker": 3.0}


def test_fetcher_keeps_one_client_per_origin_and_caps_them():
    import asyncio

    from extractors.http import MAX_CLIENTS, Fetcher
    from extractors.settings import FetchSettings

    transport = httpx.MockTransport(
        lambda request: httpx.Response(200, stream=httpx.ByteStream(b"ok")))

    async def run():
        async with Fetcher(FetchSettings(per_host_delay_s=0, retries=0),
                           transport=transport) as fetcher:
            for port in range(20000, 20000 + MAX_CLIENTS + 6):
                await fetcher.get(f"http://127.0.0.1:{port}/a")
            again = [await fetcher.get(f"http://127.0.0.1:20005/{p}") for p in "bcd"]
            return len(fetcher._clients), again

    clients, again = asyncio.run(run())
    assert clients == MAX_CLIENTS
    assert all(r.status == 200 and r.body == b"ok" for r in again)


def test_pool_starts_early_only_when_news_is_likely():
    from datetime import timedelta

    from extractors.types import Feed, FeedState
    from flows.pipeline import news_likely
    from warehouse.runs import StoredFeed

    now = datetime(2026, 11, 26, 6, 0, tzinfo=timezone.utc)
    feeds = [Feed(name="a", url="http://127.0.0.1/a.xml", outlet="A"),
             Feed(name="b", url="http://127.0.0.1/b.xml", outlet="B")]

    def stored(minutes_ago):
        return {f.name: StoredFeed(f.name, FeedState(), None,
                                   (now - timedelta(minutes=m)).replace(tzinfo=None)
                                   if m is not None else None)
                for f, m in zip(feeds, minutes_ago)}

    assert news_likely(feeds, {}, now)  # never fetched
    assert news_likely(feeds, stored([5, None]), now)  # one never fetched successfully
    assert news_likely(feeds, stored([5, 24 * 60]), now)  # one last fetched yesterday
    assert not news_likely(feeds, stored([5, 10]), now)  # a run right after another
