"""Canonical URLs: tracking parameters and fragments stripped, host lower-cased (courlan)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from courlan import normalize_url

CONTROL_CHAR_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def canonical_url(url: str) -> str:
    """The URL under which an article is stored: same page, without tracking noise."""
    url = url.strip()
    try:
        return normalize_url(url, strict=False, trailing_slash=True)
    except (ValueError, AttributeError):
        return url


def is_fetchable(url: str) -> bool:
    """An http(s) URL with a host, a valid port, no control character, no space in the host."""
    url = url.strip()
    if CONTROL_CHAR_RE.search(url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError when out of range or not a number
    except ValueError:
        return False
    return (parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
            and " " not in parts.netloc)
