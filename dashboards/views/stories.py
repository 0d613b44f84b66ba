"""Story browser: filter stories, then read one with its topics, evidence and a link.

Titles, summaries and URLs are untrusted text: they go through st.text, dataframe cells and
selectbox options only, and only http(s) URLs become links.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import charts, data, safety, ui
from core.errors import WorkwatchError


def score(value) -> str:
    return "–" if value is None or pd.isna(value) else f"{float(value):.2f}"


def correction_form(db, article_id: str, fields: dict) -> None:
    """"Correct this": an analyst's label for the story, and who labelled it before (issue 17;
    the dashboard's one write, dashboards/corrections.py)."""
    from dashboards import corrections

    st.subheader("Correct this")
    saved_note = st.session_state.pop("correction_saved", None)
    if saved_note:
        st.success(saved_note)
    past = corrections.history(db, article_id)
    for label in past:
        said = "AI×work" if label.ai_work else "not AI×work"
        topics_said = f" ({', '.join(label.topics)})" if label.topics else ""
        note = f" — {label.note}" if label.note else ""
        st.text(safety.one_line(f"{label.labelled_at:%Y-%m-%d %H:%M} {label.labelled_by}: "
                                f"{said}{topics_said}{note}"))
    if not corrections.corrections_allowed():
        st.caption("Corrections are off: this dashboard is served beyond this machine. Use "
                   "`workwatch label ARTICLE_ID --ai-work yes|no` instead.")
        return
    with st.form(key=f"correct_story_{article_id}"):
        ai_work = st.radio("Is this story about AI and work?", ["yes", "no"], horizontal=True,
                           index=0 if fields["is_ai_work"] else 1, key=f"correct_ai_work_{article_id}")
        topics = st.multiselect("Topics (AI×work stories only)", charts.TOPICS,
                                default=[t for t in (fields["topics"] or []) if t in charts.TOPICS],
                                key=f"correct_topics_{article_id}")
        note = st.text_input("Note (optional)", key=f"correct_note_{article_id}")
        who = st.text_input("Your name", value=corrections.default_name(), key=f"correct_who_{article_id}")
        if st.form_submit_button("Save the correction"):
            try:
                saved = corrections.save_correction(
                    db, article_id, ai_work == "yes", topics if ai_work == "yes" else [],
                    who, note)
            except WorkwatchError as exc:
                st.error(safety.one_line(str(exc), limit=300))
            else:  # show the story again as it is now (the label wins in `stories`)
                st.session_state["correction_saved"] = safety.one_line(
                    f"Saved: labelled by {saved.labelled_by}.")
                st.rerun()


ctx = ui.context()
st.title("Stories")

left, middle, right = st.columns([2, 2, 3])
outlets = left.multiselect("Outlets", ctx.info.outlets, key="browse_outlets")
topics = middle.multiselect("Topics", charts.TOPICS, key="browse_topics")
search = right.text_input("Text search", key="browse_search",
                          placeholder="words in the title, summary or text")
ai_work_only = st.toggle("Only AI×work stories", value=True, key="browse_ai_work_only")

wanted = data.StoryFilter(since=ctx.period.since, until=ctx.period.until, outlets=tuple(outlets),
                          topics=tuple(topics), search=search, ai_work_only=ai_work_only)
ranked = st.toggle("Rank by relevance (search syntax: \"a phrase\", OR, NOT, title:, outlet:)",
                   value=False, key="browse_ranked")
if ranked and search.strip():  # issue 20: ranked search (dashboards/search_box.py)
    from dashboards import search_box

    found, problem = search_box.ranked_stories(
        str(ctx.db), data.warehouse_stamp(ctx.db), search, ctx.period.since, ctx.period.until,
        tuple(outlets), tuple(topics), ai_work_only)
    if problem:
        st.warning(problem)
else:
    found = ui.load("find_stories", ctx.db, wanted)
matches = int(found["matches"].iloc[0]) if not found.empty else 0
shown = f" (the newest {len(found)} shown)" if matches > len(found) else ""
st.caption(f"{matches} {'story matches' if matches == 1 else 'stories match'}{shown}.")

if not found.empty:
    table = found.assign(url=safety.safe_urls(found["url"]))
    st.dataframe(table, hide_index=True,
                 column_order=["story_at", "outlet", "title", "topics", "labelled_by", "url"]
                 + (["snippet"] if "snippet" in table else []),  # ranked search (issue 20)
                 column_config={
                     "story_at": st.column_config.DatetimeColumn("Date", format="YYYY-MM-DD HH:mm"),
                     "outlet": "Outlet", "title": "Title",
                     "topics": st.column_config.ListColumn("Topics"),
                     "labelled_by": "Labelled by",  # an analyst's correction (issue 17)
                     "url": st.column_config.LinkColumn("Original")})

    labels = {row.article_id: safety.one_line(
        f"{pd.Timestamp(row.story_at):%Y-%m-%d} · {row.outlet} · {row.title}")
        for row in found.itertuples()}
    picked = st.selectbox("Read a story", list(labels), format_func=labels.get, key="browse_story")
    story = ui.load("story", ctx.db, picked)
    fields = story.fields

    st.subheader("Story")
    st.text(fields["title"] or "(no title)")
    st.text(" · ".join(str(part) for part in (
        f"{pd.Timestamp(fields['story_at']):%Y-%m-%d %H:%M}", fields["outlet"], fields["author"])
        if part))
    topic_list = list(fields["topics"] or [])
    st.text("Topics: " + (", ".join(topic_list) if topic_list else "none"))
    verdict = "AI×work" if fields["classifier_is_ai_work"] else "not AI×work"
    st.text(f"Classifier {fields['classifier']} {fields['classifier_version']}: {verdict} "
            f"(AI score {score(fields['ai_score'])}, work score {score(fields['work_score'])})")
    if fields["is_labelled"]:  # an analyst's correction wins (issue 17)
        said = "AI×work" if fields["is_ai_work"] else "not AI×work"
        note = f" — {fields['label_note']}" if fields["label_note"] else ""
        st.text(f"Analyst's label: {said}, by {fields['labelled_by']} on "
                f"{pd.Timestamp(fields['labelled_at']):%Y-%m-%d %H:%M} UTC{note}")
    link = safety.safe_url(fields["url"])
    if link:
        st.link_button("Open the original article", link)
    else:
        st.text(f"Original address (not a web link): {fields['url']}")

    st.subheader("Evidence")
    st.caption("The terms the classifier matched, and where: why this story counts (or not) "
               "as being about AI and work.")
    evidence = safety.evidence_table(story.evidence, fields)
    if evidence.empty:
        st.text("No evidence recorded.")
    else:
        st.dataframe(evidence, hide_index=True, column_config={
            "weight": st.column_config.NumberColumn("weight", format="%.2f")})

    if not story.copies.empty:
        st.subheader(f"Other copies ({len(story.copies)})")
        st.dataframe(story.copies.assign(url=safety.safe_urls(story.copies["url"])),
                     hide_index=True, column_config={
                         "story_at": st.column_config.DatetimeColumn("Date", format="YYYY-MM-DD HH:mm"),
                         "url": st.column_config.LinkColumn("Original")})

    with st.expander("Summary and text"):
        st.text(fields["summary"] or "(no summary)")
        st.text(fields["text"] or "(no text)")

    correction_form(ctx.db, picked, fields)
