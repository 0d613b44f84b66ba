"""The digest (issue 20): counts per topic, spikes, new workforce events, watch hits and the
top stories of a period, rendered as Markdown, HTML or plain text (for email)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb

from warehouse.spikes import Spike, find_spikes

FORMATS = ("markdown", "html", "text")


@dataclass(frozen=True)
class Story:
    outlet: str
    title: str
    url: str
    topics: tuple[str, ...]
    copies: int = 1


@dataclass(frozen=True)
class Digest:
    since: datetime
    until: datetime
    stories: int                                   # AI×work stories (copies once)
    topics: tuple[tuple[str, int], ...]
    spikes: tuple[Spike, ...]
    events: tuple[tuple[str, str, int | None, str], ...]   # company, action, headcount, url
    watches: tuple[tuple[str, tuple[Story, ...]], ...]
    top: tuple[Story, ...]


def build_digest(con: duckdb.DuckDBPyConnection, since: datetime, until: datetime,
                 top: int = 10) -> Digest:
    between = [since, until]
    topics = con.execute(
        "SELECT topic, count(*) FROM (SELECT unnest(topics) AS topic FROM story_facts "
        "WHERE is_first AND is_ai_work AND story_at >= ? AND story_at < ?) GROUP BY topic "
        "ORDER BY 2 DESC, 1", between).fetchall()
    count = con.execute("SELECT count(*) FROM story_facts WHERE is_first AND is_ai_work "
                        "AND story_at >= ? AND story_at < ?", between).fetchone()[0]
    top_rows = con.execute(
        "WITH c AS (SELECT cluster_key, count(*) AS copies, count(DISTINCT outlet) AS outlets "
        "           FROM story_facts WHERE story_at >= ? AND story_at < ? GROUP BY cluster_key) "
        "SELECT a.outlet, a.title, a.url, f.topics, c.copies FROM story_facts f "
        "JOIN c USING (cluster_key) JOIN articles a USING (article_id) "
        "WHERE f.is_first AND f.is_ai_work AND f.story_at >= ? AND f.story_at < ? "
        "ORDER BY c.outlets DESC, c.copies DESC, len(f.topics) DESC, f.story_at LIMIT ?",
        between + between + [top]).fetchall()
    days = max(1, round((until - since).total_seconds() / 86400))
    spikes = find_spikes(con, until, days=days, stories=3)
    return Digest(since, until, count, tuple(topics), tuple(spikes), _events(con, since, until),
                  _watch_hits(con, since, until),
                  tuple(Story(r[0] or "", r[1] or "", r[2], tuple(r[3] or ()), r[4]) for r in top_rows))


def _events(con, since, until):
    try:
        rows = con.execute(
            "SELECT company, action, headcount, url FROM workforce_events "
            "WHERE first_seen >= ? AND first_seen < ? ORDER BY headcount DESC NULLS LAST LIMIT 20",
            [since, until]).fetchall()
    except duckdb.Error:  # an older warehouse without workforce events (migration 010)
        return ()
    return tuple((r[0], r[1], r[2], r[3]) for r in rows)


def _watch_hits(con, since, until):
    rows = con.execute(
        "SELECT h.watch, a.outlet, a.title, a.url, f.topics FROM watch_hits h "
        "JOIN articles a ON a.article_id = h.article_id "
        "LEFT JOIN story_facts f ON f.article_id = h.article_id "
        "WHERE (coalesce(a.published_at, a.first_seen_at) >= ? "
        "       AND coalesce(a.published_at, a.first_seen_at) < ?) "
        "   OR (h.matched_at >= ? AND h.matched_at < ?) ORDER BY h.watch, a.published_at",
        [since, until, since, until]).fetchall()
    grouped: dict[str, list[Story]] = {}
    for watch, outlet, title, url, topics in rows:
        grouped.setdefault(watch, []).append(Story(outlet or "", title or "", url, tuple(topics or ())))
    return tuple((w, tuple(s)) for w, s in grouped.items())


# ------------------------------------------------------------------ rendering


def render(d: Digest, fmt: str) -> str:
    if fmt == "html":
        return _html(d)
    return _markdown(d, plain=fmt == "text")


def _markdown(d: Digest, plain: bool) -> str:
    h = (lambda text: f"{text}\n{'=' * len(text)}") if plain else (lambda text: f"## {text}")
    link = (lambda s: f"{s.title} ({s.outlet}) {s.url}") if plain else \
        (lambda s: f"[{_md(s.title)}]({s.url}) ({_md(s.outlet)})")
    out = [("" if plain else "# ") + f"workwatch digest {d.since:%Y-%m-%d} to {_last_day(d):%Y-%m-%d}",
           "", f"{d.stories} AI×work stories.", "", h("Topics")]
    out += [f"- {t}: {n}" for t, n in d.topics] or ["- none"]
    out += ["", h("Spikes")]
    out += [f"- {s.kind} {s.key}: {s.count} stories against {s.expected} per period before "
            f"(Poisson p = {s.p_value:.1e})" for s in d.spikes] or ["- none"]
    out += ["", h("New workforce events")]
    out += [f"- {c}: {a}{f' ({n:,} people)' if n else ''} {u}" for c, a, n, u in d.events] or ["- none"]
    out += ["", h("Watches")]
    for name, stories in d.watches:
        out.append(f"- {name}: {len(stories)}")
        out += [f"  - {link(s)}" for s in stories[:20]]
    if not d.watches:
        out.append("- no hits")
    out += ["", h("Top stories")]
    out += [f"- {link(s)}{_tags(s)}{f' ({s.copies} copies)' if s.copies > 1 else ''}"
            for s in d.top] or ["- none"]
    return "\n".join(out) + "\n"


def _last_day(d: Digest) -> datetime:
    return d.until - timedelta(seconds=1)  # `until` is exclusive


def _tags(s: Story) -> str:
    return " [" + ", ".join(s.topics) + "]" if s.topics else ""


def _md(text: str) -> str:
    return text.replace("[", "\\[").replace("]", "\\]")


def _html(d: Digest) -> str:
    e = html.escape

    def items(lines):
        return "<ul>" + "".join(f"<li>{x}</li>" for x in lines) + "</ul>" if lines else "<p>none</p>"

    def a(s: Story) -> str:
        return f'<a href="{e(s.url, quote=True)}">{e(s.title)}</a> ({e(s.outlet)})'

    parts = [f"<h1>workwatch digest {d.since:%Y-%m-%d} to {_last_day(d):%Y-%m-%d}</h1>",
             f"<p>{d.stories} AI×work stories.</p>",
             "<h2>Topics</h2>", items([f"{e(t)}: {n}" for t, n in d.topics]),
             "<h2>Spikes</h2>", items([f"{e(s.kind)} {e(s.key)}: {s.count} stories against "
                                       f"{s.expected} per period before (p = {s.p_value:.1e})"
                                       for s in d.spikes]),
             "<h2>New workforce events</h2>",
             items([f"{e(c)}: {e(ac)}{f' ({n:,} people)' if n else ''} "
                    f'<a href="{e(u, quote=True)}">source</a>' for c, ac, n, u in d.events]),
             "<h2>Watches</h2>",
             items([f"{e(name)}: {len(st)}" + items([a(s) for s in st[:20]]) for name, st in d.watches]),
             "<h2>Top stories</h2>", items([a(s) + (f" [{e(', '.join(s.topics))}]" if s.topics else "")
                                            for s in d.top])]
    return "<!doctype html><meta charset=\"utf-8\"><title>workwatch digest</title>\n" + "\n".join(parts) + "\n"
