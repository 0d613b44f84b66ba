"""OPML import and export of feeds.toml (issue 20).

Import reads an OPML subscription list with listparser (given the bytes, so it never
fetches anything; with lxml installed it parses with lxml's HTML parser, which expands no
entities and loads no DTD) and appends new [[feeds]] tables to feeds.toml: the user's
comments, order and formatting are kept byte for byte. Duplicates (a URL already configured
or repeated in the file) and bad entries (no URL, not http(s)) are reported, not added.
Export writes the configured feeds as OPML 2.0 (feed passwords are never written).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

from extractors.config import Config, load_config, parse_config
from extractors.errors import ConfigError

MAX_OPML_BYTES = 10 * 1024 * 1024


class OpmlError(ConfigError):
    """An OPML file that cannot be read."""


@dataclass(frozen=True)
class OpmlEntry:
    url: str
    title: str


@dataclass(frozen=True)
class ImportReport:
    added: tuple[tuple[str, str], ...]          # (name, url)
    duplicates: tuple[str, ...]                 # urls
    bad: tuple[str, ...]                        # "title: reason"
    written: bool


def read_opml(path: str | Path) -> list[OpmlEntry]:
    import listparser

    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_OPML_BYTES + 1)
    except OSError as exc:
        raise OpmlError(f"{path}: {exc.strerror or exc}") from None
    if len(data) > MAX_OPML_BYTES:
        raise OpmlError(f"{path}: larger than {MAX_OPML_BYTES // (1024 * 1024)} MB; not an OPML list")
    result = listparser.parse(data)  # bytes: parsed, never fetched
    entries = [OpmlEntry((f.get("url") or "").strip(), (f.get("title") or "").strip())
               for f in result.get("feeds", [])]
    # listparser files outlines without xmlUrl nowhere; report them as bad entries
    entries += [OpmlEntry("", (o.get("title") or "").strip()) for o in _bare_outlines(data)]
    if not entries and (result.get("bozo") or not result.get("version")):
        raise OpmlError(f"{path}: not an OPML subscription list")
    return entries


def _bare_outlines(data: bytes) -> list[dict]:
    """Outlines of type rss without an xmlUrl (listparser drops them silently)."""
    found = []
    for m in re.finditer(rb"<outline\b[^>]*>", data, re.IGNORECASE):
        tag = m.group().decode("utf-8", "replace")
        if re.search(r"\btype\s*=\s*[\"']rss[\"']", tag, re.I) and not re.search(r"\bxmlurl\s*=", tag, re.I):
            title = re.search(r"\b(?:title|text)\s*=\s*[\"']([^\"']*)[\"']", tag, re.I)
            found.append({"title": title.group(1) if title else "(untitled)"})
    return found


def _key(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{(parts.netloc or '').lower()}{parts.path.rstrip('/')}" + \
        (f"?{parts.query}" if parts.query else "")


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-._")
    return slug[:60] or "feed"


def import_opml(opml: str | Path, feeds_path: str | Path, dry_run: bool = False) -> ImportReport:
    """Append the OPML file's new feeds to feeds.toml (validated before it is written)."""
    feeds_path = Path(feeds_path)
    text = feeds_path.read_text(encoding="utf-8") if feeds_path.exists() else ""
    config: Config = parse_config(text, str(feeds_path)) if text else Config(feeds=())
    known = {_key(f.url) for f in config.feeds}
    names = {f.name for f in config.feeds}
    added, duplicates, bad = [], [], []
    blocks = []
    for entry in read_opml(opml):
        label = entry.title or entry.url or "(untitled)"
        if not entry.url:
            bad.append(f"{label}: no xmlUrl")
            continue
        parts = urlsplit(entry.url)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            bad.append(f"{label}: not an http(s) URL ({entry.url[:100]})")
            continue
        if parts.username or parts.password:
            bad.append(f"{label}: URL with a password (add it by hand)")
            continue
        if _key(entry.url) in known:
            duplicates.append(entry.url)
            continue
        known.add(_key(entry.url))
        host = parts.hostname.lower().removeprefix("www.")
        base = _slug(entry.title or host)
        name, n = base, 2
        while name in names:
            name, n = f"{base}-{n}", n + 1
        names.add(name)
        outlet = entry.title or host
        blocks.append(f"\n[[feeds]]\nname = {_toml(name)}\nurl = {_toml(entry.url)}\n"
                      f"outlet = {_toml(outlet)}\n")
        added.append((name, entry.url))
    written = False
    if blocks and not dry_run:
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d")
        new_text = text + ("" if text.endswith("\n") or not text else "\n") + \
            f"\n# imported from {Path(opml).name} on {stamp}\n" + "".join(blocks).lstrip("\n")
        parse_config(new_text, str(feeds_path))  # never write a file that would not load
        _write_keeping_mode(feeds_path, new_text)
        written = True
    return ImportReport(tuple(added), tuple(duplicates), tuple(bad), written)


def _toml(value: str) -> str:
    """A TOML basic string (JSON's escapes are valid TOML ones)."""
    return json.dumps(value, ensure_ascii=False)


def _write_keeping_mode(path: Path, text: str) -> None:
    mode = path.stat().st_mode & 0o7777 if path.exists() else None
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def export_opml(feeds_path: str | Path) -> str:
    """The configured feeds as an OPML 2.0 document."""
    config = load_config(feeds_path)
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = "workwatch feeds"
    ET.SubElement(head, "dateCreated").text = datetime.now(timezone.utc).strftime(
        "%a, %d %b %Y %H:%M:%S GMT")
    body = ET.SubElement(root, "body")
    for feed in config.feeds:
        attrs = {"type": "rss", "text": feed.outlet, "title": feed.outlet, "xmlUrl": feed.url,
                 "language": feed.language}
        if not feed.enabled:
            attrs["category"] = "disabled"
        ET.SubElement(body, "outline", attrs)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
