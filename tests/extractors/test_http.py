"""The fetcher's network rules, against real loopback servers."""

from __future__ import annotations

import asyncio
import gzip
import time

import pytest

from extractors.addresses import AddressPolicy
from extractors.errors import (BlockedURLError, BodyTooLargeError, HardFetchError,
                               NotHTMLError, RobotsDisallowedError, TransientFetchError)
from extractors.http import Fetcher, parse_retry_after
from extractors.settings import FetchSettings
from tests.servers import RouteServer, endless, ok, trickle

FAST = FetchSettings(per_host_delay_s=0.0, retries=2, backoff_base_s=0.05,
                     request_deadline_s=5.0, max_page_bytes=200_000)


def fetch(url, settings=FAST, policy=None, **kwargs):
    async def go():
        async with Fetcher(settings, policy=policy) as f:
            return await f.get(url, **kwargs)
    return asyncio.run(go())


def test_get_sends_user_agent_and_returns_body():
    with RouteServer({"/a": ok(b"<html>hi</html>")}) as srv:
        resp = fetch(srv.url("/a"))
    assert resp.status == 200 and resp.body == b"<html>hi</html>"
    assert srv.headers_seen[0]["User-Agent"].startswith("workwatch/")
    assert "+http" in srv.headers_seen[0]["User-Agent"]


def test_redirects_are_followed_and_capped():
    routes = {f"/r{i}": (lambda i: lambda req: (302, {"Location": f"/r{i + 1}"}, b""))(i)
              for i in range(10)}
    routes["/r3"] = ok(b"<html>landed</html>")
    with RouteServer(routes) as srv:
        assert fetch(srv.url("/r0")).final_url.endswith("/r3")
        routes["/r3"] = lambda req: (302, {"Location": "/r4"}, b"")
        srv.routes.update(routes)
        with pytest.raises(HardFetchError, match="more than 5 redirects"):
            fetch(srv.url("/r0"))


def test_redirect_loop_stops():
    with RouteServer({"/loop": lambda req: (301, {"Location": "/loop"}, b"")}) as srv:
        with pytest.raises(HardFetchError, match="redirects"):
            fetch(srv.url("/loop"))
        assert len(srv.hits) == 6


def test_endless_body_stops_at_cap():
    with RouteServer({"/big": endless()}) as srv:
        with pytest.raises(BodyTooLargeError):
            fetch(srv.url("/big"))


def test_gzip_bomb_stops_at_cap_after_decompression():
    bomb = gzip.compress(b"\0" * 50_000_000)
    assert len(bomb) < 100_000
    with RouteServer({"/bomb": ok(bomb, **{"Content-Encoding": "gzip"})}) as srv:
        with pytest.raises(BodyTooLargeError, match="after decompression"):
            fetch(srv.url("/bomb"))


def test_trickling_response_stops_at_deadline():
    settings = FetchSettings(per_host_delay_s=0, retries=0, request_deadline_s=1.0)
    with RouteServer({"/slow": trickle()}) as srv:
        started = time.monotonic()
        with pytest.raises(TransientFetchError, match="within 1s"):
            fetch(srv.url("/slow"), settings=settings)
        assert time.monotonic() - started < 3


def test_retry_after_is_honoured_then_success():
    calls = []

    def flaky(req):
        calls.append(time.monotonic())
        if len(calls) == 1:
            return 429, {"Retry-After": "1", "Content-Type": "text/plain"}, b"slow down"
        return 200, {"Content-Type": "text/html"}, b"<html>ok</html>"

    with RouteServer({"/x": flaky}) as srv:
        resp = fetch(srv.url("/x"))
    assert resp.status == 200 and len(calls) == 2
    assert calls[1] - calls[0] >= 0.95


def test_404_is_hard_and_not_retried():
    with RouteServer({}) as srv:
        with pytest.raises(HardFetchError, match="HTTP 404"):
            fetch(srv.url("/missing"))
        assert len(srv.hits) == 1


def test_503_is_retried_then_reported_transient():
    with RouteServer({"/down": lambda req: (503, {"Content-Type": "text/plain"}, b"")}) as srv:
        with pytest.raises(TransientFetchError, match="HTTP 503"):
            fetch(srv.url("/down"))
        assert len(srv.hits) == 3  # one try plus two retries


def test_non_http_scheme_is_blocked():
    with pytest.raises(BlockedURLError, match="scheme 'file'"):
        fetch("file:///etc/passwd")


def test_link_to_other_loopback_host_is_blocked_and_canary_never_hit():
    with RouteServer({"/secret": ok(b"secret")}, host="127.0.0.2") as canary:
        routes = {"/go": lambda req: (302, {"Location": canary.url("/secret")}, b""),
                  "/page": ok(b"<html>page</html>")}
        with RouteServer(routes) as feed_host:
            with pytest.raises(BlockedURLError, match="non-public"):
                fetch(canary.url("/secret"), trusted_host="127.0.0.1")
            with pytest.raises(BlockedURLError):  # a redirect hop is checked too
                fetch(feed_host.url("/go"), trusted_host=f"127.0.0.1:{feed_host.port}")
            # the feed's own host may be loopback
            assert fetch(feed_host.url("/page"), trusted_host=f"127.0.0.1:{feed_host.port}").status == 200
        assert canary.hits == []


def test_private_ranges_checked_with_replaced_resolver():
    async def resolver(host, port):
        return {"intranet.example": ["10.1.2.3"], "mixed.example": ["93.184.216.34", "192.168.1.9"],
                "public.example": ["93.184.216.34", "2606:2800:220:1::1"],
                "meta.example": ["169.254.169.254"]}[host]

    policy = AddressPolicy(resolver)

    async def check(url, trusted="feeds.example"):
        await policy.check(url, trusted)

    for url in ("http://intranet.example/a", "http://mixed.example/a", "http://meta.example/",
                "http://[::1]/a", "http://0.0.0.0/", "http://100.64.0.1/"):
        with pytest.raises(BlockedURLError):
            asyncio.run(check(url))
    asyncio.run(check("https://public.example/a"))
    asyncio.run(check("http://intranet.example/a", trusted="intranet.example"))


def test_robots_txt_is_honoured_for_pages():
    robots = b"User-agent: *\nDisallow: /private/\n"
    with RouteServer({"/robots.txt": ok(robots, "text/plain"), "/private/a": ok(b"<html>no</html>"),
                      "/public/a": ok(b"<html>yes</html>")}) as srv:
        assert fetch(srv.url("/public/a"), check_robots=True).status == 200
        with pytest.raises(RobotsDisallowedError):
            fetch(srv.url("/private/a"), check_robots=True)
        assert "/private/a" not in srv.hits


def test_non_html_page_is_skipped():
    with RouteServer({"/doc.pdf": ok(b"%PDF-1.4", "application/pdf")}) as srv:
        with pytest.raises(NotHTMLError, match="application/pdf"):
            fetch(srv.url("/doc.pdf"), html_only=True)


def test_parse_retry_after():
    assert parse_retry_after("120") == 120
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_gzip_page_is_archived_as_received_and_reads_back_decoded(tmp_path):
    from datetime import datetime, timezone

    from warcio.archiveiterator import ArchiveIterator

    from extractors.archive import WarcArchive, read_archived
    from extractors.pages import fetch_page
    from extractors.types import FeedItem

    html = b"<html><body><p>" + b"Workers and AI tools. " * 500 + b"</p></body></html>"
    wire = gzip.compress(html)
    routes = {"/gz.html": ok(wire, **{"Content-Encoding": "gzip", "Content-Type": "text/html"}),
              "/plain.html": ok(html, **{"Content-Type": "text/html"}),
              "/robots.txt": ok(b"User-agent: *\nAllow: /\n", **{"Content-Type": "text/plain"})}

    async def go(srv):
        async with Fetcher(FAST) as f:
            items = [FeedItem("f", "o", srv.url(p), srv.url(p), None, "t")
                     for p in ("/gz.html", "/plain.html")]
            return [await fetch_page(f, item, f"127.0.0.1:{srv.port}") for item in items]

    with RouteServer(routes) as srv:
        gz_page, plain_page = asyncio.run(go(srv))
    assert gz_page.html == html and gz_page.gzip_body == wire
    assert plain_page.html == html and plain_page.gzip_body is None
    archived = WarcArchive(tmp_path, "run").write([gz_page, plain_page])
    assert all(p.gzip_body is None and p.archive_path for p in archived)  # not sent on
    for page in archived:
        assert read_archived(tmp_path, page.archive_path) == (page.final_url, html)
    rel, _, offset = archived[0].archive_path.rpartition("#")
    with open(tmp_path / rel, "rb") as fh:
        fh.seek(int(offset))
        record = next(iter(ArchiveIterator(fh)))
        assert record.http_headers.get_header("Content-Encoding") == "gzip"
        assert record.raw_stream.read() == wire  # the bytes as they came over the wire


def test_page_chunks_hand_on_every_page_and_error_in_chunks():
    from extractors.pages import fetch_page_chunks
    from extractors.types import FeedItem

    routes = {f"/p{i}.html": ok(f"<html><p>page {i}</p></html>".encode(),
                                **{"Content-Type": "text/html"}) for i in range(7)}
    routes["/robots.txt"] = ok(b"User-agent: *\nDisallow: /p6\n", **{"Content-Type": "text/plain"})

    async def go(srv):
        items = [FeedItem("f", "o", srv.url(f"/p{i}.html"), srv.url(f"/p{i}.html"), None, "t")
                 for i in list(range(7)) + [9]]  # p6: robots; p9: 404
        async with Fetcher(FAST) as f:
            return [chunk async for chunk in fetch_page_chunks(f, items, {"f": f"127.0.0.1:{srv.port}"}, 3)]

    with RouteServer(routes) as srv:
        chunks = asyncio.run(go(srv))
    sizes = [len(pages) for pages, _errors in chunks]
    assert sizes == [3, 3]  # six pages in chunks of three, in the order they arrived
    pages = sorted(p.item.url.rsplit("/", 1)[1] for c, _e in chunks for p in c)
    assert pages == [f"p{i}.html" for i in range(6)]
    errors = sorted(e.reason for _p, errs in chunks for e in errs)
    assert errors == ["http_error", "robots"]


def test_archive_written_from_many_threads_keeps_every_record_at_its_offset(tmp_path):
    from concurrent.futures import ThreadPoolExecutor
    from datetime import datetime, timezone

    from extractors.archive import WarcArchive, read_archived
    from extractors.types import FeedItem, Page

    now = datetime.now(timezone.utc)
    archive = WarcArchive(tmp_path, "run")

    def pages(batch):
        out = []
        for i in range(20):
            url = f"http://127.0.0.1/{batch}/{i}.html"
            html = f"<html><p>batch {batch} page {i}</p>{'x' * 5000 * (i % 3)}</html>".encode()
            out.append(Page(FeedItem("f", "o", url, url, None, "t"), url, 200, html,
                            "text/html", now, gzip_body=gzip.compress(html) if i % 2 else None))
        return out

    with ThreadPoolExecutor(8) as pool:
        written = [p for batch in pool.map(archive.write, (pages(b) for b in range(8)))
                   for p in batch]
    assert len({p.archive_path for p in written}) == 160
    for page in written:
        assert read_archived(tmp_path, page.archive_path) == (page.final_url, page.html)


def test_a_failing_archive_fails_the_batch_and_stops_its_fetches_and_extractions(tmp_path):
    """Disk full while archiving: the batch raises at once, and the page fetches and
    extractions it started are cancelled, not left running behind it."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from extractors.types import FeedItem
    from flows import pipeline

    release = threading.Event()

    def slow(req):
        release.wait(5)
        return 200, {"Content-Type": "text/html"}, b"<html><p>late</p></html>"

    routes = {f"/p{i}.html": ok(f"<html><p>page {i}</p></html>".encode(),
                                **{"Content-Type": "text/html"}) for i in range(10)}
    routes.update({f"/s{i}.html": slow for i in range(10)})
    routes["/robots.txt"] = ok(b"User-agent: *\nAllow: /\n", **{"Content-Type": "text/plain"})

    class FullDisk:
        calls = 0

        def write(self, pages):
            FullDisk.calls += 1
            if FullDisk.calls == 2:
                raise OSError(28, "No space left on device")
            return pages

    async def go(srv):
        paths = [f"/p{i}.html" for i in range(10)] + [f"/s{i}.html" for i in range(10)]
        items = [FeedItem("f", "o", srv.url(p), srv.url(p), None, "t") for p in paths]
        settings = FetchSettings(per_host_delay_s=0.0, per_host_concurrency=20, retries=0)
        async with Fetcher(settings) as f:
            rt = pipeline.Runtime(run_id="r", db_path=tmp_path / "w.duckdb", data_dir=tmp_path,
                                  fetcher=f, pool=ThreadPoolExecutor(2), archive=FullDisk(),
                                  batch_size=20, workers=2)
            rt.feed_hosts = {"f": f"127.0.0.1:{srv.port}"}
            with pytest.raises(OSError, match="No space"):
                await pipeline.process_batch(rt, items)
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            left_running = [t for t in others if not t.done() and not t.cancelling()]
            release.set()
            rt.pool.shutdown()
            return left_running

    with RouteServer(routes) as srv:
        assert asyncio.run(go(srv)) == []
    assert FullDisk.calls == 2


def test_data_after_the_gzip_member_is_an_error_and_never_kept():
    """Issue 15, finding 2: the decoder once kept every raw chunk after the gzip member ended
    (a 4 KB article plus 800 MB of junk came back "OK" with an 838 MB gzip body)."""
    article = b"<html><body><p>" + b"An article. " * 300 + b"</p></body></html>"
    wire = gzip.compress(article) + b"\0junk" * 200_000  # 1 MB after the member
    with RouteServer({"/trail": ok(wire, **{"Content-Encoding": "gzip", "Content-Type": "text/html"})}) as srv:
        with pytest.raises(HardFetchError, match="data after the end of the gzip stream"):
            fetch(srv.url("/trail"))


def test_the_cap_counts_bytes_as_received_too():
    import os

    from extractors.http import _Decoder

    decoder = _Decoder("gzip", 10_000, "http://x/")
    wire = gzip.compress(os.urandom(30_000))  # incompressible: raw passes the cap first
    with pytest.raises(BodyTooLargeError, match="as received"):
        for i in range(0, len(wire), 4096):
            decoder.feed(wire[i:i + 4096])
    assert sum(len(c) for c in decoder.raw_chunks) <= 10_000 + 4096
