"""The frozen dataclasses passed between pipeline stages.

feeds.toml -> Feed -> (fetch) FeedFetch -> (parse) FeedItem -> (fetch page) Page
-> (extract) Article -> (classify) Classification -> warehouse.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from extractors.urls import credentials_of, strip_credentials


ENTRY_MARK = "entry "  # a no-text error ends "(entry <FeedItem.entry_fingerprint>)"


def article_id_for(canonical_url: str) -> str:
    """Stable id of an article: the first 16 hex digits of sha256(canonical URL)."""
    return hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Feed:
    """One configured feed (an entry of feeds.toml)."""

    name: str
    url: str
    outlet: str
    language: str = "en"
    enabled: bool = True
    # `user:password` from a feed URL in feeds.toml: sent when fetching the feed itself, never
    # stored or shown; `url` is the URL without it.
    credentials: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        found = credentials_of(self.url)
        if found is not None:
            object.__setattr__(self, "url", strip_credentials(self.url))
            object.__setattr__(self, "credentials", self.credentials or found)

    @property
    def fetch_url(self) -> str:
        """The URL to request the feed at (with its credentials, if configured)."""
        if not self.credentials:
            return self.url
        scheme, sep, rest = self.url.partition("://")
        return f"{scheme}{sep}{self.credentials}@{rest}"


@dataclass(frozen=True)
class FeedState:
    """What the warehouse remembers about a feed between runs (for conditional GET)."""

    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    error_score: float = 0.0
    consecutive_failures: int = 0


@dataclass(frozen=True)
class FeedFetch:
    """The outcome of fetching one feed.

    status is one of: "ok" (new body), "not_modified" (HTTP 304), "unchanged" (same body hash),
    "error".
    """

    feed: Feed
    status: str
    http_status: int | None = None
    body: bytes = b""
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    final_url: str | None = None
    elapsed_s: float = 0.0
    error: str | None = None
    error_kind: str | None = None  # "transient" or "hard" when status == "error"


@dataclass(frozen=True)
class FeedItem:
    """One entry of a feed, with its canonical URL."""

    feed: str  # feed name
    outlet: str
    url: str
    canonical_url: str
    guid: str | None
    title: str
    summary: str = ""
    author: str | None = None
    published_at: datetime | None = None
    language: str | None = None
    source: str = "feed"  # feed | sitemap | archive | urls

    def __post_init__(self) -> None:
        _strip_credentials(self, "url", "canonical_url")

    @property
    def article_id(self) -> str:
        return article_id_for(self.canonical_url)

    @property
    def entry_fingerprint(self) -> str:
        """A short hash of what the feed says about this item; changes when the entry does
        (a page that yielded no text is fetched again only then: warehouse/skips.py)."""
        parts = (self.url, self.title, self.summary, self.guid or "",
                 self.published_at.isoformat() if self.published_at else "")
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:12]

    def mark_entry(self, error: str) -> str:
        """An error message that names this feed entry (kept within the stored 1,000 chars)."""
        return f"{error[:900]} ({ENTRY_MARK}{self.entry_fingerprint})"


@dataclass(frozen=True)
class Page:
    """A fetched article page (raw HTML) for one FeedItem."""

    item: FeedItem
    final_url: str
    http_status: int
    html: bytes
    content_type: str | None
    fetched_at: datetime
    archive_path: str | None = None  # "<warc file>#<offset>" once archived
    # The body as it came over the wire when the server gzip-encoded it (the archive keeps
    # these bytes instead of compressing `html` again); dropped once archived.
    gzip_body: bytes | None = None

    def __post_init__(self) -> None:
        _strip_credentials(self, "final_url")


@dataclass(frozen=True)
class Article:
    """An extracted article, ready to classify and load."""

    article_id: str
    url: str
    canonical_url: str
    feed: str
    outlet: str
    guid: str | None
    title: str
    summary: str
    author: str | None
    published_at: datetime | None
    first_seen_at: datetime
    language: str | None
    text: str
    word_count: int
    text_hash: str
    source: str = "feed"
    sitename: str | None = None
    archive_path: str | None = None
    extract_error: str | None = None  # set when the page could not be fetched/extracted
    truncated: bool = False  # text was cut at extractors.extract.MAX_TEXT_CHARS

    def __post_init__(self) -> None:
        _strip_credentials(self, "url", "canonical_url")


def _strip_credentials(obj, *names: str) -> None:
    """Credentials in a URL (`user:secret@`) are never stored: every URL field of the stage
    dataclasses goes without them, whoever builds them (feeds, backfill, replay, reprocess)."""
    for name in names:
        value = getattr(obj, name)
        if value and "@" in value:
            object.__setattr__(obj, name, strip_credentials(value))


@dataclass(frozen=True)
class ArticleError:
    """One article a run could not fetch or extract: one `article_errors` row, and one entry
    of a run summary's `article_errors` (see `fields`)."""

    article_id: str
    url: str
    feed: str | None
    stage: str  # "fetch" or "extract"
    kind: str | None  # "hard", "transient" or "deferred" (flows/streaming.py)
    reason: str | None  # a short code for counting (not_html, robots, no_text, ...)
    error: str  # the message
    timed_out: bool = False  # a fetch that ran out of time (counts towards a slow host); not stored

    def fields(self, names: tuple[str, ...] = ("url", "stage", "kind", "reason", "error")
               ) -> dict[str, str | None]:
        """These fields as a dict: what run summaries print."""
        return {n: getattr(self, n) for n in names}


@dataclass(frozen=True)
class TextItem:
    """The classifier's input: anything with an id, a title, a summary and a text."""

    id: str
    title: str
    summary: str = ""
    text: str = ""


@dataclass(frozen=True)
class Evidence:
    """One matched term or phrase: which signal it fed, where it was found."""

    signal: str  # "ai", "work", "negative", or a topic name
    term: str  # the matched text as it appears
    field: str  # "title", "summary" or "text"
    start: int  # character offset in that field
    end: int
    weight: float = 1.0


@dataclass(frozen=True)
class Classification:
    """The classifier's verdict on one item."""

    item_id: str
    classifier: str
    version: str
    ai_score: float
    work_score: float
    is_ai_work: bool
    topics: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)
    is_ai: bool = False
    is_work: bool = False
    # Calibrated P(ai_work) from the learned stage (None for classifiers without one).
    probability: float | None = None
