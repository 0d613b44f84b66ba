"""Fetcher settings: every default in one place, overridable from feeds.toml's [fetch] table."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from typing import Any

from extractors.errors import ConfigError

VERSION = "0.1.0"
DEFAULT_CONTACT = "https://github.com/workwatch/workwatch"


@dataclass(frozen=True)
class FetchSettings:
    """How politely and how safely the fetcher talks to sites."""

    contact_url: str = DEFAULT_CONTACT
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 20.0
    request_deadline_s: float = 45.0  # whole request, headers to last byte
    max_redirects: int = 5
    max_feed_bytes: int = 10 * 1024 * 1024
    max_page_bytes: int = 5 * 1024 * 1024
    per_host_concurrency: int = 4
    per_host_delay_s: float = 0.25  # minimum gap between request starts to one host
    total_concurrency: int = 64
    retries: int = 2  # extra attempts for transient errors
    backoff_base_s: float = 0.5
    backoff_max_s: float = 8.0
    max_retry_after_s: float = 30.0
    respect_robots: bool = True
    allow_private_links: bool = False  # SSRF rule; only tests of the rule itself change it
    # Non-public places links inside feeds may reach besides the feed's own host and port
    # (extractors/addresses.py): "host:port", "host", "[::1]:8080" or a network "10.0.0.0/8".
    private_allow: tuple[str, ...] = ()
    # More query parameters to drop from article URLs (extractors/urls.py); "name*" = prefix.
    tracking_params: tuple[str, ...] = ()
    # A page that got 404/410 (or was not HTML, or too big) is not requested again for this
    # many days; 0 retries it on every run (warehouse/skips.py).
    hard_failure_retry_days: float = 7.0
    # the run as a whole (flows/streaming.py); durations may be written "90s", "10m", "1h"
    run_deadline_s: float = 600.0  # commit what is done by then, defer the rest; 0: no deadline
    batch_interval_s: float = 10.0  # a batch commits when full or when its oldest result is this old
    host_max_timeouts: int = 3  # after this many timeouts in a row, a host's pages wait for the next run

    @property
    def user_agent(self) -> str:
        return f"workwatch/{VERSION} (+{self.contact_url})"

    def with_overrides(self, values: dict[str, Any]) -> "FetchSettings":
        """A copy with `values` applied, each checked by type and range (ConfigError naming
        the key): a string "false" for a boolean once turned the SSRF rule off, and
        `per_host_concurrency = 0` hung a run."""
        if not isinstance(values, dict):
            raise ConfigError("[fetch] must be a table")
        known = {f.name: f for f in fields(self)}
        clean: dict[str, Any] = {}
        for key, value in values.items():
            if key not in known:
                raise ConfigError(f"unknown fetch setting {key!r}; known: {', '.join(sorted(known))}")
            clean[key] = check_setting(key, str(known[key].type), value)
        return replace(self, **clean)


_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMG]i?B|B)?\s*$", re.I)
_SIZE_UNITS = {"b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3,
               "kib": 1024, "mib": 1024**2, "gib": 1024**3}
# Settings that must be at least 1 (0 would stop or hang the fetcher); others at least 0.
_AT_LEAST_ONE = ("per_host_concurrency", "total_concurrency", "max_redirects", "max_feed_bytes",
                 "max_page_bytes", "host_max_timeouts")
_DURATIONS = ("run_deadline_s", "batch_interval_s")  # also "90s", "10m", "1h30m"
MAX_RUN_DEADLINE_S = 7 * 24 * 3600.0
_DURATION_RE = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(h|ms|m|s)?", re.I)
_DURATION_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001, "": 1.0}


def parse_duration(value: Any) -> float:
    """Seconds from a number or a string: "600", "90s", "10m", "1h30m", "1.5h" (ValueError
    for anything else, negative numbers included)."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str):
        text, pos, seconds = value.strip().replace(" ", ""), 0, 0.0
        for m in _DURATION_RE.finditer(text):
            if m.start() != pos:
                break
            seconds += float(m.group(1)) * _DURATION_UNITS[(m.group(2) or "").lower()]
            pos = m.end()
        if not text or pos != len(text):
            raise ValueError(value)
    else:
        raise ValueError(value)
    if seconds != seconds or seconds < 0 or seconds == float("inf"):
        raise ValueError(value)
    return seconds


def parse_size(text: str) -> int:
    """'5MB' -> 5000000, '5MiB' -> 5242880, '1024' -> 1024 (ValueError otherwise)."""
    m = _SIZE_RE.match(text)
    if not m:
        raise ValueError(text)
    return int(float(m.group(1)) * _SIZE_UNITS[(m.group(2) or "B").lower()])


def check_setting(key: str, type_name: str, value: Any) -> Any:
    """`value` checked against the setting's declared type (and range); the value to use."""
    def bad(expected: str) -> ConfigError:
        return ConfigError(f"{key} must be {expected}, got {value!r}")

    if type_name == "bool":
        if not isinstance(value, bool):
            raise bad("true or false (a TOML boolean, not a string)")
        return value
    if type_name == "str":
        if not isinstance(value, str):
            raise bad("a string")
        return value
    if type_name in ("int", "float"):
        if isinstance(value, str) and key in _DURATIONS:
            try:
                value = parse_duration(value)
            except ValueError:
                raise bad('a number of seconds or a duration such as "10m"') from None
        if isinstance(value, str) and key.endswith("_bytes"):
            try:
                value = parse_size(value)
            except ValueError:
                raise bad('a number of bytes or a size such as "5MB"') from None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad("a number")
        if type_name == "int" and isinstance(value, float):
            if not value.is_integer():
                raise bad("a whole number")
            value = int(value)
        if value != value or value in (float("inf"), float("-inf")):
            raise bad("a finite number")
        low = 1 if key in _AT_LEAST_ONE else 0
        if value < low:
            raise bad(f"at least {low}")
        if key.endswith("_s") and key.startswith(("connect", "read", "request", "batch")) and value <= 0:
            raise bad("more than 0")
        if key == "run_deadline_s" and value > MAX_RUN_DEADLINE_S:
            raise bad("at most a week (0 for no deadline)")
        return value
    if type_name.startswith(("tuple", "list")):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise bad("a list of strings")
        return tuple(value)
    return value
