"""The one loader of bundled `.sql` files (warehouse/sql/, dashboards/sql/, ...).

Every statement the project runs on the warehouse lives in a `.sql` file of the package
that owns it; this reads one by name, once per process (cached).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=None)
def sql(name: str, package: str = "warehouse", folder: str = "sql") -> str:
    """The text of <package>/<folder>/<name>.sql (default: warehouse/sql/<name>.sql)."""
    return (resources.files(package) / folder / f"{name}.sql").read_text(encoding="utf-8")
