"""Overview: AI×work stories per interval and their share of all stories, feed gaps marked."""

from __future__ import annotations

import streamlit as st

from dashboards import charts, ui

ctx = ui.context()
period = ctx.period
st.title("AI and work in the news")

trend = ui.load("trend", ctx.db, period)
gaps = ui.load("feed_gaps", ctx.db, period)
health = ui.load("feed_health", ctx.db)

all_stories = int(trend["all_stories"].sum()) if not trend.empty else 0
ai_work = int(trend["ai_work_stories"].sum()) if not trend.empty else 0
share = f"{100.0 * ai_work / all_stories:.1f} %" if all_stories else "–"
failing = 0
if not health.empty:
    enabled = health["enabled"].fillna(True).astype(bool)
    failing = int(((health["consecutive_failures"].fillna(0) > 0) & enabled).sum())

cols = st.columns(5)
cols[0].metric("Stories collected", ui.number(all_stories))
cols[1].metric("AI×work stories", ui.number(ai_work))
cols[2].metric("AI×work share", share)
cols[3].metric("Feeds with gaps", int(gaps["feed"].nunique()) if not gaps.empty else 0,
               help="Feeds that had a day with errors or without any fetch in this period.")
cols[4].metric("Feeds failing now", failing, help="Feeds whose last fetches failed.")

if not ui.empty_notice(trend, "stories"):
    st.subheader(f"AI×work stories per {period.interval}")
    ui.chart(lambda: charts.trend_chart(trend, gaps, period.interval),
             f"Bar chart of AI×work stories per {period.interval}", trend, "trend",
             ui.query_command("trend", period))
    st.subheader("Share of all stories collected")
    ui.chart(lambda: charts.share_chart(trend, gaps, period.interval),
             f"Line chart of the AI×work share per {period.interval}")  # the trend's data
    if not gaps.empty:
        st.caption("Shaded periods: a feed had errors or no fetch on some day (listed below).")

st.subheader("Feed gaps")
if gaps.empty:
    st.success("Every feed was fetched successfully on every day of this period.")
else:
    st.dataframe(gaps, hide_index=True, column_config={
        "period": st.column_config.DateColumn(f"{period.interval.capitalize()} of", format="YYYY-MM-DD"),
        "feed": "Feed", "outlet": "Outlet", "days": "Days",
        "error_days": "Days with errors", "no_fetch_days": "Days without a fetch",
        "gap_days": "Days without data", "last_error": "Last error"})
