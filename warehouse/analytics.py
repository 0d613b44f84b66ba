"""Named analytics queries: `.sql` files in warehouse/queries/, run read-only with bound
parameters (`workwatch query NAME`).

Each file's first comment line is its one-line description. A query names the parameters
it uses as `$since`, `$until`, `$outlet`, `$topic`, `$interval`, `$count`, `$limit` (and
`$action`, `$company`, `$min_headcount` for `events`); only
those are bound, always as parameters (never formatted into the SQL text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from core.errors import WorkwatchError
from warehouse.errors import WarehouseError
from warehouse.db import migrations, read_connection, write_connection
from warehouse.export import safe_target, write_parquet
from warehouse.facts import facts_fresh, rebuild_facts
from warehouse.query import _explain, lock_down
from warehouse.sqlfiles import sql
from warehouse.tx import transaction

INTERVALS = ("day", "week", "month")
COUNTS = ("stories", "articles")
_PARAM = re.compile(r"\$([a-z_]+)")


class UnknownQueryError(WorkwatchError):
    """No named query has that name."""


class QueryParameterError(WorkwatchError):
    """A parameter of a named query is invalid (bad date, interval ...)."""


@dataclass(frozen=True)
class NamedQuery:
    name: str
    description: str
    sql: str

    @property
    def parameters(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(_PARAM.findall(self.sql)))


@dataclass(frozen=True)
class QueryParams:
    """What an analyst can ask of a named query. Dates are whole days, `until` included."""

    since: date | None = None
    until: date | None = None
    outlet: str | None = None
    topic: str | None = None
    interval: str = "week"
    count: str = "stories"
    limit: int = 50
    action: str | None = None  # events: cut, hire, ... (classifiers.events.ACTIONS)
    company: str | None = None  # events: matched normalised ("Amazon.com Inc." == "Amazon")
    min_headcount: int | None = None  # events


@dataclass(frozen=True)
class QueryResult:
    name: str
    columns: list[str]
    rows: list[tuple]


@lru_cache(maxsize=1)
def named_queries() -> dict[str, NamedQuery]:
    """Every bundled named query, by name (file name without .sql)."""
    folder = resources.files("warehouse") / "queries"
    found = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            text = entry.read_text(encoding="utf-8")
            name = entry.name[:-4]
            found[name] = NamedQuery(name, description_of(text), text)
    return dict(sorted(found.items()))


def description_of(sql_text: str) -> str:
    for line in sql_text.splitlines():
        if line.startswith("--"):
            return line.lstrip("-").strip()
    return ""


def get_query(name: str) -> NamedQuery:
    queries = named_queries()
    if name not in queries:
        raise UnknownQueryError(f"unknown query {name!r}; named queries: {', '.join(queries)}")
    return queries[name]


def parse_day(value: str | None, option: str) -> date | None:
    """A YYYY-MM-DD option value."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise QueryParameterError(f"{option} {value!r}: use a day like 2025-01-31") from None


def check_params(params: QueryParams) -> QueryParams:
    if params.interval not in INTERVALS:
        raise QueryParameterError(
            f"unknown interval {params.interval!r}; choose one of {', '.join(INTERVALS)}")
    if params.count not in COUNTS:
        raise QueryParameterError(f"unknown count {params.count!r}; choose one of {', '.join(COUNTS)}")
    if params.since and params.until and params.since > params.until:
        raise QueryParameterError(f"--since {params.since} is after --until {params.until}")
    if params.limit < 1:
        raise QueryParameterError("--limit must be at least 1")
    from classifiers.events import ACTIONS

    if params.action is not None and params.action not in ACTIONS:
        raise QueryParameterError(f"unknown action {params.action!r}; choose one of {', '.join(ACTIONS)}")
    if params.min_headcount is not None and params.min_headcount < 0:
        raise QueryParameterError("--min-headcount must not be negative")
    return params


def bind(query: NamedQuery, params: QueryParams) -> dict[str, Any]:
    """The parameter values the query uses; `until` becomes the (exclusive) next midnight."""
    values: dict[str, Any] = {
        "since": datetime.combine(params.since, time()) if params.since else None,
        "until": datetime.combine(params.until + timedelta(days=1), time()) if params.until else None,
        "outlet": params.outlet, "topic": params.topic, "interval": params.interval,
        "count": params.count, "limit": params.limit, "action": params.action,
        "company": _company_key(params.company), "min_headcount": params.min_headcount,
    }
    unknown = [p for p in query.parameters if p not in values]
    if unknown:
        raise WarehouseError(f"query {query.name} uses unknown parameters: {', '.join(unknown)}")
    return {p: values[p] for p in query.parameters}


def _company_key(company: str | None) -> str | None:
    from classifiers.events import company_key

    return company_key(company) if company else None


def run_query(con: duckdb.DuckDBPyConnection, name: str, params: QueryParams) -> QueryResult:
    """Run a named query on an open connection."""
    query = get_query(name)
    try:
        cur = con.execute(query.sql, bind(query, check_params(params)))
        return QueryResult(name, [d[0] for d in cur.description], cur.fetchall())
    except duckdb.Error as exc:
        raise WarehouseError(f"query {name}: {_explain(exc)}") from None


def run_named(db_path: str | Path, name: str, params: QueryParams) -> QueryResult:
    """Run a named query on a read-only connection."""
    get_query(name)
    check_params(params)
    ensure_schema(db_path)
    with read_connection(db_path) as con:
        return run_query(lock_down(con), name, params)


def export_named(db_path: str | Path, name: str, params: QueryParams, path: str | Path) -> int:
    """Write a named query's result to a Parquet file; returns the row count."""
    query = get_query(name)
    values = bind(query, check_params(params))
    safe_target(path, db_path)
    ensure_schema(db_path)
    with read_connection(db_path) as con:
        return write_parquet(lock_down(con), query.sql, path, values)


@dataclass(frozen=True)
class RisingPeriods:
    """What `rising` compares: the previous and current periods (the current one ends on
    cur_end, exclusive) and the AI×work stories in each."""

    prev_start: date
    cur_start: date
    cur_end: date
    previous: int
    current: int


def rising_periods(db_path: str | Path, params: QueryParams) -> RisingPeriods | None:
    """The periods `rising` compares for these parameters; None when the warehouse has no
    stories (no period to speak of)."""
    values = {k: v for k, v in bind(get_query("rising"), params).items()
              if k in ("since", "until", "interval")}
    with read_connection(db_path) as con:
        row = con.execute(sql("rising_periods"), values).fetchone()
    if row is None or row[1] is None:
        return None
    return RisingPeriods(*row)


def known_outlets(db_path: str | Path) -> list[tuple[str, str | None]]:
    """(name, domain) of the outlets of the warehouse's feeds and stored articles, by name.
    The domain is the host of most of the outlet's article URLs without www. (view `outlets`,
    migration 040): ingest stores "The Guardian", a replay "theguardian.com"; both are one
    outlet with the domain theguardian.com, and `--outlet` takes either."""
    ensure_schema(db_path)
    with read_connection(db_path) as con:
        try:
            rows = con.execute("SELECT name, domain FROM outlets").fetchall()
        except duckdb.CatalogException:  # a read-only warehouse an older workwatch made
            rows = con.execute(sql("outlet_names_old")).fetchall()
    return sorted({(r[0], r[1]) for r in rows}, key=lambda r: r[0].lower())


def ensure_schema(db_path: str | Path) -> None:
    """Bring a warehouse up to date for the named queries: migrations applied (an older
    workwatch made it) and story_facts in step with the tables (a write bypassed load_batch).
    Both need a short write; a current warehouse is only read."""
    with read_connection(db_path) as con:
        try:
            done = {r[0] for r in con.execute("SELECT version FROM schema_migrations").fetchall()}
        except duckdb.CatalogException:
            done = set()
        current = done >= {number for number, _, _ in migrations()} and facts_fresh(con)
    if current:
        return
    with write_connection(db_path) as con:
        if not facts_fresh(con):
            with transaction(con):
                rebuild_facts(con)
