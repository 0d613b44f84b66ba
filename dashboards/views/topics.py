"""Topics over time: AI×work stories per topic per interval, stacked, one colour per topic."""

from __future__ import annotations

import streamlit as st

from dashboards import charts, ui

ctx = ui.context()
period = ctx.period
st.title("Topics over time")

topics = ui.load("topics", ctx.db, period)
if not ui.empty_notice(topics, "AI×work stories with topics"):
    normalise = st.toggle("Show each period as shares", key="topics_normalise")
    ui.chart(lambda: charts.topics_chart(topics, period.interval, normalise),
             f"Stacked bar chart of AI×work stories per topic per {period.interval}", topics,
             "topics", ui.query_command("topics", period))
    totals = (topics.groupby("topic", as_index=False)["stories"].sum()
              .sort_values(["stories", "topic"], ascending=[False, True]))
    st.subheader("Stories per topic in this period")
    st.caption("A story with two topics counts in both.")
    st.dataframe(totals, hide_index=True,
                 column_config={"topic": "Topic", "stories": st.column_config.NumberColumn(
                     "AI×work stories", format="localized")})
