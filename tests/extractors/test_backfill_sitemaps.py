"""Sitemap parsing (safe and bounded), W3C dates, date windows, archive page URLs and sitemap
discovery over loopback HTTP."""

from __future__ import annotations

import asyncio
import gzip
import time
from datetime import date, datetime, timezone

import pytest

from extractors.feed_archive import page_url
from extractors.http import Fetcher
from extractors.settings import FetchSettings
from extractors.sitemaps import (DateWindow, SitemapError, discover_sitemaps, parse_sitemap,
                                 parse_w3c_date, select, walk_sitemaps)
from tests.servers import RouteServer, ok

NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
NEWS = 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'


def urlset(body: str, ns: str = NS) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {ns}>{body}</urlset>'.encode()


def test_urlset_with_lastmod_news_dates_relative_and_bad_locs():
    doc = parse_sitemap(urlset(
        "<url><loc>https://n.example/a</loc><lastmod>2025-01-05</lastmod></url>"
        "<url><loc>/b</loc><lastmod>2025-01-06T10:00:00+02:00</lastmod></url>"
        "<url><loc>https://n.example/c</loc><news:news><news:publication>"
        "<news:name>N</news:name></news:publication>"
        "<news:publication_date>2025-01-07T09:30:00Z</news:publication_date>"
        "<news:title>Bank cuts &amp; jobs</news:title></news:news>"
        '<image:image xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">'
        "<image:loc>https://cdn.example/c.jpg</image:loc><image:title>Photo</image:title>"
        "</image:image></url>"
        "<url><loc>javascript:alert(1)</loc></url><url><lastmod>2025-01-01</lastmod></url>",
        f"{NS} {NEWS}"), "https://n.example/sitemap.xml")
    assert [u.loc for u in doc.urls] == ["https://n.example/a", "https://n.example/b",
                                         "https://n.example/c"]
    assert doc.urls[1].lastmod == datetime(2025, 1, 6, 8, 0, tzinfo=timezone.utc)
    news = doc.urls[2]
    assert news.published_at == datetime(2025, 1, 7, 9, 30, tzinfo=timezone.utc)
    assert news.date == news.published_at and news.title == "Bank cuts & jobs"
    assert not doc.sitemaps


def test_index_without_namespace_and_gzip():
    body = (b"<sitemapindex><sitemap><loc>https://n.example/s1.xml.gz</loc>"
            b"<lastmod>2025-02</lastmod></sitemap><sitemap><loc>https://n.example/s2.xml</loc>"
            b"</sitemap></sitemapindex>")
    doc = parse_sitemap(gzip.compress(body), "https://n.example/index.xml")
    assert [(s.loc, s.lastmod) for s in doc.sitemaps] == [
        ("https://n.example/s1.xml.gz", datetime(2025, 2, 1, tzinfo=timezone.utc)),
        ("https://n.example/s2.xml", None)]
    assert not doc.urls


def test_entities_are_never_resolved_and_nothing_is_fetched(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    xxe = (f'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY x SYSTEM "file://{secret}">]>'
           f'<urlset {NS}><url><loc>https://n.example/&x;</loc></url></urlset>').encode()
    doc = parse_sitemap(xxe, "https://n.example/s.xml")
    assert all("TOP-SECRET" not in u.loc for u in doc.urls)
    laughs = '<!ENTITY a0 "lol">' + "".join(
        f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    bomb = (f'<?xml version="1.0"?><!DOCTYPE urlset [{laughs}]><urlset {NS}><url>'
            f'<loc>https://n.example/&a9;</loc></url></urlset>').encode()
    started = time.monotonic()
    doc = parse_sitemap(bomb, "https://n.example/s.xml")
    assert time.monotonic() - started < 2
    assert all(len(u.loc) < 1000 for u in doc.urls)


def test_not_a_sitemap_and_bounds():
    for body in (b"", b"<html><body>Not found</body></html>", b"\x1f\x8bgarbage",
                 b'<rss version="2.0"><channel></channel></rss>'):
        with pytest.raises(SitemapError):
            parse_sitemap(body, "https://n.example/s.xml")
    many = urlset("".join(f"<url><loc>https://n.example/{i}</loc></url>" for i in range(120)))
    doc = parse_sitemap(many, "https://n.example/s.xml", max_entries=50)
    assert len(doc.urls) == 50 and doc.truncated


@pytest.mark.parametrize("text, expected", [
    ("2025", datetime(2025, 1, 1, tzinfo=timezone.utc)),
    ("2025-03", datetime(2025, 3, 1, tzinfo=timezone.utc)),
    ("2025-03-04", datetime(2025, 3, 4, tzinfo=timezone.utc)),
    ("2025-03-04T05:06Z", datetime(2025, 3, 4, 5, 6, tzinfo=timezone.utc)),
    ("2025-03-04T05:06:07.5-05:00", datetime(2025, 3, 4, 10, 6, 7, 500000, tzinfo=timezone.utc)),
    ("1970-01-01", None), ("2999-01-01T00:00:00Z", None), ("yesterday", None), ("", None),
])
def test_w3c_dates(text, expected):
    parsed = parse_w3c_date(text)
    assert parsed == expected
    if parsed is not None:
        assert parsed.utcoffset().total_seconds() == 0 or parsed.tzinfo is not None


def test_date_window_includes_both_days_and_prunes_old_sitemaps():
    w = DateWindow(date(2025, 1, 1), date(2025, 1, 31))
    assert w.contains(datetime(2025, 1, 1, tzinfo=timezone.utc))
    assert w.contains(datetime(2025, 1, 31, 23, 59, tzinfo=timezone.utc))
    assert not w.contains(datetime(2025, 2, 1, tzinfo=timezone.utc))
    assert not w.contains(datetime(2024, 12, 31, 23, 59, tzinfo=timezone.utc))
    assert not w.contains(None)
    assert w.may_hold(None) and w.may_hold(datetime(2025, 3, 1, tzinfo=timezone.utc))
    assert not w.may_hold(datetime(2024, 12, 1, tzinfo=timezone.utc))
    doc = parse_sitemap(urlset(
        "<url><loc>https://n.example/in</loc><lastmod>2025-01-15</lastmod></url>"
        "<url><loc>https://n.example/in?utm_source=x</loc><lastmod>2025-01-15</lastmod></url>"
        "<url><loc>https://n.example/out</loc><lastmod>2025-02-15</lastmod></url>"
        "<url><loc>https://n.example/undated</loc></url>"), "https://n.example/s.xml")
    chosen = select(doc, w)
    assert [e.loc for e in chosen.entries] == ["https://n.example/in"]
    assert (chosen.listed, chosen.undated) == (4, 1)


def test_archive_page_urls():
    assert page_url("https://n.example/feed/", 1) == "https://n.example/feed/"
    assert page_url("https://n.example/feed/", 3) == "https://n.example/feed/?paged=3"
    assert page_url("https://n.example/?feed=rss2&paged=9", 2) == "https://n.example/?feed=rss2&paged=2"


def test_discovery_and_walk_over_http():
    with RouteServer() as listed, RouteServer() as bare:
        base = listed.url("/")
        listed.routes.update({
            "/robots.txt": ok(f"User-agent: *\nAllow: /\nSitemap: {base}news.xml\n"
                              f"Sitemap: http://127.0.0.2:{listed.port}/evil.xml\n".encode(), "text/plain"),
            "/news.xml": ok(f'<sitemapindex {NS}><sitemap><loc>{base}old.xml</loc><lastmod>2020-01-01'
                            f'</lastmod></sitemap><sitemap><loc>{base}new.xml</loc></sitemap>'
                            f'<sitemap><loc>{base}gone.xml</loc></sitemap></sitemapindex>'.encode(),
                            "application/xml"),
            "/new.xml": ok(urlset(f"<url><loc>{base}a</loc><lastmod>2025-01-02</lastmod></url>"),
                           "application/xml"),
        })

        async def run():
            async with Fetcher(FetchSettings(per_host_delay_s=0, retries=0)) as f:
                roots, guessed = await discover_sitemaps(f, [base.rstrip("/")], f"127.0.0.1:{listed.port}")
                canary = f"http://127.0.0.2:{listed.port}/evil.xml"
                assert roots == [f"{base}news.xml", canary, f"{base}sitemap.xml"]
                w = DateWindow(date(2025, 1, 1), date(2025, 1, 31))
                walked = [s async for s in walk_sitemaps(f, roots, w, f"127.0.0.1:{listed.port}", guessed)]
                none = await discover_sitemaps(f, [bare.url("/").rstrip("/")], f"127.0.0.1:{bare.port}")
                return walked, none

        walked, (bare_roots, bare_guessed) = asyncio.run(run())
    by_url = {s.url.removeprefix(base): s for s in walked}
    # a sitemap off the outlet's host on a non-public address is refused before any packet
    canary = [s for s in walked if "127.0.0.2" in s.url]
    assert len(canary) == 1 and "non-public address" in canary[0].error
    by_url.pop(canary[0].url.removeprefix(base), None)
    assert set(by_url) == {"news.xml", "sitemap.xml", "new.xml", "gone.xml"}  # old.xml pruned
    assert by_url["sitemap.xml"].missing  # a guessed path that 404s is not an error
    assert by_url["gone.xml"].error == "HTTP 404" and not by_url["gone.xml"].missing
    assert [e.loc for e in by_url["new.xml"].entries] == [f"{base}a"]
    # without robots.txt Sitemap: lines, the well-known paths are tried
    assert [u.rsplit("/", 1)[1] for u in bare_roots] == ["sitemap.xml", "sitemap_index.xml",
                                                         "wp-sitemap.xml"]
    assert set(bare_roots) == bare_guessed
