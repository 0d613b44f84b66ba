"""Analysts' labels (table labels, migration 031; issue 17): write one, read them back.

History is kept: every label given is a row; the latest per article wins (`current_labels`),
and the `stories` view shows it over the classifier's verdict. A label changes a story's
is_ai_work/topics, so its story_facts row is re-derived in the same transaction.
"""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from classifiers.base import TOPICS
from core.errors import WorkwatchError
from warehouse.db import read_connection, utcnow, write_connection
from warehouse.tx import transaction


class LabelError(WorkwatchError):
    """A label cannot be stored (unknown article, ...)."""


class BadTopicError(LabelError):
    """A topic that is not one of the codebook's seven."""


@dataclass(frozen=True)
class Label:
    article_id: str
    ai_work: bool
    topics: tuple[str, ...]
    labelled_by: str
    labelled_at: datetime
    note: str | None = None


def default_labeller() -> str:
    """Who is labelling: WORKWATCH_USER, else the login name."""
    for name in ("WORKWATCH_USER", "USER", "LOGNAME"):
        value = os.environ.get(name, "").strip()
        if value:
            return value
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry (containers)
        return "unknown"


def check_topics(topics: Sequence[str], ai_work: bool) -> tuple[str, ...]:
    """Topics in the codebook's order; BadTopicError naming the valid ones."""
    wanted = [t.strip().lower() for t in topics if t.strip()]
    bad = [t for t in wanted if t not in TOPICS]
    if bad:
        raise BadTopicError(f"unknown topic {', '.join(bad)}; valid topics: {', '.join(TOPICS)}")
    if wanted and not ai_work:
        raise BadTopicError("topics are only for AI×work stories (--ai-work yes)")
    return tuple(t for t in TOPICS if t in wanted)


def add_label(db_path: str | Path, article_id: str, ai_work: bool, topics: Sequence[str] = (),
              who: str = "", note: str | None = None) -> Label:
    """Store one analyst's label (the article must exist). The one write of the dashboard."""
    from warehouse.facts import facts_fresh, refresh_facts

    topics = check_topics(topics, ai_work)
    who = (who or "").strip() or "unknown"
    label = Label(article_id, bool(ai_work), topics, who, utcnow(), (note or "").strip() or None)
    if not Path(db_path).exists():
        raise LabelError(f"no warehouse at {db_path} (check --db / WORKWATCH_DB)")
    with write_connection(db_path) as con:
        if not con.execute("SELECT 1 FROM articles WHERE article_id = ?", [article_id]).fetchall():
            raise LabelError(f"no article {article_id!r} in {db_path} (ids are in "
                             "`workwatch sql \"select article_id, title from stories\"`)")
        with transaction(con):
            was_fresh = facts_fresh(con)
            con.execute("INSERT INTO labels VALUES (?, ?, ?, ?, ?, ?)",
                        [label.article_id, label.ai_work, list(label.topics), label.labelled_by,
                         label.labelled_at, label.note])
            refresh_facts(con, [article_id], was_fresh)
    return label


def label_history(db_path: str | Path, article_id: str) -> list[Label]:
    """Every label of one article, newest first."""
    with read_connection(db_path) as con:
        rows = con.execute("SELECT article_id, ai_work, topics, labelled_by, labelled_at, note "
                           "FROM labels WHERE article_id = ? ORDER BY labelled_at DESC",
                           [article_id]).fetchall()
    return [Label(a, w, tuple(t or ()), b, at, n) for a, w, t, b, at, n in rows]


_EXPORT = ("SELECT a.article_id, a.title, a.summary, a.text, a.url, a.outlet, a.feed, "
           "a.published_at, a.language, l.ai_work, l.topics, l.labelled_by, l.labelled_at, l.note "
           "FROM current_labels l JOIN articles a USING (article_id) ORDER BY l.labelled_at, "
           "a.article_id")


def current_labels(db_path: str | Path) -> list[dict]:
    """The latest label of every labelled article, as records in the shared label files'
    format: id, title, summary, text, url, outlet, published, language, ai_work (0/1),
    topics; ai and work (1) only when ai_work is 1 (an AI×work story is both); plus
    labelled_by, labelled_at, note."""
    with read_connection(db_path) as con:
        rows = con.execute(_EXPORT).fetchall()
    out = []
    for (aid, title, summary, text, url, outlet, feed, published, language, ai_work, topics,
         who, at, note) in rows:
        rec = {"id": aid, "title": title or "", "summary": summary or "", "text": text or "",
               "url": url, "outlet": outlet, "feed": feed,
               "published": published.isoformat() + "+00:00" if published else None,
               "language": language, "ai_work": int(bool(ai_work)),
               "topics": list(topics or []) if ai_work else []}
        if ai_work:
            rec["ai"] = rec["work"] = 1
        rec.update({"labelled_by": who, "labelled_at": at.isoformat() + "+00:00", "note": note})
        out.append(rec)
    return out


def export_labels(db_path: str | Path, output: str | Path) -> int:
    """Write current_labels() as JSON lines (atomically); returns the number written."""
    records = current_labels(db_path)
    out = Path(output)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    tmp.replace(out)
    return len(records)

