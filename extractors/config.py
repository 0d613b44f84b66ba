"""Load feeds.toml: the list of outlets' feeds, declared as data, plus optional settings."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from extractors import urls
from extractors.addresses import AllowEntry
from extractors.errors import ConfigError
from extractors.llm_settings import LLMSettings, parse_classifier_table
from extractors.settings import FetchSettings
from extractors.types import Feed

FEED_KEYS = {"name", "url", "outlet", "language", "enabled"}
REQUIRED_KEYS = ("name", "url", "outlet")
TOP_KEYS = {"feeds", "fetch", "schedule", "classifier"}
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


@dataclass(frozen=True)
class Config:
    """Everything feeds.toml declares."""

    feeds: tuple[Feed, ...]
    fetch: FetchSettings = field(default_factory=FetchSettings)
    schedule: dict = field(default_factory=dict)
    path: str | None = None
    llm: LLMSettings = field(default_factory=LLMSettings)  # [classifier.llm] (issue 17)

    def enabled_feeds(self, names: list[str] | None = None) -> list[Feed]:
        """The feeds to run: all enabled ones, or exactly the named ones (enabled or not)."""
        if not names:
            return [f for f in self.feeds if f.enabled]
        by_name = {f.name: f for f in self.feeds}
        missing = [n for n in names if n not in by_name]
        if missing:
            raise ConfigError(f"unknown feed {', '.join(missing)}; see `workwatch feeds` for names")
        return [by_name[n] for n in names]


def load_config(path: str | Path) -> Config:
    """Read and validate a feeds.toml file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such feeds file (set --feeds or WORKWATCH_FEEDS)") from None
    return parse_config(text, str(path))


def parse_toml(text: str, source: str) -> dict:
    """The TOML document in `text`; a ConfigError naming `source` when it is not TOML
    (shared by feeds.toml and watches.toml)."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: {exc}") from None


def parse_config(text: str, source: str = "feeds.toml") -> Config:
    data = parse_toml(text, source)
    for key in data:
        if key not in TOP_KEYS:
            raise ConfigError(f"{source}:{line_of_table(text, key)}: unknown table {key!r}")
    raw_feeds = data.get("feeds", [])
    if not isinstance(raw_feeds, list) or not all(isinstance(e, dict) for e in raw_feeds):
        raise ConfigError(f"{source}: 'feeds' must be an array of tables ([[feeds]])")
    feeds = tuple(_parse_feed(entry, i, text, source) for i, entry in enumerate(raw_feeds))
    _check_unique(feeds, source)
    try:
        fetch = FetchSettings().with_overrides(data.get("fetch", {}))
    except ConfigError as exc:
        key = next((k for k in (data.get("fetch") or {}) if str(exc).startswith(f"{k} ")), None)
        line = line_of_table(text, key) if key else line_of_table(text, "fetch")
        raise ConfigError(f"{source}:{line}: [fetch] {exc}") from None
    schedule = data.get("schedule", {})
    if not isinstance(schedule, dict):
        raise ConfigError(f"{source}:{line_of_table(text, 'schedule')}: [schedule] must be a table")
    _url_rules(fetch, text, source)
    try:
        llm = parse_classifier_table(data.get("classifier", {}))
    except ConfigError as exc:
        raise ConfigError(f"{source}:{line_of_table(text, 'classifier')}: {exc}") from None
    return Config(feeds=feeds, fetch=fetch, schedule=schedule, path=source, llm=llm)


def _url_rules(fetch: FetchSettings, text: str, source: str) -> None:
    """Check [fetch] private_allow entries; make [fetch] tracking_params part of every
    canonical URL from now on (extractors/urls.py)."""
    for spec in fetch.private_allow:
        try:
            AllowEntry(spec)
        except ValueError as exc:
            raise ConfigError(f"{source}:{line_of_table(text, 'private_allow')}: [fetch] "
                              f"private_allow entry {spec!r} is not a host, host:port or "
                              f"network: {exc}") from None
    urls.configure(fetch.tracking_params)


def _parse_feed(entry: dict, index: int, text: str, source: str) -> Feed:
    for key in entry:
        if key not in FEED_KEYS:
            line = _line_of_key(text, index, key)
            raise ConfigError(
                f"{source}:{line}: unknown key {key!r} in feed #{index + 1}; "
                f"allowed: {', '.join(sorted(FEED_KEYS))}"
            )
    for key in REQUIRED_KEYS:
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            line = _line_of_feed(text, index)
            raise ConfigError(f"{source}:{line}: feed #{index + 1} needs a non-empty {key!r}")
    if not NAME_RE.match(entry["name"]):
        raise ConfigError(
            f"{source}:{_line_of_key(text, index, 'name')}: feed name {entry['name']!r} must be "
            "lower-case letters, digits, '.', '_' or '-'"
        )
    for key, kind in (("enabled", bool), ("language", str)):
        if key in entry and not isinstance(entry[key], kind):
            expected = "true or false (a TOML boolean, not a string)" if kind is bool else "a string"
            raise ConfigError(f"{source}:{_line_of_key(text, index, key)}: {key} must be "
                              f"{expected}, got {entry[key]!r}")
    if not entry["url"].startswith(("http://", "https://")):
        raise ConfigError(f"{source}:{_line_of_key(text, index, 'url')}: feed url must be http(s)")
    return Feed(
        name=entry["name"],
        url=entry["url"],
        outlet=entry["outlet"],
        language=entry.get("language", "en"),
        enabled=entry.get("enabled", True),
    )


def _check_unique(feeds: tuple[Feed, ...], source: str) -> None:
    seen: set[str] = set()
    for feed in feeds:
        if feed.name in seen:
            raise ConfigError(f"{source}: feed name {feed.name!r} is used twice")
        seen.add(feed.name)


def _feed_header_lines(text: str) -> list[int]:
    return [n for n, line in enumerate(text.splitlines(), 1) if line.strip().startswith("[[feeds]]")]


def _line_of_feed(text: str, index: int) -> int:
    headers = _feed_header_lines(text)
    return headers[index] if index < len(headers) else 1


def _line_of_key(text: str, index: int, key: str) -> int:
    lines = text.splitlines()
    start = _line_of_feed(text, index)
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for n in range(start, len(lines) + 1):
        line = lines[n - 1]
        if n > start and line.strip().startswith("["):
            break
        if pattern.match(line):
            return n
    return start


def line_of_table(text: str, key: str) -> int:
    """The line where a table `[key]`/`[[key]]` or a `key =` first appears (1 if nowhere)."""
    pattern = re.compile(rf"^\s*(\[+\s*{re.escape(key)}\b|{re.escape(key)}\s*=)")
    for n, line in enumerate(text.splitlines(), 1):
        if pattern.match(line):
            return n
    return 1
