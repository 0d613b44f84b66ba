"""The digest (issue 20): counts per topic, spikes, new workforce events, watch hits and the
top stories of a period (read by warehouse/digest.py), rendered as Markdown, HTML or plain
text (for email)."""

from __future__ import annotations

import html
from datetime import datetime, timedelta

from warehouse.digest import Digest, Story, build_digest  # noqa: F401  (the digest's data)

FORMATS = ("markdown", "html", "text")


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
