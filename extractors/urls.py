"""Canonical URLs: tracking parameters and fragments stripped, host lower-cased (courlan)."""

from __future__ import annotations

from urllib.parse import urlsplit

from courlan import normalize_url

SKIPPED_SCHEMES = ("javascript", "data", "file", "mailto", "ftp", "tel", "about")


def canonical_url(url: str) -> str:
    """The URL under which an article is stored: same page, without tracking noise."""
    url = url.strip()
    try:
        return normalize_url(url, strict=False, trailing_slash=True)
    except (ValueError, AttributeError):
        return url


def scheme_of(url: str) -> str:
    return urlsplit(url.strip()).scheme.lower()


def is_fetchable(url: str) -> bool:
    parts = urlsplit(url.strip())
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)
