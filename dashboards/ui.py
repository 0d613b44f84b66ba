"""Streamlit glue shared by the pages: the warehouse in use, cached reads, the sidebar."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Callable

import pandas as pd
import streamlit as st

from dashboards import data
from dashboards.safety import escaped
from core.errors import WorkwatchError
from warehouse.errors import WarehouseLockedError

CONTEXT_KEY = "workwatch_context"
DATES_KEY = "dates"
DATES_DEFAULT_KEY = "dates_default"
COUNT_LABELS = {"stories": "stories (near-duplicates once)", "articles": "articles (every copy)"}


@dataclass(frozen=True)
class Context:
    """What every page needs: the warehouse, what it holds, and the sidebar's period."""

    db: Path
    info: data.WarehouseInfo
    period: data.Period


@st.cache_data(max_entries=128, show_spinner=False)
def _cached(name: str, db: str, stamp: tuple, args: tuple) -> Any:
    return getattr(data, name)(db, *args)


def load(name: str, db: Path | str, *args: Any) -> Any:
    """data.<name>(db, *args), cached until the warehouse file changes. A typed workwatch
    error (locked by an ingest, outdated schema ...) stops the page with its message."""
    try:
        return _cached(name, str(db), data.warehouse_stamp(db), args)
    except WarehouseLockedError as exc:
        st.warning(f"The warehouse is busy: {escaped(exc)}", icon="⏳")
        st.button("Try again")
        st.stop()
    except WorkwatchError as exc:
        st.error(escaped(exc))
        st.stop()


def set_context(ctx: Context) -> None:
    st.session_state[CONTEXT_KEY] = ctx


def context() -> Context:
    ctx = st.session_state.get(CONTEXT_KEY)
    if ctx is None:  # a page run on its own (not through app.py)
        st.error("Open the dashboard through dashboards/app.py (`workwatch dashboard`).")
        st.stop()
    return ctx


def warehouse_path() -> Path:
    """The warehouse named on the command line (`streamlit run app.py -- --db PATH`) or by
    $WORKWATCH_DB (what `workwatch dashboard` sets)."""
    own_args = Path(sys.argv[0]).name == "app.py"  # not under a test runner's argv
    db = data.dashboard_db(sys.argv[1:] if own_args else [])
    if not db.exists():
        st.error(f"No warehouse at {escaped(db)}: run `workwatch ingest` (or `workwatch demo`) "
                 "first, or start the dashboard with `--db PATH`.")
        st.stop()
    return db


def sidebar(db: Path, info: data.WarehouseInfo) -> data.Period:
    """The period every chart uses: a date range, the interval, and how to count."""
    bar = st.sidebar
    bar.header("Period")
    since, until = date_range(info)
    interval = bar.selectbox("Interval", data.INTERVALS, index=1, key="interval")
    count = bar.radio("Count", list(COUNT_LABELS), format_func=COUNT_LABELS.get, key="count",
                      help="A story copied by several outlets (near-duplicates) counts once, "
                           "or every copy counts.")
    bar.divider()
    bar.caption("Warehouse")
    bar.text(str(db))
    bar.text(f"{info.articles:,} articles")
    if info.last_run_at is not None:
        bar.text(f"last run finished {pd.Timestamp(info.last_run_at):%Y-%m-%d %H:%M} UTC")
    if bar.button("Reload data"):
        st.cache_data.clear()
    return data.Period(since=since, until=until, interval=interval, count=count)


def date_range(info: data.WarehouseInfo) -> tuple[date | None, date | None]:
    """The days to show: the span of the stories by default (the last 90 days of them when
    they are current: data.default_days), following new data after an ingest, unless the
    reader picked a range of their own."""
    everything = data.default_days(info, date.today())
    if everything is None:
        st.sidebar.caption("No data yet.")
        return None, None
    state = st.session_state
    if state.get(DATES_DEFAULT_KEY) != everything:
        if DATES_KEY not in state or tuple(state[DATES_KEY]) == state.get(DATES_DEFAULT_KEY):
            state[DATES_KEY] = everything
        state[DATES_DEFAULT_KEY] = everything
    picked = st.sidebar.date_input("Days from / to", key=DATES_KEY, format="YYYY-MM-DD")
    if isinstance(picked, (tuple, list)):
        since = picked[0] if len(picked) > 0 else None
        until = picked[1] if len(picked) > 1 else None
        return since, until
    return picked, picked


def empty_notice(frame: pd.DataFrame, what: str) -> bool:
    """True (after saying so) when there is nothing to draw."""
    if frame is None or frame.empty:
        st.info(f"No {what} in this period.")
        return True
    return False


def chart(draw: Callable[[], Any], alt_text: str, frame: pd.DataFrame | None = None,
          name: str | None = None, command: str | None = None) -> None:
    """An Altair chart; with `frame`, its data to take away: a CSV download and, for a chart
    of a named query, the `workwatch query` command that prints the same rows (issue 18)."""
    st.altair_chart(draw(), width="stretch", alt=alt_text)
    if frame is None or name is None:
        return
    left, right = st.columns([1, 3])
    left.download_button(f"Download CSV ({len(frame):,} rows)", frame.to_csv(index=False),
                         file_name=f"workwatch-{name}.csv", mime="text/csv", key=f"csv-{name}",
                         help="This chart's data, for a notebook or a spreadsheet.")
    if command:
        right.code(command, language="bash")


def query_command(name: str, period: data.Period, **extra: Any) -> str:
    """The CLI command that prints a chart's named query for this period as CSV."""
    parts = ["workwatch query", name]
    if period.since:
        parts.append(f"--since {period.since:%Y-%m-%d}")
    if period.until:
        parts.append(f"--until {period.until:%Y-%m-%d}")
    if name in ("trend", "topics"):
        parts.append(f"--interval {period.interval}")
    if period.count != "stories":
        parts.append(f"--count {period.count}")
    parts += [f"--{k} {v}" for k, v in extra.items() if v is not None]
    db = str(context().db)
    return " ".join(parts) + f" --format csv --db {db}"


def number(value: int | float) -> str:
    """A count with thousands separators (159,264)."""
    return f"{value:,}"
