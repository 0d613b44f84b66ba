"""Article text is untrusted: helpers that keep it text.

Titles, summaries and URLs come from the web. The dashboard shows them only through
elements that never parse Markdown or HTML (`st.text`, dataframe cells, selectbox options)
and links only to http(s) URLs.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

LINK_SCHEMES = ("http", "https")
CONTEXT_CHARS = 50
EVIDENCE_COLUMNS = ["signal", "term", "field", "start", "end", "weight", "context"]
_SIGNAL_ORDER = {"ai": 0, "work": 1, "negative": 3}


def safe_url(url: Any) -> str | None:
    """The URL when it is a plain http(s) link with a host, else None (javascript:, data: ...)."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    if not url or any(ord(ch) < 33 or ord(ch) == 127 for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in LINK_SCHEMES or not parts.hostname:
        return None
    return url


def safe_urls(column: pd.Series) -> pd.Series:
    """A column of URLs with every non-http(s) one blanked (for link columns)."""
    return column.map(safe_url)


_MARKDOWN_SPECIALS = set("\\`*_{}[]()<>#+-.!|~$:")


def escaped(text: Any) -> str:
    """Text for an element that renders Markdown (alerts): every Markdown character escaped."""
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIALS else ch for ch in str(text))


def one_line(text: Any, limit: int = 120) -> str:
    """Plain text on one line, shortened: for selectbox options and captions."""
    flat = " ".join(str(text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def evidence_items(evidence_json: str | None) -> list[dict]:
    """The classifier's evidence (a JSON list of {signal, term, field, start, end, weight})."""
    try:
        items = json.loads(evidence_json or "[]")
    except (TypeError, ValueError):
        return []
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def evidence_table(evidence_json: str | None, fields: dict[str, Any]) -> pd.DataFrame:
    """One row per matched span, AI signals first, with the text around it from `fields`
    (title, summary, text) so a reader sees why the story counted as AI×work."""
    rows = []
    for item in evidence_items(evidence_json):
        source = fields.get(str(item.get("field")))
        rows.append({
            "signal": str(item.get("signal", "")), "term": str(item.get("term", "")),
            "field": str(item.get("field", "")), "start": _int(item.get("start")),
            "end": _int(item.get("end")), "weight": _float(item.get("weight")),
            "context": context(source, _int(item.get("start")), _int(item.get("end"))),
        })
    rows.sort(key=lambda r: (_SIGNAL_ORDER.get(r["signal"], 2), r["signal"], r["field"],
                             r["start"] if r["start"] is not None else -1))
    return pd.DataFrame(rows, columns=EVIDENCE_COLUMNS)


def context(text: Any, start: int | None, end: int | None, chars: int = CONTEXT_CHARS) -> str:
    """The span with `chars` characters either side, on one line."""
    if not isinstance(text, str) or start is None or end is None or not 0 <= start <= end <= len(text):
        return ""
    left = max(0, start - chars)
    right = min(len(text), end + chars)
    snippet = ("…" if left else "") + text[left:right] + ("…" if right < len(text) else "")
    return " ".join(snippet.split())


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
