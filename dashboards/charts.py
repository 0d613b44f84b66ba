"""Altair (Vega-Lite) charts of the dashboard: dates on the x axis, one fixed colour per topic.

Time charts draw each period (day, week from Monday, month) as a slot centred on the tick of
its first day, so a bar sits right above its date label.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

alt.data_transformers.disable_max_rows()  # feed × day grids can pass Altair's 5,000-row guard

# One colour per topic, in every chart (Okabe–Ito based, readable on white).
TOPIC_COLOURS: dict[str, str] = {
    "displacement": "#D55E00",
    "hiring": "#0072B2",
    "skills": "#009E73",
    "adoption": "#56B4E9",
    "policy": "#CC79A7",
    "wages": "#E69F00",
    "careers": "#6A3D9A",
}
TOPICS = tuple(TOPIC_COLOURS)
OTHER_TOPIC_COLOUR = "#8C8C8C"
STATUS_COLOURS = {"ok": "#4C9F70", "error": "#D62728", "no fetch": "#C7C7C7"}
GAP_COLOUR = "#D62728"
AI_WORK_COLOUR = "#0072B2"
PERIOD_TITLES = {"day": "Day", "week": "Week starting", "month": "Month"}
DATE_FORMATS = {"day": "%d %b %Y", "week": "%d %b %Y", "month": "%b %Y"}
STEPS = {"day": pd.DateOffset(days=1), "week": pd.DateOffset(weeks=1), "month": pd.DateOffset(months=1)}
BAR_SHARE = 0.84  # of its slot a bar fills
MAX_TICKS = 120  # beyond this many periods, let Vega-Lite choose the ticks


# ------------------------------------------------------------------ scales and axes


def topic_scale(present: list[str] | tuple[str, ...] = ()) -> alt.Scale:
    """The fixed topic → colour scale; topics the dashboard does not know yet come last, grey."""
    extra = sorted(t for t in set(present) if t not in TOPIC_COLOURS)
    return alt.Scale(domain=list(TOPICS) + extra,
                     range=list(TOPIC_COLOURS.values()) + [OTHER_TOPIC_COLOUR] * len(extra))


def topic_colour(frame: pd.DataFrame, column: str = "topic") -> alt.Color:
    present = tuple(frame[column].dropna().unique()) if column in frame else ()
    scale = topic_scale(present)
    return alt.Color(f"{column}:N", title="Topic", scale=scale, sort=list(scale.domain))


def slots(frame: pd.DataFrame, interval: str, column: str = "period") -> pd.DataFrame:
    """Adds slot_start/slot_end (the period centred on its first day) and bar_start/bar_end
    (the part of the slot a bar fills)."""
    frame = frame.copy()
    frame[column] = pd.to_datetime(frame[column])
    half = ((frame[column] + STEPS[interval]) - frame[column]) / 2
    frame["slot_start"] = frame[column] - half
    frame["slot_end"] = frame[column] + half
    frame["bar_start"] = frame[column] - half * BAR_SHARE
    frame["bar_end"] = frame[column] + half * BAR_SHARE
    return frame


def _datetime(value: pd.Timestamp) -> alt.DateTime:
    return alt.DateTime(year=value.year, month=value.month, date=value.day, hours=value.hour,
                        minutes=value.minute)


def period_x(interval: str, periods: pd.Series, field: str = "period") -> alt.X:
    """A date axis with a tick on the first day of each period (weeks start on Monday),
    spanning the periods' slots."""
    starts = sorted(pd.to_datetime(pd.Series(periods).dropna().unique()))
    axis = alt.Axis(format=DATE_FORMATS[interval], labelAngle=-30, labelOverlap=True)
    scale = alt.Undefined
    if starts:
        half_first = ((starts[0] + STEPS[interval]) - starts[0]) / 2
        half_last = ((starts[-1] + STEPS[interval]) - starts[-1]) / 2
        scale = alt.Scale(domain=[_datetime(starts[0] - half_first), _datetime(starts[-1] + half_last)])
        if len(starts) <= MAX_TICKS:
            axis = alt.Axis(format=DATE_FORMATS[interval], labelAngle=-30, labelOverlap=True,
                            values=[_datetime(s) for s in starts])
    return alt.X(f"{field}:T", title=PERIOD_TITLES[interval], axis=axis, scale=scale)


def period_tooltip(interval: str) -> alt.Tooltip:
    return alt.Tooltip("period:T", title=PERIOD_TITLES[interval], format=DATE_FORMATS[interval])


def stacked(frame: pd.DataFrame, group: str, value: str, normalise: bool = False) -> pd.DataFrame:
    """Adds y0/y1 (bar bottom and top) stacking `value` within each `group`, topics in their
    fixed order; with `normalise`, as fractions of each group's total."""
    data = frame.copy()
    data["topic_rank"] = data["topic"].map({t: i for i, t in enumerate(TOPICS)}).fillna(len(TOPICS))
    data = data.sort_values([group, "topic_rank", "topic"])
    data["y1"] = data.groupby(group)[value].cumsum().astype(float)
    data["y0"] = data["y1"] - data[value]
    if normalise:
        totals = data.groupby(group)[value].transform("sum").replace(0, 1)
        data["share"] = data[value] / totals
        data["y0"] = data["y0"] / totals
        data["y1"] = data["y1"] / totals
    return data


# ------------------------------------------------------------------ overview


def gap_layers(gaps: pd.DataFrame, interval: str, periods: pd.Series) -> list[alt.Chart]:
    """Periods in which some feed had a day of errors or no fetch at all: a light band behind
    the data and a red strip along the top, both with the feeds in their tooltip."""
    if gaps.empty:
        return []
    per_period = (gaps.groupby("period")
                  .agg(feeds=("feed", lambda s: ", ".join(sorted(s))), gap_days=("gap_days", "sum"))
                  .reset_index())
    per_period = slots(per_period, interval)
    base = alt.Chart(per_period).encode(
        x=period_x(interval, periods, "slot_start"), x2="slot_end:T",
        tooltip=[period_tooltip(interval), alt.Tooltip("feeds:N", title="Feeds with gaps"),
                 alt.Tooltip("gap_days:Q", title="Feed-days without data")])
    band = base.mark_rect(color=GAP_COLOUR, opacity=0.08)
    strip = base.mark_rect(color=GAP_COLOUR, opacity=0.85).encode(y=alt.value(0), y2=alt.value(6))
    return [band, strip]


def _with_gaps(chart: alt.Chart, gaps: pd.DataFrame, interval: str,
               periods: pd.Series) -> alt.Chart | alt.LayerChart:
    layers = gap_layers(gaps, interval, periods)
    return alt.layer(layers[0], chart, layers[1]) if layers else chart


def all_periods(trend: pd.DataFrame, gaps: pd.DataFrame) -> pd.Series:
    """The periods a time chart spans: those with stories and those with feed gaps."""
    periods = [pd.to_datetime(trend["period"])]
    if not gaps.empty:
        periods.append(pd.to_datetime(gaps["period"]))
    return pd.concat(periods, ignore_index=True).drop_duplicates().sort_values()


def trend_chart(trend: pd.DataFrame, gaps: pd.DataFrame, interval: str) -> alt.Chart | alt.LayerChart:
    """AI×work stories per interval, with feed gaps marked."""
    data = slots(trend, interval)
    periods = all_periods(trend, gaps)
    bars = alt.Chart(data).mark_rect(color=AI_WORK_COLOUR).encode(
        x=period_x(interval, periods, "bar_start"), x2="bar_end:T",
        y=alt.Y("ai_work_stories:Q", title="AI×work stories", axis=alt.Axis(tickMinStep=1)),
        y2=alt.datum(0),
        tooltip=[period_tooltip(interval),
                 alt.Tooltip("ai_work_stories:Q", title="AI×work stories", format=","),
                 alt.Tooltip("all_stories:Q", title="All stories", format=","),
                 alt.Tooltip("ai_work_pct:Q", title="Share (%)", format=".1f")])
    return _with_gaps(bars, gaps, interval, periods).properties(height=280)


def share_format(data: pd.DataFrame) -> str:
    """Axis labels with the decimals small shares need (0.3 %, not 0)."""
    top = pd.to_numeric(data.get("ai_work_pct"), errors="coerce").max() if len(data) else None
    if top is None or pd.isna(top) or top >= 10:
        return ",.0f"
    return ".1f" if top >= 1 else ".2f"


def share_chart(trend: pd.DataFrame, gaps: pd.DataFrame, interval: str) -> alt.Chart | alt.LayerChart:
    """The share of AI×work stories among all stories collected, per interval."""
    data = slots(trend, interval)
    periods = all_periods(trend, gaps)
    line = alt.Chart(data).mark_line(point=True, color=AI_WORK_COLOUR).encode(
        x=period_x(interval, periods),
        # scaled to the data (from 0): a 0.3 % share on a fixed 0-100 % axis was a flat line
        y=alt.Y("ai_work_pct:Q", title="Share (%)", scale=alt.Scale(zero=True, nice=True),
                axis=alt.Axis(format=share_format(data))),
        tooltip=[period_tooltip(interval),
                 alt.Tooltip("ai_work_pct:Q", title="Share (%)", format=".2f"),
                 alt.Tooltip("ai_work_stories:Q", title="AI×work stories", format=","),
                 alt.Tooltip("all_stories:Q", title="All stories", format=",")])
    return _with_gaps(line, gaps, interval, periods).properties(height=220)


# ------------------------------------------------------------------ topics and outlets


def topics_chart(topics: pd.DataFrame, interval: str, normalise: bool = False) -> alt.Chart:
    """AI×work stories per topic per interval, stacked in the fixed topic order."""
    data = stacked(slots(topics[topics["stories"] > 0], interval), "period", "stories", normalise)
    title = "Share of topic mentions" if normalise else "AI×work stories (per topic)"
    tooltip = [period_tooltip(interval), alt.Tooltip("topic:N", title="Topic"),
               alt.Tooltip("stories:Q", title="Stories", format=",")]
    if normalise:
        tooltip.append(alt.Tooltip("share:Q", title="Share", format=".0%"))
    return alt.Chart(data).mark_rect(stroke="white", strokeWidth=1).encode(
        x=period_x(interval, topics["period"], "bar_start"), x2="bar_end:T",
        y=alt.Y("y1:Q", title=title, axis=alt.Axis(format="%" if normalise else "d", tickMinStep=1)),
        y2="y0:Q",
        color=topic_colour(data),
        tooltip=tooltip,
    ).properties(height=320)


def outlets_chart(outlets: pd.DataFrame) -> alt.Chart:
    """AI×work stories per outlet, most first."""
    return alt.Chart(outlets).mark_bar(color=AI_WORK_COLOUR).encode(
        y=alt.Y("outlet:N", title="Outlet", sort="-x"),
        x=alt.X("ai_work_stories:Q", title="AI×work stories", axis=alt.Axis(tickMinStep=1)),
        tooltip=[alt.Tooltip("outlet:N", title="Outlet"),
                 alt.Tooltip("ai_work_stories:Q", title="AI×work stories", format=","),
                 alt.Tooltip("stories:Q", title="All stories", format=","),
                 alt.Tooltip("ai_work_pct:Q", title="Share (%)", format=".1f")],
    ).properties(height=alt.Step(26))


def outlet_topics_chart(outlet_topics: pd.DataFrame) -> alt.Chart:
    """Topics of each outlet's AI×work stories, stacked (same colours as everywhere)."""
    data = stacked(outlet_topics, "outlet", "stories")
    order = data.groupby("outlet")["stories"].sum().sort_values(ascending=False).index.tolist()
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y("outlet:N", title="Outlet", sort=order),
        x=alt.X("y1:Q", title="AI×work stories per topic", axis=alt.Axis(tickMinStep=1)),
        x2="y0:Q",
        color=topic_colour(data),
        tooltip=[alt.Tooltip("outlet:N", title="Outlet"), alt.Tooltip("topic:N", title="Topic"),
                 alt.Tooltip("stories:Q", title="Stories", format=",")],
    ).properties(height=alt.Step(26))


# ------------------------------------------------------------------ feed health


def feed_days_chart(days: pd.DataFrame) -> alt.Chart:
    """One cell per feed and day: ok, error, or no fetch."""
    data = slots(days.rename(columns={"day": "period"}), "day")
    return alt.Chart(data).mark_rect(stroke="white", strokeWidth=0.5).encode(
        x=period_x("day", data["period"], "slot_start"), x2="slot_end:T",
        y=alt.Y("feed:N", title="Feed"),
        color=alt.Color("status:N", title="Fetches that day",
                        scale=alt.Scale(domain=list(STATUS_COLOURS),
                                        range=list(STATUS_COLOURS.values()))),
        tooltip=[alt.Tooltip("feed:N", title="Feed"), period_tooltip("day"),
                 alt.Tooltip("status:N", title="Status"), alt.Tooltip("fetches:Q", title="Fetches"),
                 alt.Tooltip("errors:Q", title="Errors"), alt.Tooltip("new_items:Q", title="New items")],
    ).properties(height=alt.Step(26))
