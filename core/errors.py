"""The base of workwatch's exception tree, shared by every layer.

WorkwatchError            every error workwatch raises on purpose (the CLI prints its
│                         message on one line and exits 1)
└── ConfigError           feeds.toml / watches.toml / settings are wrong (names the line)

Each layer adds its own subclasses: extractors/errors.py (fetching, parsing, extraction),
warehouse/errors.py (WarehouseError, WarehouseLockedError), classifiers and flows theirs.
"""

from __future__ import annotations


class WorkwatchError(Exception):
    """Base of every error workwatch raises on purpose."""


class ConfigError(WorkwatchError):
    """The configuration is invalid."""
