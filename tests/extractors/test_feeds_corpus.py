"""Real feeds from ../shared/corpus: every file yields items with titles and canonical URLs;
feedparser's hard cases never crash the parser."""

from __future__ import annotations

import re

import pytest

from extractors.errors import FeedParseError
from extractors.feeds import parse_feed_bytes
from extractors.types import Feed
from tests.conftest import CORPUS, corpus_path

FEED = Feed(name="corpus", url="https://example.org/feed", outlet="Corpus")
FEED_FILES = sorted((CORPUS / "feeds").glob("*.xml")) if CORPUS.exists() else []


@pytest.mark.parametrize("path", FEED_FILES, ids=lambda p: p.name)
def test_real_feed_yields_items(path):
    parsed = parse_feed_bytes(path.read_bytes(), FEED)
    assert parsed.items, path.name
    for item in parsed.items:
        assert item.title.strip(), f"{path.name}: item without title {item.url}"
        assert item.canonical_url.startswith(("http://", "https://"))
        assert not re.search(r"[?&](utm_[a-z]+|fbclid|gclid)=", item.canonical_url)
        assert "#" not in item.canonical_url
        assert "\n" not in item.title and "<" not in item.title[:1]
    # unique by canonical URL
    assert len({i.canonical_url for i in parsed.items}) == len(parsed.items)


def test_malformed_real_feed_recovers_items_with_warning():
    path = corpus_path("feeds", "techcrunch_1.xml")
    parsed = parse_feed_bytes(path.read_bytes(), FEED)
    assert len(parsed.items) == 20
    assert parsed.warning and "malformed" in parsed.warning


def test_corpus_feed_counts_match_sources():
    """SOURCES.md lists each file's item count; entries with links must all come through."""
    sources = corpus_path("feeds", "SOURCES.md").read_text()
    checked = 0
    for line in sources.splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 8 and cells[1].endswith(".xml") and cells[8].isdigit():
            parsed = parse_feed_bytes((CORPUS / "feeds" / cells[1]).read_bytes(), FEED)
            assert parsed.entries == int(cells[8]), cells[1]
            assert len(parsed.items) + parsed.skipped_links <= parsed.entries
            checked += 1
    assert checked >= 20


TRICKY = sorted((CORPUS / "tricky_feeds").rglob("*.xml")) if CORPUS.exists() else []


def _headers(path):
    head = path.read_bytes()[:600].decode("latin-1")
    match = re.search(r"Header:\s*Content-type:\s*(.+)", head, re.I)
    return match.group(1).strip() if match else None


@pytest.mark.parametrize("path", TRICKY, ids=lambda p: str(p.relative_to(p.parents[1])))
def test_tricky_feed_parses_or_fails_cleanly(path):
    try:
        parsed = parse_feed_bytes(path.read_bytes(), FEED, content_type=_headers(path))
    except FeedParseError as exc:
        assert str(exc)  # a clear, counted reason
        return
    for item in parsed.items:
        assert item.url.startswith(("http://", "https://"))
        assert "\x00" not in item.title


def test_html_page_is_not_a_feed():
    with pytest.raises(FeedParseError, match="not a feed: got an HTML page"):
        parse_feed_bytes(b"<!doctype html><html><body><p>Hello</p></body></html>", FEED)
    with pytest.raises(FeedParseError, match="empty"):
        parse_feed_bytes(b"   ", FEED)
