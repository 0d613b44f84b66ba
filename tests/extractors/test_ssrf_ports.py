"""Issue 15, finding 6: trust of a private feed host means that host *and port*, at a pinned
address; anything else private needs a `private_allow` entry.

Repros: a page on 127.0.0.1:P redirected to 127.0.0.1:OTHER and that port's "admin" page was
stored; with a resolver answering 127.0.0.1 for an outlet's domain, any port on it was
reachable and not pinned. Only loopback is ever contacted (two ports on 127.0.0.1, the canary
on 127.0.0.2); private ranges are checked with the resolver replaced."""

from __future__ import annotations

import asyncio

import pytest

from extractors.addresses import AddressPolicy, split_origin, trusted_origin
from extractors.config import parse_config
from extractors.errors import BlockedURLError
from extractors.feeds import fetch_feed, parse_feed
from extractors.http import Fetcher, _pinned
from extractors.pages import fetch_page_chunks
from extractors.settings import FetchSettings
from extractors.types import Feed, FeedItem
from tests.hostile_server import Canary, LoopbackServer, Reply

FAST = FetchSettings(per_host_delay_s=0.0, retries=0, request_deadline_s=3.0,
                     connect_timeout_s=1.0, read_timeout_s=2.0, respect_robots=True)
PAGE = b"<html><body><p>an article</p></body></html>"


def html(body: bytes = PAGE):
    return lambda req: Reply(200, {"Content-Type": "text/html"}, body)


def no_robots(req):
    return Reply(404, {"Content-Type": "text/plain"}, b"")


def run(coro_fn, settings=FAST, policy=None):
    async def go():
        async with Fetcher(settings, policy=policy) as f:
            return await coro_fn(f)
    return asyncio.run(go())


def test_a_redirect_to_another_port_of_the_feed_host_is_refused():
    with LoopbackServer({"*": html(b"<html>admin secrets</html>")}) as admin, \
            LoopbackServer({"/robots.txt": no_robots, "/page": html(),
                            "/go": lambda req: Reply(302, {"Location": admin.url("/admin")}, b"")}) as site:
        feed = Feed("f", site.url("/feed.xml"), "Outlet")
        feed_hosts = {"f": trusted_origin(feed.url)}
        items = [FeedItem("f", "Outlet", site.url(p), site.url(p), None, "t")
                 for p in ("/page", "/go")] + \
                [FeedItem("f", "Outlet", admin.url("/admin"), admin.url("/admin"), None, "t")]

        async def go(f):
            return [c async for c in fetch_page_chunks(f, items, feed_hosts, 10)]

        chunks = run(go)
    pages = [p for ps, _ in chunks for p in ps]
    errors = [e for _, es in chunks for e in es]
    assert [p.item.url for p in pages] == [site.url("/page")]
    assert sorted(e.reason for e in errors) == ["blocked", "blocked"]
    assert all(f"127.0.0.1:{admin.port}" in e.error for e in errors)
    assert admin.hits == []  # the admin port was never contacted


def test_an_outlet_domain_resolving_to_loopback_reaches_only_the_feeds_port_pinned():
    """The resolver says 127.0.0.1 for outlet.test; later it says 127.0.0.2 (rebinding)."""
    answers = []

    async def resolver(host, port):
        answers.append((host, port))
        assert host == "outlet.test", host
        return ["127.0.0.1"] if len(answers) == 1 else ["127.0.0.2"]

    with Canary() as canary, LoopbackServer({"*": html(b"admin")}) as admin, \
            LoopbackServer({"/robots.txt": no_robots, "/a": html()}) as site:
        assert canary.port != site.port
        feed_origin = f"outlet.test:{site.port}"
        policy = AddressPolicy(resolver)

        async def go(f):
            own = await f.get(f"http://outlet.test:{site.port}/a", trusted_host=feed_origin,
                              check_robots=True)
            again = await f.get(f"http://outlet.test:{site.port}/a", trusted_host=feed_origin)
            with pytest.raises(BlockedURLError, match="non-public"):
                await f.get(f"http://outlet.test:{admin.port}/admin", trusted_host=feed_origin)
            return own, again

        own, again = run(go, policy=policy)
        assert own.status == again.status == 200
        assert site.hits == ["/robots.txt", "/a", "/a"]  # both times at the first address
        assert site.records[1].headers["Host"] == f"outlet.test:{site.port}"
        assert admin.hits == [] and canary.hits == []
    # resolved once for the feed's origin (then pinned), once for the other port (refused)
    assert answers == [("outlet.test", site.port), ("outlet.test", admin.port)]


def test_the_feed_itself_on_a_private_name_is_pinned_and_keeps_its_credentials():
    async def resolver(host, port):
        return ["127.0.0.1"]

    with LoopbackServer({"/feed.xml": lambda req: Reply(
            200, {"Content-Type": "application/rss+xml"},
            b'<rss version="2.0"><channel><item><title>t</title><link>/a</link></item>'
            b"</channel></rss>")}) as site:
        feed = Feed("f", f"http://reader:s3cret@intranet.test:{site.port}/feed.xml", "Intranet")
        fetched = run(lambda f: fetch_feed(f, feed), policy=AddressPolicy(resolver))
        assert fetched.status == "ok", fetched.error
        assert site.records[0].headers["Authorization"].startswith("Basic ")
        assert site.records[0].headers["Host"] == f"intranet.test:{site.port}"
        items = parse_feed(fetched).items
        assert [i.url for i in items] == [f"http://intranet.test:{site.port}/a"]
    url, headers, _ = _pinned("http://u:p@intranet.test:81/f", "10.1.2.3", {})
    assert url == "http://u:p@10.1.2.3:81/f" and headers["Host"] == "intranet.test:81"


def test_other_private_places_need_an_explicit_allow_list_entry():
    with LoopbackServer({"*": html(b"other port")}) as other, \
            LoopbackServer({"/robots.txt": no_robots, "*": html()}) as site:
        link = other.url("/x")
        with pytest.raises(BlockedURLError):
            run(lambda f: f.get(link, trusted_host=site.origin))
        allowed = FetchSettings(**{**FAST.__dict__, "private_allow": (f"127.0.0.1:{other.port}",)})
        assert run(lambda f: f.get(link, trusted_host=site.origin), allowed).status == 200
        assert other.hits == ["/x"]


@pytest.mark.parametrize("url, allow, expected", [
    ("http://feed.test:8080/a", (), "10.0.0.5"),          # the feed's own origin: pinned
    ("http://feed.test:9090/a", (), BlockedURLError),     # same host, other port
    ("https://feed.test/a", (), BlockedURLError),          # same host, default port
    ("http://other.test/a", (), BlockedURLError),
    ("http://other.test/a", ("10.0.0.0/8",), "10.0.0.6"),
    ("http://other.test:8443/a", ("other.test:443",), BlockedURLError),
    ("https://other.test/a", ("other.test:443",), None),   # by name: no DNS needed
    ("http://other.test/a", ("10.0.0.6",), "10.0.0.6"),
    ("http://meta.test/a", ("10.0.0.0/8",), BlockedURLError),
    ("http://public.test/a", (), "93.184.216.34"),
])
def test_private_range_rules_with_the_resolver_replaced(url, allow, expected):
    answers = {"feed.test": ["10.0.0.5"], "other.test": ["10.0.0.6"],
               "meta.test": ["169.254.169.254"], "public.test": ["93.184.216.34"]}

    async def resolver(host, port):
        return answers[host]

    policy = AddressPolicy(resolver, allow=allow)
    check = policy.check(url, "feed.test:8080")
    if expected is BlockedURLError:
        with pytest.raises(BlockedURLError):
            asyncio.run(check)
    else:
        assert asyncio.run(check) == expected


def test_a_bare_trusted_host_means_its_default_ports_only():
    async def resolver(host, port):
        return ["10.0.0.5"]

    policy = AddressPolicy(resolver)
    assert asyncio.run(policy.check("http://feed.test/a", "feed.test")) == "10.0.0.5"
    assert asyncio.run(policy.check("https://feed.test/a", "feed.test")) == "10.0.0.5"
    with pytest.raises(BlockedURLError):
        asyncio.run(policy.check("http://feed.test:8080/a", "feed.test"))
    assert split_origin("[::1]:8080") == ("::1", 8080) and split_origin("::1") == ("::1", None)
    assert split_origin("http://Feed.Test:81/x") == ("feed.test", 81)
    assert trusted_origin("https://Feed.Test/x") == "feed.test:443"
    assert trusted_origin("http://[::1]:81/x") == "[::1]:81"


def test_private_allow_is_read_from_feeds_toml_and_checked():
    config = parse_config('[fetch]\nprivate_allow = ["intranet.test:8080", "10.0.0.0/8"]\n')
    assert config.fetch.private_allow == ("intranet.test:8080", "10.0.0.0/8")
    assert [e.spec for e in Fetcher(config.fetch).policy.allow] == list(config.fetch.private_allow)
    from extractors.errors import ConfigError
    with pytest.raises(ConfigError, match="private_allow"):
        parse_config('[fetch]\nprivate_allow = ["10.0.0.0/99"]\n')
    with pytest.raises(ConfigError, match="list of strings"):
        parse_config('[fetch]\nprivate_allow = "10.0.0.0/8"\n')


def test_a_feed_url_with_a_broken_port_is_an_error_of_that_feed_not_of_the_run():
    feed = Feed("f", "http://127.0.0.1:99999/feed.xml", "Broken")
    assert trusted_origin(feed.url) == "127.0.0.1"
    fetched = run(lambda f: fetch_feed(f, feed))
    assert fetched.status == "error" and fetched.error_kind == "hard"
    assert trusted_origin("http://[::1/feed") == ""
