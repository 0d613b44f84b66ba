"""The dashboard's reads: plain functions over short-lived read-only connections.

Every function opens the warehouse read-only (`warehouse.db.read_connection`, which retries
briefly while an ingest holds the write lock), runs its queries and closes it again, so the
dashboard can stay open while ingestion runs. Trend figures come from the named queries in
warehouse/queries/ (`warehouse.analytics.run_query`); what they do not cover is in
dashboards/sql/.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Iterator, Sequence

import duckdb
import pandas as pd

from warehouse.errors import WarehouseError
from warehouse.analytics import QueryParams, run_query
from warehouse.db import migrations, read_connection
from warehouse.facts import facts_fresh, rebuild_facts
from warehouse import sqlfiles
from warehouse.query import _explain

DEFAULT_DB = "data/workwatch.duckdb"
INTERVALS = ("day", "week", "month")
_PARAM = re.compile(r"\$([a-z_]+)")


class OutdatedWarehouseError(WarehouseError):
    """The warehouse was made by an older workwatch and needs its migrations first."""


@dataclass(frozen=True)
class Period:
    """The sidebar's choices: whole days (`until` included), interval, how to count."""

    since: date | None = None
    until: date | None = None
    interval: str = "week"
    count: str = "stories"  # stories (near-duplicates once) | articles (every copy)

    def params(self, **extra: Any) -> QueryParams:
        return QueryParams(since=self.since, until=self.until, interval=self.interval,
                           count=self.count, **extra)


@dataclass(frozen=True)
class StoryFilter:
    """The story browser's filters."""

    since: date | None = None
    until: date | None = None
    outlets: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    search: str = ""
    ai_work_only: bool = True
    limit: int = 200


@dataclass(frozen=True)
class WarehouseInfo:
    first_day: date | None
    last_day: date | None
    articles: int
    outlets: tuple[str, ...]
    last_run_at: datetime | None
    facts_fresh: bool
    first_story_day: date | None = None
    last_story_day: date | None = None


CURRENT_WITHIN_DAYS = 14  # stories this recent: the data is current (a live ingest)
RECENT_DAYS = 90          # what the dashboard opens on when the data is current


def default_days(info: WarehouseInfo, today: date) -> tuple[date, date] | None:
    """The period the dashboard opens on (issue 18): the span of the stories, not first
    story to last fetch (a replay of 2023 plus today's fetches squeezed the year into the
    left tenth); when the stories are current, the last 90 days of them."""
    first = info.first_story_day or info.first_day
    last = info.last_story_day or info.last_day
    if first is None or last is None:
        return None
    if (today - last).days <= CURRENT_WITHIN_DAYS:
        return max(first, last - timedelta(days=RECENT_DAYS - 1)), last
    return first, last


@dataclass(frozen=True)
class Story:
    """One story in full, for the browser's detail view."""

    fields: dict[str, Any]
    evidence: str  # the classifier's evidence, as stored (JSON)
    copies: pd.DataFrame = field(default_factory=pd.DataFrame)


# ------------------------------------------------------------------ where and how to read


def dashboard_db(argv: Sequence[str] | None = None, environ: dict | None = None) -> Path:
    """The warehouse the dashboard shows: `-- --db PATH` after the script, else $WORKWATCH_DB."""
    argv = list(argv if argv is not None else [])
    environ = environ if environ is not None else dict(os.environ)
    for i, arg in enumerate(argv):
        if arg == "--db" and i + 1 < len(argv):
            return Path(argv[i + 1])
        if arg.startswith("--db="):
            return Path(arg.split("=", 1)[1])
    return Path(environ.get("WORKWATCH_DB") or DEFAULT_DB)


def warehouse_stamp(db: str | Path) -> tuple:
    """Changes whenever the warehouse file (or its write-ahead log, or the readers' snapshot
    that read_connection opens, warehouse/db.py) is written: a cache key."""
    stamp = []
    for suffix in ("", ".wal", ".snapshot"):
        try:
            st = os.stat(str(db) + suffix)
            stamp.append((st.st_mtime_ns, st.st_size))
        except FileNotFoundError:
            stamp.append(None)
    return tuple(stamp)


def sql(name: str) -> str:
    """The text of dashboards/sql/<name>.sql, without its final semicolon."""
    return sqlfiles.sql(name, package="dashboards").strip().rstrip(";")


@contextlib.contextmanager
def reading(db: str | Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection on an up-to-date schema. When story_facts lags behind the
    tables (a write that bypassed load_batch), a private temporary copy is derived for this
    connection only: the dashboard never writes."""
    with read_connection(db) as con:
        prepare(con, db)
        yield con


def prepare(con: duckdb.DuckDBPyConnection, db: str | Path) -> bool:
    """Check the schema; shadow story_facts when stale. True when they were fresh."""
    check_schema(con, db)
    fresh = facts_fresh(con)
    if not fresh:
        shadow_facts(con)
    return fresh


def check_schema(con: duckdb.DuckDBPyConnection, db: str | Path) -> None:
    try:
        done = {r[0] for r in con.execute("SELECT version FROM schema_migrations").fetchall()}
    except duckdb.CatalogException:
        done = set()
    missing = [name for number, name, _ in migrations() if number not in done]
    if missing:
        raise OutdatedWarehouseError(
            f"{db} needs migrations {', '.join(missing)}: run `workwatch ingest` or "
            "`workwatch query trend` once to upgrade it (the dashboard only reads)")


def shadow_facts(con: duckdb.DuckDBPyConnection) -> None:
    """Temporary story_facts/story_facts_state tables that hide the stale ones."""
    con.execute("CREATE TEMP TABLE story_facts AS SELECT * FROM main.story_facts LIMIT 0")
    con.execute("CREATE TEMP TABLE story_facts_state AS SELECT * FROM main.story_facts_state LIMIT 0")
    rebuild_facts(con)


def run_sql(con: duckdb.DuckDBPyConnection, text: str, values: dict[str, Any],
            name: str = "dashboard") -> pd.DataFrame:
    """Run SQL with the `$name` parameters it uses bound from `values`."""
    used = dict.fromkeys(_PARAM.findall(text))
    try:
        cur = con.execute(text, {p: values[p] for p in used})
        return pd.DataFrame(cur.fetchall(), columns=[d[0] for d in cur.description])
    except duckdb.Error as exc:
        raise WarehouseError(f"dashboard query {name}: {_explain(exc)}") from None


def named(con: duckdb.DuckDBPyConnection, name: str, params: QueryParams) -> pd.DataFrame:
    result = run_query(con, name, params)
    return pd.DataFrame(result.rows, columns=result.columns)


def day_bounds(since: date | None, until: date | None) -> dict[str, datetime | None]:
    """Whole days as timestamps: `until` becomes the next midnight (exclusive)."""
    return {"since": datetime.combine(since, time()) if since else None,
            "until": datetime.combine(until + timedelta(days=1), time()) if until else None}


def as_datetimes(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    for column in columns:
        if column in frame:
            frame[column] = pd.to_datetime(frame[column])
    return frame


# ------------------------------------------------------------------ what the pages show


def warehouse_info(db: str | Path) -> WarehouseInfo:
    with read_connection(db) as con:
        fresh = prepare(con, db)
        row = run_sql(con, sql("bounds"), {}, "bounds").iloc[0]
    return WarehouseInfo(
        first_day=_day(row["first_day"]), last_day=_day(row["last_day"]),
        articles=int(row["articles"]), outlets=tuple(row["outlets"] or ()),
        last_run_at=None if pd.isna(row["last_run_at"]) else row["last_run_at"],
        facts_fresh=fresh, first_story_day=_day(row["first_story_day"]),
        last_story_day=_day(row["last_story_day"]))


def _day(value: Any) -> date | None:
    if value is None or pd.isna(value):
        return None
    return value.date() if isinstance(value, datetime) else value


def trend(db: str | Path, period: Period) -> pd.DataFrame:
    """AI×work stories and all stories per interval, with the share (named query `trend`)."""
    with reading(db) as con:
        frame = named(con, "trend", period.params())
    return as_datetimes(frame, "period")


def topics(db: str | Path, period: Period) -> pd.DataFrame:
    """AI×work stories per topic per interval (named query `topics`)."""
    with reading(db) as con:
        frame = named(con, "topics", period.params())
    return as_datetimes(frame, "period")


def outlets(db: str | Path, period: Period) -> pd.DataFrame:
    """Per outlet: stories, AI×work stories and share (named query `outlets`)."""
    with reading(db) as con:
        return named(con, "outlets", period.params())


def outlet_topics(db: str | Path, period: Period) -> pd.DataFrame:
    with reading(db) as con:
        return run_sql(con, sql("outlet_topics"),
                       {**day_bounds(period.since, period.until), "count": period.count},
                       "outlet_topics")


def feed_health(db: str | Path) -> pd.DataFrame:
    """Per feed: last success, failures, error score, next check (named query `feed-health`)."""
    with reading(db) as con:
        frame = named(con, "feed-health", QueryParams())
    return frame


def feed_days(db: str | Path, period: Period) -> pd.DataFrame:
    """Per feed and day: fetches, errors and status (ok | error | no fetch)."""
    with reading(db) as con:
        frame = run_sql(con, sql("feed_days"),
                        {"first_day": period.since, "last_day": period.until}, "feed_days")
    return as_datetimes(frame, "day")


def feed_gaps(db: str | Path, period: Period) -> pd.DataFrame:
    """Per interval, the feeds with a day of errors or without any fetch."""
    text = f"WITH feed_days AS ({sql('feed_days')})\n{sql('feed_gaps')}"
    with reading(db) as con:
        frame = run_sql(con, text, {"first_day": period.since, "last_day": period.until,
                                    "interval": period.interval}, "feed_gaps")
    return as_datetimes(frame, "period")


def find_stories(db: str | Path, wanted: StoryFilter) -> pd.DataFrame:
    values = {
        **day_bounds(wanted.since, wanted.until),
        "outlets": list(wanted.outlets) or None, "topics": list(wanted.topics) or None,
        "needle": wanted.search.strip().lower() or None, "ai_work_only": wanted.ai_work_only,
        "limit": wanted.limit,
    }
    with reading(db) as con:
        frame = run_sql(con, sql("find_stories"), values, "find_stories")
    return as_datetimes(frame, "story_at")


def story(db: str | Path, article_id: str) -> Story:
    with reading(db) as con:
        found = run_sql(con, sql("story"), {"article_id": article_id}, "story")
        if found.empty:
            raise WarehouseError(f"no story {article_id} in the warehouse")
        fields = found.iloc[0].to_dict()
        copies = pd.DataFrame()
        if int(fields["copies"]) > 1:
            copies = run_sql(con, sql("story_copies"),
                             {"cluster_id": fields["cluster_id"], "article_id": article_id},
                             "story_copies")
    evidence = fields.pop("evidence") or "[]"
    return Story(fields=fields, evidence=evidence, copies=copies)


# ------------------------------------------------------------------ workforce events (issue 19)


def events(db: str | Path, period: Period, limit: int = 1000) -> pd.DataFrame:
    """The `events` named query over the period: one row per workforce event."""
    with reading(db) as con:
        frame = named(con, "events", QueryParams(since=period.since, until=period.until, limit=limit))
    return as_datetimes(frame, "event_date")


def events_monthly(db: str | Path, period: Period) -> pd.DataFrame:
    """AI-attributed cuts and hires per month: events and summed headcount."""
    with reading(db) as con:
        frame = run_sql(con, sql("events_monthly"), day_bounds(period.since, period.until),
                        "events_monthly")
    return as_datetimes(frame, "period")


def event_stories(db: str | Path, event_id: str) -> pd.DataFrame:
    with reading(db) as con:
        frame = run_sql(con, sql("event_stories"), {"event_id": event_id}, "event_stories")
    return as_datetimes(frame, "story_at")
