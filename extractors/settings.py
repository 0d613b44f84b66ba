"""Fetcher settings: every default in one place, overridable from feeds.toml's [fetch] table."""

from __future__ import annotations

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

    @property
    def user_agent(self) -> str:
        return f"workwatch/{VERSION} (+{self.contact_url})"

    def with_overrides(self, values: dict[str, Any]) -> "FetchSettings":
        known = {f.name: f for f in fields(self)}
        clean: dict[str, Any] = {}
        for key, value in values.items():
            if key not in known:
                raise ConfigError(f"unknown fetch setting {key!r}; known: {', '.join(sorted(known))}")
            clean[key] = value
        return replace(self, **clean)
