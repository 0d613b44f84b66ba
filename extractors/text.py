"""Small text helpers shared by feed parsing and page extraction (no network imports, so
extraction workers stay lean)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

SPACE_RE = re.compile(r"\s+")
# C0 and C1 control characters, lone surrogates and non-characters: never stored (they break
# CSV/JSON exports and Arrow's UTF-8 encoding).
CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
EARLIEST = datetime(1995, 1, 1, tzinfo=timezone.utc)


def plausible_date(value: datetime | None) -> datetime | None:
    """Dates before 1995 or after tomorrow are not trusted: unknown instead."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    if value < EARLIEST or value > datetime.now(timezone.utc) + timedelta(days=1):
        return None
    return value


def clean_text(value: str, limit: int) -> str:
    """One line of plain text: control characters removed, whitespace collapsed, capped."""
    value = SPACE_RE.sub(" ", CONTROL_RE.sub("", value or "")).strip()
    return value[:limit]
