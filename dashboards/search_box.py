"""Ranked search for the story browser (issue 20): warehouse/search.py on the dashboard's
read-only connection, shaped like the browser's `find_stories` table."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from warehouse.search import SearchFilters, search
from warehouse.search_query import QueryError

LIMIT = 200  # ranked hits fetched; the outlet/topic filters apply to them


@st.cache_data(show_spinner=False, max_entries=64)
def ranked_stories(db: str, stamp, query: str, since: date | None, until: date | None,
                   outlets: tuple[str, ...], topics: tuple[str, ...], ai_work_only: bool
                   ) -> tuple[pd.DataFrame, str | None]:
    """(table, None), or (empty table, the query's one-line error)."""
    from dashboards import data

    columns = ["rank", "score", "story_at", "outlet", "title", "topics", "snippet", "url",
               "article_id", "labelled_by", "matches"]
    try:
        with data.reading(Path(db)) as con:
            hits = search(con, query, SearchFilters(since=since, until=until, limit=LIMIT))
    except QueryError as exc:
        return pd.DataFrame(columns=columns), str(exc)
    rows = [(h.rank, h.score, h.story_at, h.outlet, h.title, list(h.topics), h.snippet, h.url,
             h.article_id, None) for h in hits
            if (not outlets or h.outlet in outlets)
            and (not topics or set(topics) & set(h.topics))
            and (not ai_work_only or h.topics)]  # topics: AI×work stories only
    frame = pd.DataFrame(rows, columns=columns[:-1])
    frame["matches"] = len(frame)
    frame["story_at"] = pd.to_datetime(frame["story_at"])
    return frame, None
