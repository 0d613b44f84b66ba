"""Watches (issue 20): saved searches matched against every loaded article.

watches.toml declares them (`--watches PATH`, env WORKWATCH_WATCHES, default beside
feeds.toml):

    [alerts]                      # optional: where spike and outage alerts and the digest go
    notify = ["json://127.0.0.1:8000/hook"]

    [[watches]]
    name = "hollywood-ai"
    query = '"writers guild" OR (actors AND strike)'
    topics = ["policy"]           # optional: any of these topics
    companies = ["Disney"]        # optional: a workforce event of any of these companies
    outlets = ["variety.com"]     # optional: any of these outlets
    ai_work_only = true           # default: only AI×work stories
    notify = ["mailto://..."]     # Apprise URLs (kept in this file only, never in the warehouse)
    mode = "immediate"            # or "digest"

The warehouse keeps what matching needs (table `watches`, synced from the file by each
watch command and at the end of each ingest) so the load transaction can match new articles
(`match_stored_watches`, called from warehouse/search_hooks.py). Hits go to `watch_hits`, one
row per (watch, story cluster): syndicated copies of a story alert once.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Sequence

import duckdb

from core.errors import ConfigError
from extractors.config import line_of_table, parse_toml
from warehouse.db import utcnow
from warehouse.sqlfiles import sql
from warehouse.tx import transaction
from warehouse.search import matching_ids
from warehouse.search_query import QueryError, parse

WATCH_KEYS = {"name", "query", "topics", "companies", "outlets", "ai_work_only", "notify", "mode"}
ALERT_KEYS = {"notify", "spike_min_count", "spike_p", "outage_runs", "digest_notify"}
TOP_KEYS = {"watches", "alerts"}
MODES = ("immediate", "digest")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class Watch:
    name: str
    query: str | None = None
    topics: tuple[str, ...] = ()
    companies: tuple[str, ...] = ()
    outlets: tuple[str, ...] = ()
    ai_work_only: bool = True
    notify: tuple[str, ...] = ()
    mode: str = "immediate"


@dataclass(frozen=True)
class AlertSettings:
    notify: tuple[str, ...] = ()           # spike and outage alerts, and the digest
    spike_min_count: int = 5               # fewer stories than this are never a spike
    spike_p: float = 0.001                 # Poisson tail probability that counts as a spike
    outage_runs: int = 3                   # a feed failing this many runs in a row


@dataclass(frozen=True)
class WatchConfig:
    watches: tuple[Watch, ...] = ()
    alerts: AlertSettings = field(default_factory=AlertSettings)
    path: str | None = None

    def get(self, name: str) -> Watch:
        for w in self.watches:
            if w.name == name:
                return w
        names = ", ".join(w.name for w in self.watches) or "none"
        raise ConfigError(f"no watch named {name!r} in {self.path or 'watches.toml'} (watches: {names})")


# ------------------------------------------------------------------ watches.toml


def watches_path(option: str | None, feeds_path: str | Path = "feeds.toml") -> Path:
    """--watches, else WORKWATCH_WATCHES, else watches.toml beside the feeds file."""
    if option:
        return Path(option)
    env = os.environ.get("WORKWATCH_WATCHES")
    if env:
        return Path(env)
    return Path(feeds_path).expanduser().parent / "watches.toml"


def load_watches(path: str | Path, missing_ok: bool = False) -> WatchConfig:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if missing_ok:
            return WatchConfig(path=str(path))
        raise ConfigError(f"{path}: no such watches file (set --watches or WORKWATCH_WATCHES)") from None
    return parse_watches(text, str(path))


def parse_watches(text: str, source: str = "watches.toml") -> WatchConfig:
    data = parse_toml(text, source)
    for key in data:
        if key not in TOP_KEYS:
            raise ConfigError(f"{source}:{line_of_table(text, key)}: unknown table {key!r} "
                              f"(expected [[watches]] or [alerts])")
    raw = data.get("watches", [])
    if not isinstance(raw, list):
        raise ConfigError(f"{source}:{line_of_table(text, 'watches')}: use [[watches]] tables")
    watches = tuple(_watch(entry, i, text, source) for i, entry in enumerate(raw))
    seen: set[str] = set()
    for i, w in enumerate(watches):
        if w.name in seen:
            raise ConfigError(f"{source}:{_line_in_watch(text, i, 'name')}: watch name {w.name!r} "
                              "is used twice")
        seen.add(w.name)
    return WatchConfig(watches, _alerts(data.get("alerts", {}), text, source), source)


def _watch(entry: dict, index: int, text: str, source: str) -> Watch:
    where = lambda key: f"{source}:{_line_in_watch(text, index, key)}"  # noqa: E731
    for key in entry:
        if key not in WATCH_KEYS:
            raise ConfigError(f"{where(key)}: unknown key {key!r} in watch #{index + 1}; "
                              f"allowed: {', '.join(sorted(WATCH_KEYS))}")
    name = entry.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise ConfigError(f"{where('name')}: watch #{index + 1} needs a name of letters, digits, "
                          ". _ - (no spaces)")
    query = entry.get("query")
    if query is not None:
        if not isinstance(query, str):
            raise ConfigError(f"{where('query')}: query must be a string")
        try:
            parse(query)
        except QueryError as exc:
            raise ConfigError(f"{where('query')}: watch {name!r}: {exc}") from None
    lists = {}
    for key in ("topics", "companies", "outlets", "notify"):
        value = entry.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise ConfigError(f"{where(key)}: {key} must be a list of strings")
        lists[key] = tuple(v.strip() for v in value)
    from classifiers.base import TOPICS

    for topic in lists["topics"]:
        if topic not in TOPICS:
            raise ConfigError(f"{where('topics')}: unknown topic {topic!r}; choose from "
                              f"{', '.join(TOPICS)}")
    if not (query or lists["topics"] or lists["companies"] or lists["outlets"]):
        raise ConfigError(f"{where('name')}: watch {name!r} needs a query, topics, companies "
                          "or outlets")
    ai_work_only = entry.get("ai_work_only", True)
    if not isinstance(ai_work_only, bool):
        raise ConfigError(f"{where('ai_work_only')}: ai_work_only must be true or false")
    mode = entry.get("mode", "immediate")
    if mode not in MODES:
        raise ConfigError(f"{where('mode')}: mode must be \"immediate\" or \"digest\"")
    return Watch(name, query, lists["topics"], lists["companies"], lists["outlets"],
                 ai_work_only, lists["notify"], mode)


def _alerts(entry, text: str, source: str) -> AlertSettings:
    if not isinstance(entry, dict):
        raise ConfigError(f"{source}:{line_of_table(text, 'alerts')}: [alerts] must be a table")
    for key in entry:
        if key not in ALERT_KEYS - {"digest_notify"}:
            raise ConfigError(f"{source}:{line_of_table(text, key)}: unknown key {key!r} in [alerts]; "
                              "allowed: notify, outage_runs, spike_min_count, spike_p")
    notify = entry.get("notify", [])
    if isinstance(notify, str):
        notify = [notify]
    if not isinstance(notify, list) or not all(isinstance(v, str) for v in notify):
        raise ConfigError(f"{source}:{line_of_table(text, 'notify')}: notify must be a list of strings")
    settings = AlertSettings(notify=tuple(notify))
    for key, kind in (("spike_min_count", int), ("outage_runs", int), ("spike_p", float)):
        if key in entry:
            value = entry[key]
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                raise ConfigError(f"{source}:{line_of_table(text, key)}: {key} must be a positive number")
            settings = _replace(settings, **{key: kind(value)})
    return settings


def _replace(obj, **changes):
    from dataclasses import replace

    return replace(obj, **changes)


def _headers(text: str) -> list[int]:
    return [n for n, line in enumerate(text.splitlines(), 1)
            if line.strip().startswith("[[watches]]")]


def _line_in_watch(text: str, index: int, key: str) -> int:
    headers = _headers(text)
    start = headers[index] if index < len(headers) else 1
    lines = text.splitlines()
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for n in range(start, len(lines) + 1):
        if n > start and lines[n - 1].strip().startswith("["):
            break
        if pattern.match(lines[n - 1]):
            return n
    return start


# ------------------------------------------------------------------ the warehouse side


def sync_watches(con: duckdb.DuckDBPyConnection, watches: Sequence[Watch]) -> None:
    """Make the `watches` table hold exactly these definitions (never the notify URLs), with
    each watch's outlets resolved to the stored outlet names they name (by name or domain)."""
    rows = [{"name": w.name, "query": w.query, "topics": list(w.topics),
             "companies": list(w.companies), "outlets": list(w.outlets),
             "ai_work_only": w.ai_work_only, "mode": w.mode,
             "outlet_names": resolve_outlets(con, w.outlets)} for w in watches]
    with transaction(con):
        con.execute("DELETE FROM watches")
        if rows:
            con.execute("INSERT INTO watches (name, query, topics, companies, outlets, ai_work_only, "
                        "mode, synced_at, outlet_names) SELECT r.name, r.query, r.topics, "
                        "r.companies, r.outlets, r.ai_work_only, r.mode, $now, r.outlet_names "
                        "FROM (SELECT unnest($rows) AS r)", {"rows": rows, "now": utcnow()})


def resolve_outlets(con: duckdb.DuckDBPyConnection, outlets: Sequence[str]) -> list[str]:
    """Every stored outlet name that any of `outlets` names, by its name or its domain, as
    `--outlet` does everywhere (warehouse.search.outlet_names), and the texts themselves (a
    replay stores an outlet under its domain: the load transaction matches it before the
    next sync has seen it)."""
    from warehouse.search import outlet_names

    return sorted({n for o in outlets for n in [o, *outlet_names(con, o)]})


def stored_watches(con: duckdb.DuckDBPyConnection) -> list[Watch]:
    rows = con.execute("SELECT name, query, topics, companies, outlets, ai_work_only, mode "
                       "FROM watches ORDER BY name").fetchall()
    return [Watch(r[0], r[1], tuple(r[2] or ()), tuple(r[3] or ()), tuple(r[4] or ()), r[5],
                  (), r[6]) for r in rows]


def stored_outlet_names(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """watch -> the outlet names its outlets were resolved to when it was last synced."""
    return {r[0]: list(r[1] or ()) for r in con.execute(
        "SELECT name, outlet_names FROM watches WHERE len(outlets) > 0").fetchall()}


def matches(con: duckdb.DuckDBPyConnection, watch: Watch, scope: Sequence[str] | None,
            outlet_names: Sequence[str] | None = None) -> list[tuple[str, str]]:
    """(article_id, cluster_id) of the stored articles (among `scope` when given) the watch
    matches, earliest first. `outlet_names`: the watch's outlets already resolved (the load
    transaction passes those stored by the last sync), else resolved now."""
    if scope is not None and not scope:
        return []
    params: dict = {}
    if watch.query:
        ids = sorted(matching_ids(con, watch.query, scope))
        if not ids:
            return []
        params["ids"] = ids
        where = ["f.article_id IN (SELECT unnest($ids))"]
    elif scope is not None:
        params["ids"] = list(scope)
        where = ["f.article_id IN (SELECT unnest($ids))"]
    else:
        where = ["TRUE"]
    if watch.ai_work_only:
        where.append("f.is_ai_work")
    if watch.topics:
        where.append("list_has_any(f.topics, $topics)")
        params["topics"] = list(watch.topics)
    if watch.outlets:
        where.append("f.outlet IN (SELECT unnest($outlets))")
        names = resolve_outlets(con, watch.outlets) if outlet_names is None else outlet_names
        params["outlets"] = list(names) or list(watch.outlets)
    if watch.companies:
        from classifiers.events import company_key

        where.append("f.article_id IN (SELECT article_id FROM events "
                     "WHERE company_key IN (SELECT unnest($companies)))")
        params["companies"] = [company_key(c) for c in watch.companies]
    text = sql("watch_matches").format(where=" AND ".join(where))
    return [(r[0], r[1]) for r in con.execute(text, params).fetchall()]


def record_hits(con: duckdb.DuckDBPyConnection, watch: str, found: Sequence[tuple[str, str]],
                run_id: str | None, notified: bool = False) -> int:
    """Add hits for clusters the watch has not hit yet; returns how many were new.
    `notified`: hits of a re-applied watch (`watch run`) are recorded without alerting."""
    if not found:
        return 0
    first: dict[str, str] = {}
    for article_id, cluster_id in found:
        first.setdefault(cluster_id, article_id)
    rows = [{"cluster_id": c, "article_id": a} for c, a in first.items()]
    now = utcnow()
    before = con.execute("SELECT count(*) FROM watch_hits WHERE watch = ?", [watch]).fetchone()[0]
    con.execute(sql("insert_watch_hits"), {"rows": rows, "watch": watch, "now": now,
                                           "run_id": run_id, "notified": now if notified else None})
    return con.execute("SELECT count(*) FROM watch_hits WHERE watch = ?", [watch]).fetchone()[0] - before


def match_stored_watches(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str]) -> int:
    """In the load transaction: match the batch against the stored watches."""
    if not article_ids:
        return 0
    watches = stored_watches(con)
    if not watches:
        return 0
    run = con.execute("SELECT run_id FROM articles WHERE article_id = ?", [article_ids[0]]).fetchall()
    run_id = run[0][0] if run else None
    # Outlets as resolved at the last sync: resolving here groups every article by outlet
    # (0.1-0.2 s at 159k articles) in every load transaction.
    resolved = stored_outlet_names(con)
    return sum(record_hits(con, w.name, matches(con, w, list(article_ids),
                                                resolved.get(w.name, list(w.outlets))), run_id)
               for w in watches)


def match_run(con: duckdb.DuckDBPyConnection, watches: Sequence[Watch], run_id: str) -> int:
    """After an ingest: match the run's articles with the current definitions (catches up a
    watch added or changed since the load transactions matched them)."""
    ids = [r[0] for r in con.execute("SELECT article_id FROM articles WHERE run_id = ?",
                                     [run_id]).fetchall()]
    if not ids:
        return 0
    resolved = {w.name: resolve_outlets(con, w.outlets) for w in watches if w.outlets}
    with transaction(con):
        added = sum(record_hits(con, w.name, matches(con, w, ids, resolved.get(w.name)), run_id)
                    for w in watches)
    return added


def articles_since(con: duckdb.DuckDBPyConnection, since: datetime,
                   until: datetime | None = None) -> list[str]:
    rows = con.execute("SELECT article_id FROM story_facts WHERE story_at >= ? "
                       "AND (? IS NULL OR story_at < ?)", [since, until, until]).fetchall()
    return [r[0] for r in rows]


def latest_story_at(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """The date of the latest stored story."""
    return con.execute("SELECT max(story_at) FROM story_facts").fetchone()[0]


def story_rows(con: duckdb.DuckDBPyConnection, ids: Sequence[str]) -> list[tuple]:
    """(article_id, story date, outlet, title, url, topics) of these articles, latest first."""
    return con.execute(
        "SELECT a.article_id, coalesce(a.published_at, a.first_seen_at), a.outlet, a.title, a.url, "
        "f.topics FROM articles a LEFT JOIN story_facts f USING (article_id) "
        "WHERE a.article_id IN (SELECT unnest($ids)) ORDER BY 2 DESC", {"ids": list(ids)}).fetchall()
