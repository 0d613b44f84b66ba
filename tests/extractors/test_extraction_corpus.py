"""Extraction quality on real pages: word-4-gram F1 against the true article body."""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timezone

from bench.quality import shingle_f1
from extractors.extract import extract_pages
from extractors.types import FeedItem, Page
from tests.conftest import corpus_path


def _page(key: str, url: str, html: bytes) -> Page:
    item = FeedItem(feed="corpus", outlet="Corpus", url=url or f"https://example.org/{key}",
                    canonical_url=url or f"https://example.org/{key}", guid=key, title="")
    return Page(item=item, final_url=item.url, http_status=200, html=html,
                content_type="text/html", fetched_at=datetime.now(timezone.utc))


def test_extraction_f1_on_real_pages():
    folder = corpus_path("articles")
    truth = json.loads((folder / "ground-truth.json").read_text())
    pages = [_page(k, v.get("url"), gzip.decompress((folder / "html" / f"{k}.html.gz").read_bytes()))
             for k, v in truth.items()]
    articles, errors = extract_pages(pages)
    by_id = {a.article_id: a for a in articles}
    scores = []
    for page, key in zip(pages, truth):
        article = by_id.get(page.item.article_id)
        scores.append(shingle_f1(article.text if article else "", truth[key]["articleBody"]))
    mean = sum(scores) / len(scores)
    print(f"\nextraction shingle F1 over {len(scores)} pages: {mean:.4f} "
          f"({len(errors)} pages without text)")
    assert mean >= 0.95
    assert all(a.word_count > 0 and a.text_hash for a in articles)
