"""Hardening of the fetcher: politeness measured with timestamps on loopback servers, the SSRF
rule under every spelling of a loopback canary, DNS pinning, bounded decompression."""

from __future__ import annotations

import asyncio
import gzip
import time
import tracemalloc
import zlib

import pytest

from extractors import addresses
from extractors.addresses import AddressPolicy, ip_literal, is_public
from extractors.errors import (BlockedURLError, BodyTooLargeError, HardFetchError,
                               InvalidURLError, NotHTMLError, RobotsUnavailableError,
                               TransientFetchError)
from extractors.feeds import fetch_feed
from extractors.http import Fetcher, HostGate, _Decoder, _pinned
from extractors.settings import FetchSettings
from extractors.types import Feed
from tests.hostile_server import (Canary, LoopbackServer, Reply, gzip_bomb_stream,
                                  ipv6_loopback_available)

FAST = FetchSettings(per_host_delay_s=0.0, retries=1, backoff_base_s=0.05, request_deadline_s=3.0,
                     connect_timeout_s=1.0, read_timeout_s=2.0, max_page_bytes=1_000_000,
                     max_retry_after_s=2.0)
PAGE = b"<html><body><p>hello</p></body></html>"


def ok(body: bytes = PAGE, ctype: str = "text/html; charset=utf-8", **headers):
    return lambda req: Reply(200, {"Content-Type": ctype, **headers}, body)


def slow(seconds: float, body: bytes = PAGE):
    def route(req):
        time.sleep(seconds)
        return Reply(200, {"Content-Type": "text/html"}, body)
    return route


def run(coro_fn, settings=FAST, policy=None):
    async def go():
        async with Fetcher(settings, policy=policy) as f:
            return await coro_fn(f)
    return asyncio.run(go())


def get(url, settings=FAST, policy=None, **kwargs):
    return run(lambda f: f.get(url, **kwargs), settings, policy)


def never_resolve():
    async def resolver(host, port):
        raise AssertionError(f"the resolver must not be asked about {host}")
    return AddressPolicy(resolver)


# ---------------------------------------------------------------- politeness


def max_overlap(hits) -> int:
    events = sorted([(h.started, 1) for h in hits] + [(h.finished, -1) for h in hits])
    level = peak = 0
    for _, step in events:
        level += step
        peak = max(peak, level)
    return peak


@pytest.mark.slow
def test_per_host_concurrency_and_delay_measured_on_the_server():
    settings = FetchSettings(per_host_concurrency=2, per_host_delay_s=0.2, retries=0,
                             request_deadline_s=10)
    with LoopbackServer({"*": slow(0.3)}) as busy, LoopbackServer({"*": slow(0.3)}) as other:
        async def many(f):
            started = time.monotonic()
            await asyncio.gather(*(f.get(busy.url(f"/p{i}")) for i in range(8)),
                                 *(f.get(other.url(f"/q{i}")) for i in range(2)))
            return time.monotonic() - started
        run(many, settings)
    starts = sorted(h.started for h in busy.records)
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    assert len(starts) == 8
    assert max_overlap(busy.records) <= 2, "more than per_host_concurrency requests at once"
    assert min(gaps) >= 0.1, f"requests to one host started {min(gaps):.3f}s apart"
    assert starts[-1] - starts[0] >= 7 * 0.2 - 0.1
    # the other host has its own gate: its requests did not wait behind the busy host
    assert min(h.started for h in other.records) - starts[0] < 0.35


@pytest.mark.slow
def test_request_deadline_does_not_count_waiting_in_line_for_the_host():
    settings = FetchSettings(per_host_concurrency=1, per_host_delay_s=0.0, retries=0,
                             request_deadline_s=1.0)
    with LoopbackServer({"*": slow(0.4)}) as srv:
        results = run(lambda f: asyncio.gather(*(f.get(srv.url(f"/p{i}")) for i in range(5))),
                      settings)
    assert [r.status for r in results] == [200] * 5  # 2 s in line, 1 s deadline each


@pytest.mark.slow
def test_retry_after_is_waited_once_and_holds_back_the_whole_host():
    def throttled(req):
        if req.count == 1:
            return Reply(429, {"Retry-After": "1", "Content-Type": "text/plain"}, b"slow down")
        return Reply(200, {"Content-Type": "text/html"}, PAGE)

    with LoopbackServer({"/t": throttled, "/other": ok()}) as srv:
        async def go(f):
            first = asyncio.create_task(f.get(srv.url("/t")))
            while not srv.records:
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.05)
            other = await f.get(srv.url("/other"))
            return await first, other
        first, other = run(go)
    assert first.status == 200 and other.status == 200
    t_hits = srv.hits_of("/t")
    waited = t_hits[1].started - t_hits[0].started
    assert 0.95 <= waited < 1.6, f"retried after {waited:.2f}s (Retry-After: 1)"
    assert srv.hits_of("/other")[0].started - t_hits[0].started >= 0.95


def test_retry_after_beyond_the_cap_fails_fast_and_the_host_is_left_alone():
    with LoopbackServer({"/t": lambda req: Reply(429, {"Retry-After": "3600"}, b""),
                         "/other": ok()}) as srv:
        async def go(f):
            started = time.monotonic()
            with pytest.raises(TransientFetchError, match="HTTP 429"):
                await f.get(srv.url("/t"))
            with pytest.raises(TransientFetchError, match="come back"):
                await f.get(srv.url("/other"))
            return time.monotonic() - started
        took = run(go)
    assert srv.hits == ["/t"] and took < 1.0


@pytest.mark.slow
def test_503_without_retry_after_backs_off_with_jitter_and_gives_up():
    settings = FetchSettings(per_host_delay_s=0.0, retries=2, backoff_base_s=0.2)
    with LoopbackServer({"*": lambda req: Reply(503, {}, b"")}) as srv:
        with pytest.raises(TransientFetchError, match="HTTP 503"):
            get(srv.url("/x"), settings)
    starts = [h.started for h in srv.records]
    assert len(starts) == 3
    assert 0.09 <= starts[1] - starts[0] <= 0.5 and 0.19 <= starts[2] - starts[1] <= 0.9


def test_404_is_not_retried_and_user_agent_carries_the_configured_contact():
    settings = FetchSettings(contact_url="https://example.org/workwatch-contact", retries=2)
    with LoopbackServer({}) as srv:
        with pytest.raises(HardFetchError, match="HTTP 404"):
            get(srv.url("/missing"), settings)
    assert len(srv.records) == 1
    ua = srv.records[0].headers["User-Agent"]
    assert ua.startswith("workwatch/") and "+https://example.org/workwatch-contact" in ua


def test_cancelled_request_waiting_at_the_gate_frees_its_slot():
    async def go():
        gate = HostGate(concurrency=1, delay_s=5.0)
        async with gate:
            pass
        waiting = asyncio.create_task(gate.__aenter__())  # waits 5 s for its turn
        await asyncio.sleep(0.05)
        waiting.cancel()
        await asyncio.gather(waiting, return_exceptions=True)
        gate.delay_s = 0.0
        gate._next_start = 0.0
        await asyncio.wait_for(gate.__aenter__(), 1.0)  # would hang if the slot leaked
    asyncio.run(go())


# ---------------------------------------------------------------- robots.txt


def test_robots_unavailable_means_no_page_this_run_and_a_transient_error():
    with LoopbackServer({"/robots.txt": lambda req: Reply(503, {}, b""), "*": ok()}) as srv:
        async def go(f):
            errors = []
            for path in ("/a", "/b"):
                with pytest.raises(RobotsUnavailableError) as info:
                    await f.get(srv.url(path), check_robots=True, trusted_host=srv.origin)
                errors.append(info.value)
            return errors
        errors = run(go)
    assert all(e.kind == "transient" for e in errors)
    assert set(srv.hits) == {"/robots.txt"} and len(srv.hits) == 2  # 1 try + 1 retry, once


def test_robots_txt_redirect_to_the_canary_is_not_followed():
    with Canary() as canary:
        routes = {"/robots.txt": lambda req: Reply(302, {"Location": canary.url("/robots.txt")}, b""),
                  "/page": ok()}
        with LoopbackServer(routes) as srv:
            resp = get(srv.url("/page"), check_robots=True, trusted_host=srv.origin)
        assert resp.status == 200
        assert canary.hits == []


# ---------------------------------------------------------------- SSRF


def canary_spellings(port: int) -> list[str]:
    return [f"http://127.0.0.2:{port}/x", f"http://2130706434:{port}/x",
            f"http://0x7f000002:{port}/x", f"http://0177.0.0.2:{port}/x",
            f"http://127.2:{port}/x", f"http://0x7f.0.0.2:{port}/x",
            f"http://[::ffff:127.0.0.2]:{port}/x", f"http://[::ffff:7f00:2]:{port}/x",
            f"http://127.0.0.2.:{port}/x", f"http://user:pw@127.0.0.2:{port}/x"]


def test_every_spelling_of_the_loopback_canary_is_blocked_without_dns():
    with Canary() as canary:
        for url in canary_spellings(canary.port):
            with pytest.raises((BlockedURLError, InvalidURLError)) as info:
                get(url, policy=never_resolve(), trusted_host="127.0.0.1")
            # httpx itself refuses the octal spelling; every other one is read as loopback
            assert "non-public address" in str(info.value) or "0177" in url, url
        assert canary.hits == []


@pytest.mark.skipif(not ipv6_loopback_available(), reason="no IPv6 loopback on this machine")
def test_ipv6_loopback_canary_is_blocked_but_may_be_the_feeds_own_host():
    with Canary("::1") as canary:
        for url in (canary.url("/x"), f"http://[0:0:0:0:0:0:0:1]:{canary.port}/x"):
            with pytest.raises(BlockedURLError):
                get(url, policy=never_resolve(), trusted_host="127.0.0.1")
        assert canary.hits == []
        # a feed served from [::1] may link to its own host
        assert get(canary.url("/own"), trusted_host=f"[::1]:{canary.port}").status == 200
        assert canary.hits == ["/own"]


def test_redirect_hops_of_links_and_of_feeds_are_checked():
    with Canary() as canary:
        routes = {"/go": lambda req: Reply(302, {"Location": canary.url("/secret")}, b""),
                  "/feed.xml": lambda req: Reply(301, {"Location": f"http://2130706434:{canary.port}/f"}, b"")}
        with LoopbackServer(routes) as srv:
            with pytest.raises(BlockedURLError):
                get(srv.url("/go"), trusted_host=srv.origin)
            feed = Feed(name="f", url=srv.url("/feed.xml"), outlet="F")
            fetched = run(lambda f: fetch_feed(f, feed))
        assert fetched.status == "error" and "non-public" in fetched.error
        assert fetched.error_kind == "hard"
        assert canary.hits == []


def test_private_ranges_and_mixed_answers_with_a_replaced_resolver():
    answers = {"mixed.test": ["93.184.216.34", "127.0.0.2"],
               "mixed6.test": ["2606:2800:220:1::1", "::1"],
               "private.test": ["10.0.0.7"], "metadata.test": ["169.254.169.254"],
               "sixtofour.test": ["2002:7f00:2::1"], "nat64.test": ["64:ff9b::a00:1"],
               "ula.test": ["fd12:3456::1"], "cgnat.test": ["100.64.1.1"],
               "public.test": ["2606:2800:220:1::1", "93.184.216.34"]}
    asked = []

    async def resolver(host, port):
        asked.append(host)
        return answers[host]

    policy = AddressPolicy(resolver)

    async def check(url, trusted="feeds.example"):
        return await policy.check(url, trusted)

    for name in answers:
        if name != "public.test":
            with pytest.raises(BlockedURLError, match="non-public"):
                asyncio.run(check(f"http://{name}/a"))
    assert asyncio.run(check("https://public.test/a")) == "2606:2800:220:1::1"  # pinned
    # the feed's own host and port may be private: pinned to the address it resolved to
    assert asyncio.run(check("http://private.test/a", trusted="private.test:80")) == "10.0.0.7"
    assert "127.0.0.2" not in asked


def test_address_helpers():
    assert ip_literal("2130706434") == ip_literal("0x7f000002") == ip_literal("0177.0.0.2") \
        == ip_literal("127.2") == "127.0.0.2"
    assert ip_literal("[::1]") == "::1" and ip_literal("example.com") is None
    assert ip_literal("127.0.0.1 extra") is None and ip_literal("1e5") is None
    for address in ("::ffff:127.0.0.2", "::7f00:2", "2002:7f00:2::", "64:ff9b::7f00:2",
                    "fe80::1%eth0", "0.0.0.0", "::", "255.255.255.255", "224.0.0.1"):
        assert not is_public(address), address
    for address in ("93.184.216.34", "2606:2800:220:1::1", "2002:5db8:d822::1"):
        assert is_public(address), address


def test_dns_answer_is_pinned_so_a_rebinding_name_cannot_switch_to_the_canary(monkeypatch):
    """The name resolves to a 'public' server when checked and to the canary afterwards (a
    DNS rebinding attack): the fetcher connects to the address it checked."""
    monkeypatch.setattr(addresses, "is_public", lambda address: address == "127.0.0.1")
    calls = []

    async def rebinding(host, port):
        calls.append(host)
        return ["127.0.0.1"] if len(calls) == 1 else ["127.0.0.2"]

    with Canary() as canary, LoopbackServer({"*": ok()}) as srv:
        url = f"http://rebind.test:{srv.port}/page"
        resp = get(url, policy=AddressPolicy(rebinding), trusted_host="feeds.example")
        assert resp.status == 200 and resp.final_url == url
        assert srv.records[0].headers["Host"] == f"rebind.test:{srv.port}"
        assert calls == ["rebind.test"]
        # robots.txt is fetched under the same rule: the rebound answer is refused there too
        calls.clear()
        resp = get(url, policy=AddressPolicy(rebinding), trusted_host="feeds.example",
                   check_robots=True)
        assert resp.status == 200 and calls == ["rebind.test", "rebind.test"]
        assert canary.hits == [] and srv.hits == ["/page", "/page"]


def test_pinned_request_keeps_the_name_for_host_header_and_tls():
    url, headers, ext = _pinned("https://news.example:8443/a?b=1", "93.184.216.34", {"A": "1"})
    assert url == "https://93.184.216.34:8443/a?b=1"
    assert headers == {"A": "1", "Host": "news.example:8443"}
    assert ext == {"sni_hostname": "news.example"}
    url, headers, ext = _pinned("http://news.example/a", "2606:2800:220:1::1", {})
    assert url == "http://[2606:2800:220:1::1]/a" and headers["Host"] == "news.example"
    assert ext is None
    assert _pinned("http://x/a", None, {}) == ("http://x/a", {}, None)


def test_invalid_urls_are_hard_errors_never_crashes():
    for url in ("http://exa mple.com/a", "http://127.0.0.1:99999/a", "http://[::1/a", "http:///a"):
        with pytest.raises(InvalidURLError):
            get(url, policy=never_resolve(), trusted_host="127.0.0.1")

    async def idna_fails(host, port):
        return await addresses.system_resolver(host, port)  # "a..b" fails IDNA before any DNS

    with pytest.raises(InvalidURLError):
        get("http://a..b/x", policy=AddressPolicy(idna_fails), trusted_host="127.0.0.1")
    with pytest.raises(BlockedURLError, match="scheme 'javascript'"):
        get("javascript:alert(1)")


# ---------------------------------------------------------------- bodies


def network_reads(stream, size: int = 64 * 1024):
    """The stream re-cut into reads of `size` bytes, as httpx reads a socket."""
    buf = b""
    for chunk in stream:
        buf += chunk
        while len(buf) >= size:
            yield buf[:size]
            buf = buf[size:]
    yield buf


def test_streaming_gzip_bomb_of_1_gib_stops_at_the_cap_with_bounded_memory():
    """One 64 KB read of this bomb inflates to ~64 MB; httpx's own decoder holds ~150 MB at
    once here. Decoding with an output limit never holds much more than the cap."""
    cap = 1_000_000
    decoder = _Decoder("gzip", cap, "http://x/")
    tracemalloc.start()
    try:
        with pytest.raises(BodyTooLargeError, match="after decompression"):
            for chunk in network_reads(gzip_bomb_stream()):
                decoder.feed(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 6 * cap, f"peak {peak / 1e6:.1f} MB while decoding"


def test_gzip_bomb_over_http_honest_and_lying_content_length():
    bomb = gzip.compress(bytes(20_000_000), 9)
    routes = {"/bomb": lambda req: Reply(200, {"Content-Type": "text/html", "Content-Encoding": "gzip"}, bomb),
              "/stream": lambda req: Reply(200, {"Content-Type": "text/html", "Content-Encoding": "gzip"},
                                           gzip_bomb_stream()),
              "/lying": lambda req: Reply(200, {"Content-Type": "text/html", "Content-Encoding": "gzip",
                                                "Content-Length": "200"}, bomb, close=True)}
    with LoopbackServer(routes) as srv:
        for path in ("/bomb", "/stream"):
            started = time.monotonic()
            with pytest.raises(BodyTooLargeError):
                get(srv.url(path))
            assert time.monotonic() - started < 3
        resp = get(srv.url("/lying"))  # 200 compressed bytes read, never more than the cap
        assert len(resp.body) <= FAST.max_page_bytes


def test_deflate_both_flavours_and_unknown_encodings():
    data = b"<html><body>" + b"<p>deflated text</p>" * 500 + b"</body></html>"
    raw = zlib.compressobj(6, zlib.DEFLATED, -15)
    routes = {"/zlib": ok(zlib.compress(data), **{"Content-Encoding": "deflate"}),
              "/raw": ok(raw.compress(data) + raw.flush(), **{"Content-Encoding": "deflate"}),
              "/br": ok(b"\x8b\x02\x80", **{"Content-Encoding": "br"}),
              "/bad": ok(b"not gzip at all", **{"Content-Encoding": "gzip"})}
    with LoopbackServer(routes) as srv:
        assert get(srv.url("/zlib")).body == data
        assert get(srv.url("/raw")).body == data
        with pytest.raises(HardFetchError, match="unsupported content encoding"):
            get(srv.url("/br"))
        with pytest.raises(HardFetchError, match="decompress"):
            get(srv.url("/bad"))


def test_binary_served_as_html_is_not_a_page():
    routes = {"/a.html": ok(b"%PDF-1.7\n%binary"), "/b.html": ok(b"\x89PNG\r\n\x1a\n....")}
    with LoopbackServer(routes) as srv:
        for path, what in (("/a.html", "PDF"), ("/b.html", "PNG")):
            with pytest.raises(NotHTMLError, match=what):
                get(srv.url(path), html_only=True)
        assert get(srv.url("/a.html")).body.startswith(b"%PDF")  # feeds/sitemaps: no sniffing
