"""The extractors' exceptions (fetching, feed parsing, extraction).

WorkwatchError             core/errors.py: the base every layer shares
├── ConfigError            core/errors.py: feeds.toml / settings are wrong (names the line)
├── FetchError             an HTTP fetch failed (carries the URL)
│   ├── TransientFetchError    worth retrying later: timeouts, connection errors, 429, 5xx
│   │   ├── FetchTimeoutError      no complete answer in time (request deadline, read, connect)
│   │   └── RobotsUnavailableError robots.txt unreachable (5xx, timeout): no page this run
│   └── HardFetchError         retrying will not help: 4xx, bad scheme, too big, blocked ...
│       ├── BlockedURLError        scheme not http(s), or a non-public address (SSRF rule)
│       ├── InvalidURLError        the URL cannot be parsed or requested (bad host, port ...)
│       ├── BodyTooLargeError      body over the size cap (after decompression)
│       ├── RobotsDisallowedError  robots.txt forbids the page
│       └── NotHTMLError           page is a PDF, an image ...
├── FeedParseError         the body is not a feed, or nothing could be recovered from it
├── ExtractionError        no article text could be extracted from a page
└── WarehouseError         warehouse/errors.py (and WarehouseLockedError)
"""

from __future__ import annotations

from core.errors import ConfigError, WorkwatchError

__all__ = ["WorkwatchError", "ConfigError", "FetchError", "TransientFetchError",
           "FetchTimeoutError", "RobotsUnavailableError", "HardFetchError", "BlockedURLError",
           "InvalidURLError", "BodyTooLargeError", "RobotsDisallowedError", "NotHTMLError",
           "FeedParseError", "ExtractionError"]


class FetchError(WorkwatchError):
    """Fetching a URL failed."""

    kind = "hard"
    reason = "fetch_failed"  # a short code for counting failures in run summaries

    def __init__(self, message: str, url: str | None = None, status: int | None = None):
        super().__init__(message)
        self.url = url
        self.status = status


class TransientFetchError(FetchError):
    """A failure that may go away: timeout, connection refused, 429, 5xx."""

    kind = "transient"
    reason = "transient"

    def __init__(self, message: str, url: str | None = None, status: int | None = None,
                 retry_after: float | None = None):
        super().__init__(message, url, status)
        self.retry_after = retry_after


class FetchTimeoutError(TransientFetchError):
    """No complete answer in time: the whole-request deadline, or a read or connect timeout.
    Retried at most once, with a shorter deadline; a host that keeps timing out is left for
    the next run (flows/streaming.py)."""


class RobotsUnavailableError(TransientFetchError):
    """robots.txt could not be read (5xx, timeout): assume complete disallow for this run."""

    reason = "robots_unavailable"


class HardFetchError(FetchError):
    """A failure that retrying will not fix."""

    reason = "http_error"


class BlockedURLError(HardFetchError):
    """The URL's scheme or address is not allowed."""

    reason = "blocked"


class InvalidURLError(HardFetchError):
    """The URL cannot be parsed or requested (bad host, port, characters)."""

    reason = "invalid_url"


class BodyTooLargeError(HardFetchError):
    """The body exceeded the size cap."""

    reason = "too_large"


class RobotsDisallowedError(HardFetchError):
    """robots.txt disallows fetching this page."""

    reason = "robots"


class NotHTMLError(HardFetchError):
    """The page is not HTML."""

    reason = "not_html"


class FeedParseError(WorkwatchError):
    """The document is not a feed, or no item could be recovered."""


class ExtractionError(WorkwatchError):
    """No article text could be extracted."""

    reason = "no_text"
