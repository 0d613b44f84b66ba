"""Outlets: how many stories each outlet published, how many were about AI and work."""

from __future__ import annotations

import streamlit as st

from dashboards import charts, ui

ctx = ui.context()
period = ctx.period
st.title("Outlets")

outlets = ui.load("outlets", ctx.db, period)
if not ui.empty_notice(outlets, "stories"):
    left, right = st.columns(2)
    with left:
        st.subheader("AI×work stories per outlet")
        ui.chart(lambda: charts.outlets_chart(outlets), "Bar chart of AI×work stories per outlet",
                 outlets, "outlets", ui.query_command("outlets", period))
    with right:
        st.subheader("Their topics")
        outlet_topics = ui.load("outlet_topics", ctx.db, period)
        if not ui.empty_notice(outlet_topics, "AI×work stories with topics"):
            ui.chart(lambda: charts.outlet_topics_chart(outlet_topics),
                     "Stacked bar chart of topics per outlet", outlet_topics, "outlet-topics")
    st.dataframe(outlets, hide_index=True, column_config={
        "outlet": "Outlet",
        "stories": st.column_config.NumberColumn("Stories", format="localized"),  # 1,234
        "ai_work_stories": st.column_config.NumberColumn("AI×work stories", format="localized"),
        "ai_work_pct": st.column_config.NumberColumn("AI×work share (%)", format="%.1f"),
        "first_story": st.column_config.DateColumn("First story", format="YYYY-MM-DD"),
        "last_story": st.column_config.DateColumn("Last story", format="YYYY-MM-DD")})
