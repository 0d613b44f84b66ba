"""Workforce events: who cut, hired, froze, reskilled, adopted, replaced, struck, agreed or
regulated, with repeated coverage collapsed (the `workforce_events` view), and a monthly
chart of AI-attributed cuts and hires.

Company names, titles and URLs are untrusted text: dataframe cells and selectbox options
only, and only http(s) URLs become links.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import events_charts, safety, ui

ctx = ui.context()
st.title("Workforce events")
st.caption("One row per event: the stories of many outlets about one announcement count once. "
           "AI attribution: explicit (AI named in the sentence), linked (AI elsewhere in the "
           "story), none.")

monthly = ui.load("events_monthly", ctx.db, ctx.period)
if not ui.empty_notice(monthly, "AI-attributed cuts or hires"):
    left, right = st.columns(2)
    with left:
        ui.chart(lambda: events_charts.monthly_chart(monthly, "headcount", "People (stated headcounts)"),
                 "Bar chart of people in AI-attributed cuts and hires per month")
    with right:
        ui.chart(lambda: events_charts.monthly_chart(monthly, "events", "Events"),
                 "Bar chart of AI-attributed cut and hire events per month", monthly,
                 "events-monthly")

actions = st.multiselect("Actions", events_charts.ACTIONS, key="events_actions")
events = ui.load("events", ctx.db, ctx.period)
if actions and not events.empty:
    events = events[events["action"].isin(actions)]
if not ui.empty_notice(events, "workforce events"):
    table = events.assign(url=safety.safe_urls(events["url"]))
    st.dataframe(table, hide_index=True, key="events_table",
                 column_order=["event_date", "company", "action", "headcount", "percent",
                               "occupation_or_unit", "ai_attribution", "country", "stories",
                               "outlets", "title", "url"],
                 column_config={
                     "event_date": st.column_config.DateColumn("Date", format="YYYY-MM-DD"),
                     "company": "Company", "action": "Action",
                     "headcount": st.column_config.NumberColumn("Headcount", format="localized"),
                     "percent": st.column_config.NumberColumn("% of staff", format="%.1f"),
                     "occupation_or_unit": "Occupation / unit", "ai_attribution": "AI",
                     "country": "Country", "stories": "Stories", "outlets": "Outlets",
                     "title": "First story", "url": st.column_config.LinkColumn("Link")})
    labels = {row.event_id: safety.one_line(
        f"{pd.Timestamp(row.event_date):%Y-%m-%d} · {row.company} · {row.action}"
        + (f" · {int(row.headcount):,}" if pd.notna(row.headcount) else ""))
        for row in events.itertuples()}
    picked = st.selectbox("Stories of an event", list(labels), format_func=labels.get,
                          key="events_pick")
    stories = ui.load("event_stories", ctx.db, picked)
    st.dataframe(stories.assign(url=safety.safe_urls(stories["url"])), hide_index=True,
                 column_config={
                     "story_at": st.column_config.DatetimeColumn("Date", format="YYYY-MM-DD HH:mm"),
                     "outlet": "Outlet", "title": "Title",
                     "url": st.column_config.LinkColumn("Story")})
