"""Feed health: last success, failures, error score, next check; and each feed's days."""

from __future__ import annotations

import streamlit as st

from dashboards import charts, ui

ctx = ui.context()
st.title("Feed health")

health = ui.load("feed_health", ctx.db)
days = ui.load("feed_days", ctx.db, ctx.period)

if not ui.empty_notice(health, "feeds"):
    if not days.empty:
        in_period = (days.groupby("feed", as_index=False)
                     .agg(errors_in_period=("errors", "sum"),
                          days_without_data=("status", lambda s: int((s != "ok").sum()))))
        health = health.merge(in_period, on="feed", how="left")
    st.dataframe(health, hide_index=True, column_config={
        "feed": "Feed", "outlet": "Outlet", "enabled": "Enabled", "last_status": "Last status",
        "last_ok_at": st.column_config.DatetimeColumn("Last success", format="YYYY-MM-DD HH:mm"),
        "consecutive_failures": "Failures in a row",
        "error_score": st.column_config.NumberColumn("Error score", format="%.2f"),
        "next_check_at": st.column_config.DatetimeColumn("Next check", format="YYYY-MM-DD HH:mm"),
        "last_error": "Last error", "articles": "Articles",
        "last_article_at": st.column_config.DatetimeColumn("Last article", format="YYYY-MM-DD HH:mm"),
        "errors_in_period": "Errors in period", "days_without_data": "Days without data"})

st.subheader("Fetches per day")
if not ui.empty_notice(days, "feed fetches"):
    ui.chart(lambda: charts.feed_days_chart(days), "Grid of feeds by day: ok, error or no fetch",
             days, "feed-days")
