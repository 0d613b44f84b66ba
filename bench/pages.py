"""The article pages the benchmark serves and extracts.

Real pages from ../shared/corpus/articles/html/*.html.gz when that folder is there (read at
run time, never copied into the project), else the bundled sample outlets' article pages.
Article number i of a run is template i % len(templates): URLs are unique, bodies repeat.
"""

from __future__ import annotations

import gzip
import html
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS_HTML = ROOT.parent / "shared" / "corpus" / "articles" / "html"
SAMPLES = ROOT / "flows" / "sample_outlets"
TITLE_RE = re.compile(rb"<title[^>]*>(.*?)</title>", re.I | re.S)


@dataclass(frozen=True)
class Template:
    """One page: raw HTML and the title it shows."""

    name: str
    html: bytes
    title: str


@dataclass(frozen=True)
class PageSet:
    """Where the pages came from and the pages themselves."""

    source: str  # "corpus" or "samples"
    templates: tuple[Template, ...]

    def page(self, i: int) -> Template:
        return self.templates[i % len(self.templates)]

    @property
    def total_bytes(self) -> int:
        return sum(len(t.html) for t in self.templates)


@lru_cache(maxsize=2)
def load_pages(corpus_dir: str | None = None) -> PageSet:
    """The corpus pages when present, else the bundled sample pages."""
    folder = Path(corpus_dir) if corpus_dir else CORPUS_HTML
    files = sorted(folder.glob("*.html.gz")) if folder.is_dir() else []
    if files:
        return PageSet("corpus", tuple(_template(f.name, gzip.decompress(f.read_bytes()))
                                       for f in files))
    samples = sorted(SAMPLES.glob("*/articles/*.html"))
    if not samples:
        raise FileNotFoundError(f"no pages in {folder} nor in {SAMPLES}")
    return PageSet("samples", tuple(_template(f.name, f.read_bytes()) for f in samples))


def _template(name: str, body: bytes) -> Template:
    match = TITLE_RE.search(body[:200_000])
    raw = match.group(1).decode("utf-8", "replace") if match else ""
    title = " ".join(html.unescape(raw).split())[:200] or name
    return Template(name, body, title)
