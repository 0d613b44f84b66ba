"""Settings of the optional LLM judge (issue 17): feeds.toml ``[classifier.llm]`` and env.

Lives beside the fetcher's settings because feeds.toml parsing (extractors/config.py) may
import nothing of ours outside extractors/; classifiers/llm.py uses it.

    [classifier.llm]
    base_url = "http://127.0.0.1:8080/v1"   # an OpenAI-compatible /v1 base URL
    model = "qwen2.5-7b-instruct"
    # api_key = "..."                       # better: WORKWATCH_LLM_API_KEY
    max_body_chars = 1500
    concurrency = 4
    budget = 500                            # HTTP requests per run, retries included
    timeout_s = 60
    retries = 2

The environment (WORKWATCH_LLM_BASE_URL, WORKWATCH_LLM_MODEL, WORKWATCH_LLM_API_KEY)
overrides the file. Nothing is ever sent anywhere unless a base URL is set.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Any, Mapping

from extractors.errors import ConfigError
from extractors.settings import check_setting, parse_duration

ENV_BASE_URL = "WORKWATCH_LLM_BASE_URL"
ENV_MODEL = "WORKWATCH_LLM_MODEL"
ENV_API_KEY = "WORKWATCH_LLM_API_KEY"


@dataclass(frozen=True)
class LLMSettings:
    """How the LLM judge talks to an OpenAI-compatible chat-completions server."""

    base_url: str = ""  # empty: the judge is off, nothing is sent
    model: str = ""
    api_key: str = field(default="", repr=False)
    # Title + lede + this many body characters are sent. 1,500 characters is ~400 tokens:
    # the codebook judges from title and lede, and the body rarely changes the verdict.
    max_body_chars: int = 1500
    concurrency: int = 4  # requests in flight at once
    budget: int = 500  # HTTP requests per run (retries count); the rest keep the offline verdict
    timeout_s: float = 60.0  # one request, connect to last byte (a local 7B model: 2-20 s)
    retries: int = 2  # extra attempts after a 429, a 5xx, a timeout or a connection error
    backoff_base_s: float = 1.0
    backoff_max_s: float = 30.0
    temperature: float = 0.0
    codebook: str = ""  # a file whose text replaces the built-in instructions
    # After an ingest, the run's new candidates are judged for at most this long (the run's
    # lock is held meanwhile); what is left keeps the offline verdict until a reclassify.
    post_run_s: float = 120.0

    @property
    def enabled(self) -> bool:
        return bool(self.base_url)


_TYPES = {"base_url": "str", "model": "str", "api_key": "str", "max_body_chars": "int",
          "concurrency": "int", "budget": "int", "timeout_s": "float", "retries": "int",
          "backoff_base_s": "float", "backoff_max_s": "float", "temperature": "float",
          "codebook": "str", "post_run_s": "float"}
_AT_LEAST_ONE = {"concurrency", "timeout_s"}


def parse_llm_table(values: Any) -> LLMSettings:
    """LLMSettings from a ``[classifier.llm]`` table; ConfigError naming a bad key."""
    if not isinstance(values, dict):
        raise ConfigError("[classifier.llm] must be a table")
    clean: dict[str, Any] = {}
    for key, value in values.items():
        if key not in _TYPES:
            raise ConfigError(f"[classifier.llm] unknown key {key!r}; allowed: "
                              f"{', '.join(sorted(_TYPES))}")
        if key.endswith("_s") and isinstance(value, str):  # "90s", "2m" as for [fetch]
            try:
                value = parse_duration(value)
            except ValueError:
                raise ConfigError(f"[classifier.llm] {key} must be a number of seconds or a "
                                  f'duration such as "90s", got {value!r}') from None
        try:
            v = check_setting(key, _TYPES[key], value)
        except ConfigError as exc:
            raise ConfigError(f"[classifier.llm] {exc}") from None
        if key in _AT_LEAST_ONE and v < 1:
            raise ConfigError(f"[classifier.llm] {key} must be at least 1, got {value!r}")
        if key == "base_url" and v and not v.startswith(("http://", "https://")):
            raise ConfigError(f"[classifier.llm] base_url must be an http(s) URL, got {value!r}")
        clean[key] = v
    return LLMSettings(**clean)


def parse_classifier_table(values: Any) -> LLMSettings:
    """The ``[classifier]`` table of feeds.toml: only ``[classifier.llm]`` for now."""
    if not isinstance(values, dict):
        raise ConfigError("[classifier] must be a table")
    for key in values:
        if key != "llm":
            raise ConfigError(f"[classifier] unknown table {key!r}; allowed: llm")
    return parse_llm_table(values.get("llm", {}))


def with_environment(settings: LLMSettings, env: Mapping[str, str] | None = None) -> LLMSettings:
    """The environment's WORKWATCH_LLM_* values over the file's."""
    env = os.environ if env is None else env
    changes = {}
    for key, name in (("base_url", ENV_BASE_URL), ("model", ENV_MODEL), ("api_key", ENV_API_KEY)):
        value = (env.get(name) or "").strip()
        if value:
            changes[key] = value
    if changes.get("base_url") and not changes["base_url"].startswith(("http://", "https://")):
        raise ConfigError(f"{ENV_BASE_URL} must be an http(s) URL, got {changes['base_url']!r}")
    return replace(settings, **changes) if changes else settings

