"""The workforce-events page's chart: AI-attributed cuts and hires per month."""

from __future__ import annotations

import altair as alt
import pandas as pd

from classifiers.events import ACTIONS

ACTION_COLOURS = {"cut": "#d62728", "hire": "#2ca02c"}


def monthly_chart(monthly: pd.DataFrame, value: str, title: str) -> alt.Chart:
    """Bars per month, cuts and hires side by side, fixed colours."""
    return alt.Chart(monthly).mark_bar().encode(
        x=alt.X("yearmonth(period):O", title="Month"),
        xOffset=alt.XOffset("action:N", sort=list(ACTION_COLOURS)),
        y=alt.Y(f"{value}:Q", title=title),
        color=alt.Color("action:N", title="Action",
                        scale=alt.Scale(domain=list(ACTION_COLOURS), range=list(ACTION_COLOURS.values()))),
        tooltip=[alt.Tooltip("yearmonth(period):O", title="Month"), alt.Tooltip("action:N", title="Action"),
                 alt.Tooltip("events:Q", title="Events"), alt.Tooltip("headcount:Q", title="Headcount")],
    ).properties(height=280)


__all__ = ["ACTIONS", "monthly_chart"]
