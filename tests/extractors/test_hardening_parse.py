"""Hostile feed and page content: parser crashes, entity bombs, encodings, control characters,
absurd lengths, skipped links; and the feed health arithmetic."""

from __future__ import annotations

import json
import time
import tracemalloc
from datetime import datetime, timedelta, timezone

import feedparser
import pytest

from extractors import feeds as feeds_module
from extractors.errors import FeedParseError
from extractors.extract import MAX_TEXT_CHARS, clean_body, extract_article
from extractors.feeds import clean_text, parse_feed_bytes
from extractors.health import (FIRST_BACKOFF, HARD_WEIGHT, MAX_BACKOFF, TRANSIENT_WEIGHT,
                               after_failure, after_success, is_due)
from extractors.types import Feed, FeedItem, Page
from extractors.urls import is_fetchable
from tests.hostile_server import PARAGRAPHS, article_html, billion_laughs, quadratic_blowup, rss

FEED = Feed(name="h", url="http://127.0.0.1:8000/feed.xml", outlet="H")
RSS = "application/rss+xml; charset=utf-8"
BAD_CHARS = set(map(chr, [*range(0, 9), 11, 12, *range(14, 32), *range(0x7F, 0xA0),
                          0xFFFE, 0xFFFF]))


def has_bad_chars(text: str) -> bool:
    return any(c in BAD_CHARS or 0xD800 <= ord(c) <= 0xDFFF for c in text)


def one_item_feed(title: str, doctype: str = "", description: str | None = None) -> bytes:
    text = rss("Feed", [(title, "http://127.0.0.1:8000/a")], doctype)
    if description is not None:
        text = text.replace("<description>hostile</description>", f"<description>{description}</description>")
    return text.encode("utf-8")


@pytest.mark.parametrize("ref", ["&#xD800;", "&#55296;", "&#x110000;", "&#99999999999999999999;",
                                 "&#xDFFF", "&#0;", "&#x1B;", "&#x85;", "&#xFFFE;"])
def test_character_references_that_crashed_feedparser_are_recovered(ref):
    parsed = parse_feed_bytes(one_item_feed(f"Before {ref} after"), FEED, content_type=RSS)
    title = parsed.items[0].title
    assert title.startswith("Before") and title.endswith("after")
    assert not has_bad_chars(title)


def test_any_feedparser_exception_becomes_a_feed_parse_error(monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("parser bug")
    monkeypatch.setattr(feeds_module.feedparser, "parse", explode)
    with pytest.raises(FeedParseError, match="feed parser failed: RuntimeError"):
        parse_feed_bytes(one_item_feed("x"), FEED)


def test_billion_laughs_and_quadratic_blowup_cost_no_time_or_memory():
    doctype, refs = quadratic_blowup(refs=5_000)  # 250 MB if it were expanded
    bombs = {"laughs": one_item_feed("Laughs &lol9;", billion_laughs()),
             "quadratic": one_item_feed("Quadratic", doctype, refs)}
    # unprotected, feedparser spends ~2 s and ~60 MB on the 1 KB laughs document
    for name, body in bombs.items():
        started = time.monotonic()
        parsed = parse_feed_bytes(body, FEED, content_type=RSS)
        took = time.monotonic() - started
        tracemalloc.start()
        try:
            parse_feed_bytes(body, FEED, content_type=RSS)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert len(parsed.items) == 1, name
        assert took < 1.0, f"{name}: {took:.1f}s"
        assert peak < 20_000_000, f"{name}: {peak / 1e6:.0f} MB"
        assert len(parsed.items[0].title) < 100 and len(parsed.items[0].summary) <= 5000


def test_safe_entity_declarations_still_work():
    doctype = '<!DOCTYPE rss [<!ENTITY company "Acme Corp"><!ENTITY rsquo "&#8217;">]>'
    parsed = parse_feed_bytes(one_item_feed("&company;&rsquo;s robots", doctype), FEED,
                              content_type=RSS)
    assert parsed.items[0].title == "Acme Corp\u2019s robots"


def test_html_instead_of_a_feed_is_a_clear_error():
    page = article_html("A page").encode()
    with pytest.raises(FeedParseError, match="not a feed: got an HTML page"):
        parse_feed_bytes(page, FEED, content_type="text/html; charset=utf-8")
    with pytest.raises(FeedParseError, match="not a feed"):
        parse_feed_bytes(bytes(range(256)) * 10, FEED, content_type="application/xml")


@pytest.mark.parametrize("declared,actual", [("utf-8", "cp1252"), ("iso-8859-1", "utf-8"),
                                             (None, "utf-16"), (None, "utf-8"),
                                             ("us-ascii", "utf-8")])
def test_wrong_or_missing_encodings_keep_the_items(declared, actual):
    """declared: the HTTP charset (None: no Content-Type at all); the XML declaration names
    the real encoding, as the corpus cases do."""
    title = "Caf\u00e9 workers \u201cfear\u201d AI"
    body = rss("Feed", [(title, "http://127.0.0.1:8000/a")], encoding=declared or actual)
    ctype = f"application/rss+xml; charset={declared}" if declared else None
    parsed = parse_feed_bytes(body.encode(actual), FEED, content_type=ctype)
    got = parsed.items[0].title
    assert "workers" in got and "AI" in got and not has_bad_chars(got)
    if declared == "utf-8":  # feedparser notices and reads it as windows-1252
        assert got == title and "windows-1252" in parsed.warning


def test_non_http_links_are_skipped_and_counted():
    links = ["javascript:alert(1)", "data:text/html,x", "file:///etc/passwd",
             "mailto:editor@example.org", "http://[::1", "http://127.0.0.1:99999/a",
             "http://127.0.0.1:8000/ok"]
    parsed = parse_feed_bytes(rss("Feed", [(f"t{i}", link) for i, link in enumerate(links)]).encode(),
                              FEED, content_type=RSS)
    assert [i.url for i in parsed.items] == ["http://127.0.0.1:8000/ok"]
    assert parsed.skipped_links == 6 and parsed.entries == 7


def test_is_fetchable_never_raises():
    good = ["http://e.com/a", "https://e.com:8443/a b", "https://\u4f8b\u3048.jp/\u8a18\u4e8b"]
    bad = ["http://[::1", "http://e.com:99999/", "http://e.com:x/", "http://exa mple.com/",
           "http://e.com/\x00", "http:///a", "ftp://e.com/a", "javascript:x", ""]
    assert all(is_fetchable(u) for u in good)
    assert not any(is_fetchable(u) for u in bad)


def test_text_fields_never_keep_characters_that_break_exports():
    nasty = "A\x00B\x07C\x1bD\x85E\x9cF\u2028G\u2029H\ufffeI\ud800J\r\nK\tL"
    title = clean_text(nasty, 1000)
    assert not has_bad_chars(title) and "\n" not in title and "\u2028" not in title
    assert title.startswith("AB") and title.endswith("L")
    body = clean_body(nasty)
    assert not has_bad_chars(body) and "\u2028" not in body
    # exports: every value survives a JSON round trip and UTF-8 encoding
    assert json.loads(json.dumps({"t": title, "b": body})) == {"t": title, "b": body}
    body.encode("utf-8")


def page_for(html: str, title: str = "") -> Page:
    url = "http://127.0.0.1:8000/a"
    item = FeedItem(feed="h", outlet="H", url=url, canonical_url=url, guid=None, title=title)
    return Page(item=item, final_url=url, http_status=200, html=html.encode("utf-8"),
                content_type="text/html", fetched_at=datetime.now(timezone.utc))


def test_absurdly_long_text_is_cut_and_flagged():
    extra = "".join(f"<p>{PARAGRAPHS[i % 3]} ({i})</p>" for i in range(1600))
    article = extract_article(page_for(article_html("Long one", extra)))
    assert article.truncated and len(article.text) == MAX_TEXT_CHARS
    assert article.word_count == len(article.text.split())
    short = extract_article(page_for(article_html("Short one")))
    assert not short.truncated and len(short.text) < MAX_TEXT_CHARS


def test_control_characters_in_pages_never_reach_the_article():
    html = article_html("Title\x1b[31m red", "<p>Bell\x07 nul\x00 c1\x85 sep\u2028 end\ufffe.</p>")
    article = extract_article(page_for(html))
    for value in (article.title, article.text, article.summary):
        assert not has_bad_chars(value)


# ---------------------------------------------------------------- feed health


def test_hard_errors_weigh_more_and_the_next_check_is_capped_but_never_dropped():
    now = datetime(2026, 11, 2, 8, 0, tzinfo=timezone.utc)
    hard = after_failure(0.0, 0, "hard", now)
    transient = after_failure(0.0, 0, "transient", now)
    assert hard.error_score == HARD_WEIGHT > transient.error_score == TRANSIENT_WEIGHT
    assert hard.next_check_at == now + FIRST_BACKOFF and hard.consecutive_failures == 1
    health, backoffs = hard, []
    for _ in range(30):
        health = after_failure(health.error_score, health.consecutive_failures, "hard", now)
        backoffs.append(health.next_check_at - now)
    assert backoffs[:3] == [FIRST_BACKOFF * 2, FIRST_BACKOFF * 4, FIRST_BACKOFF * 8]
    assert max(backoffs) == MAX_BACKOFF == timedelta(days=3)
    assert health.error_score == HARD_WEIGHT * 31 and health.next_check_at is not None
    # still checked: due again once the back-off is over
    assert not is_due(health.next_check_at, now + MAX_BACKOFF - timedelta(seconds=1))
    assert is_due(health.next_check_at, now + MAX_BACKOFF)
    recovered = after_success(health.error_score, now)
    assert recovered.consecutive_failures == 0 and recovered.error_score == health.error_score / 2
    assert is_due(recovered.next_check_at, now)


def test_feedparser_version_is_the_one_these_cases_were_checked_with():
    assert feedparser.__version__.startswith("6.")
