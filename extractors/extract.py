"""Page -> Article: main text and metadata with trafilatura, language detected.

CPU-bound: the flow runs `extract_pages` in a process pool, one batch per call.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache

import trafilatura

from extractors.errors import ExtractionError
from extractors.text import CONTROL_RE, clean_text, plausible_date
from extractors.types import Article, ArticleError, Page

MAX_TEXT_CHARS = 200_000
MIN_WORDS = 5
LANGID_CHARS = 1000
SPACES_RE = re.compile(r"[ \t\r\f\v]+")


@dataclass(frozen=True)
class ExtractSettings:
    """trafilatura options, measured on the 89 real pages of the corpus (word-4-gram F1):
    default 0.956 at ~32 pages/s; fast 0.955 at ~47; fast + favor_recall 0.961 at ~52.
    Comments are never article text."""

    fast: bool = True
    favor_recall: bool = True
    include_comments: bool = False
    include_tables: bool = True


DEFAULT_EXTRACT = ExtractSettings()


def extract_article(page: Page, settings: ExtractSettings = DEFAULT_EXTRACT) -> Article:
    """Extract one page. Raises ExtractionError when no article text can be found."""
    item = page.item
    try:
        doc = trafilatura.bare_extraction(
            page.html, url=page.final_url, with_metadata=True, fast=settings.fast,
            include_comments=settings.include_comments, include_tables=settings.include_tables,
            favor_recall=settings.favor_recall)
    except Exception as exc:  # trafilatura/lxml can raise on hostile markup
        raise ExtractionError(f"extractor failed: {type(exc).__name__}: {exc}") from None
    text = clean_body(getattr(doc, "text", None) or "") if doc is not None else ""
    words = len(text.split())
    if words < MIN_WORDS:
        raise ExtractionError(f"no article text found ({words} words)")
    truncated = len(text) > MAX_TEXT_CHARS
    text = text[:MAX_TEXT_CHARS]
    return Article(
        article_id=item.article_id, url=item.url, canonical_url=item.canonical_url,
        feed=item.feed, outlet=item.outlet, guid=item.guid,
        title=item.title or clean_text(getattr(doc, "title", "") or "", 1000),
        summary=item.summary or clean_text(getattr(doc, "description", "") or "", 5000),
        author=item.author or (clean_text(getattr(doc, "author", "") or "", 300) or None),
        published_at=item.published_at or page_date(getattr(doc, "date", None)),
        first_seen_at=page.fetched_at,
        language=detect_language(text, getattr(doc, "language", None), item.language),
        text=text, word_count=words if not truncated else len(text.split()),
        text_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        source=item.source, sitename=clean_text(getattr(doc, "sitename", "") or "", 300) or None,
        archive_path=page.archive_path, truncated=truncated,
    )


def extract_pages(pages: list[Page], settings: ExtractSettings = DEFAULT_EXTRACT
                  ) -> tuple[list[Article], list[ArticleError]]:
    """Extract a batch; failures come back as error records, never as exceptions."""
    articles, errors = [], []
    for page in pages:
        try:
            articles.append(extract_article(page, settings))
        except ExtractionError as exc:
            errors.append(ArticleError(
                page.item.article_id, page.item.url, page.item.feed, "extract", "hard",
                # the entry's fingerprint: not fetched again until the entry changes
                exc.reason, page.item.mark_entry(str(exc))))
    return articles, errors


def clean_body(text: str) -> str:
    text = CONTROL_RE.sub("", text)
    lines = [SPACES_RE.sub(" ", line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def page_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return plausible_date(parsed.replace(tzinfo=parsed.tzinfo or timezone.utc))


@lru_cache(maxsize=1)
def _langid():
    import py3langid

    return py3langid


def detect_language(text: str, declared: str | None, feed_language: str | None) -> str | None:
    """Language of the text: langid on the first 1,000 characters (on the corpus's 89 real
    articles, in six languages, the same verdicts as 2,000 characters, in half the time: 0.39
    vs 0.72 ms), else what the page says."""
    sample = text[:LANGID_CHARS]
    if len(sample.split()) >= 20:
        lang, _score = _langid().classify(sample)
        return lang
    if declared:
        return declared.split("-")[0].lower()
    return feed_language
