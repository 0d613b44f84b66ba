"""The warehouse's exceptions.

WorkwatchError (core/errors.py)
└── WarehouseError         the DuckDB warehouse refused an operation (missing file, schema,
    │                      a query it cannot run)
    └── WarehouseLockedError   another process holds the warehouse (writer waiting too long)
"""

from __future__ import annotations

from core.errors import WorkwatchError


class WarehouseError(WorkwatchError):
    """The warehouse refused an operation."""


class WarehouseLockedError(WarehouseError):
    """Another process is writing to the warehouse."""
