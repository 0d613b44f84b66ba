"""workwatch dashboard: `workwatch dashboard` (or `streamlit run dashboards/app.py -- --db PATH`).

Reads the warehouse read-only, through short-lived connections, so it can stay open while
an ingest runs. Article text is shown only as text: never as Markdown or HTML.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboards import ui

VIEWS = Path(__file__).resolve().parent / "views"
PAGES = [
    ("overview.py", "Overview", "overview"),
    ("topics.py", "Topics", "topics"),
    ("outlets.py", "Outlets", "outlets"),
    ("stories.py", "Stories", "stories"),
    ("events.py", "Workforce events", "events"),
    ("feeds.py", "Feed health", "feeds"),
]


def main() -> None:
    st.set_page_config(page_title="workwatch", layout="wide")
    db = ui.warehouse_path()
    info = ui.load("warehouse_info", db)
    period = ui.sidebar(db, info)
    ui.set_context(ui.Context(db=db, info=info, period=period))
    if not info.facts_fresh:
        st.info("The warehouse's story_facts table lags behind its articles; the figures are "
                "computed on the fly. `workwatch query trend` refreshes it.")
    st.navigation(pages()).run()


def pages() -> list:
    """The pages, the first served at "/". Streamlit gives the default page no URL of its
    own, so /overview answered "Page not found" (issue 18): a hidden page serves it there."""
    found = [st.Page(VIEWS / file, title=title, url_path=path) for file, title, path in PAGES[1:]]
    file, title, path = PAGES[0]
    return [st.Page(VIEWS / file, title=title, url_path=f"{path}-home", default=True), *found,
            st.Page(VIEWS / file, title=title, url_path=path, visibility="hidden")]


# Streamlit runs this file as __main__; a multiprocessing child that re-imports its parent's
# main module (as __mp_main__) must not draw the app.
if __name__ == "__main__":
    main()
