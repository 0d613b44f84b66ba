"""Evaluate a classifier on hand-labelled items: the engine behind ``workwatch eval``.

Labels file: JSON lines with ``id``, ``title``, ``summary``, ``text`` (missing -> "") and the
gold labels ``ai_work`` (required), ``ai``, ``work`` (optional, 0/1) and ``topics`` (list;
missing -> []), as in ``corpus/labels/dev.jsonl`` (see CODEBOOK.md).

Topics are evaluated over *all* items: a negative prediction predicts no topics, and a
gold negative has none. A topic with neither gold nor predicted positives has undefined
precision/recall/F1 (reported as null) and is left out of the macro average.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from classifiers.base import TOPICS, Classifier, get_classifier
from classifiers.jsonl import _open_text, item_from_record
from extractors.types import Classification, TextItem

WORST_MISSES = 10


class LabelsError(ValueError):
    """A line of the labels file is not a valid labelled item (names the line number)."""


def _lines(fh, path: Path):
    """The lines of `fh`; invalid UTF-8 becomes a LabelsError naming the line."""
    line_no = 0
    while True:
        try:
            line = fh.readline()
        except UnicodeDecodeError:
            raise LabelsError(f"{path}: line {line_no + 1}: not UTF-8") from None
        if not line:
            return
        line_no += 1
        yield line


def load_labels(labels_path: str | Path) -> list[tuple[TextItem, dict]]:
    """(item, gold) pairs from a labels file; gold has ai_work, ai, work (None if absent), topics."""
    path = Path(labels_path)
    rows: list[tuple[TextItem, dict]] = []
    with _open_text(path) as fh:
        for line_no, line in enumerate(_lines(fh, path), 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise LabelsError(f"{path}: line {line_no}: invalid JSON: {exc.msg}") from None
            except RecursionError:
                raise LabelsError(f"{path}: line {line_no}: JSON nested too deeply") from None
            try:
                item = item_from_record(rec, path=str(path), line_no=line_no)
            except ValueError as exc:
                raise LabelsError(str(exc)) from None
            rows.append((item, gold_from_record(rec, path, line_no)))
    return rows


def gold_from_record(rec: dict, path: str | Path = "<labels>", line_no: int = 0) -> dict:
    """The gold labels of one decoded labels line: ai_work, ai, work (None if absent), topics."""
    if not isinstance(rec, dict):
        raise LabelsError(f"{path}: line {line_no}: expected a JSON object")
    gold: dict = {}
    for key in ("ai_work", "ai", "work"):
        v = rec.get(key)
        if v is None:
            if key == "ai_work":
                raise LabelsError(f"{path}: line {line_no}: missing 'ai_work' label")
            gold[key] = None
        elif v in (0, 1) and not isinstance(v, float):
            gold[key] = bool(v)
        else:
            raise LabelsError(f"{path}: line {line_no}: {key!r} must be 0 or 1, got {v!r}")
    topics = rec.get("topics") or []
    if not isinstance(topics, list) or any(t not in TOPICS for t in topics):
        raise LabelsError(f"{path}: line {line_no}: bad topics {topics!r}")
    gold["topics"] = frozenset(topics) if gold["ai_work"] else frozenset()
    return gold


def load_pooled(paths: Sequence[str | Path]) -> list[tuple[TextItem, dict]]:
    """(item, gold) pairs of several labels files; a repeated id counts once."""
    seen: set[str] = set()
    rows: list[tuple[TextItem, dict]] = []
    for p in paths:
        for item, gold in load_labels(p):
            if item.id in seen:
                continue
            seen.add(item.id)
            rows.append((item, gold))
    return rows


def _prf(tp: int, fp: int, fn: int, tn: int | None = None) -> dict:
    p = tp / (tp + fp) if tp + fp else None
    r = tp / (tp + fn) if tp + fn else None
    if tp + fp + fn == 0:
        f1 = None
    else:
        f1 = 2 * tp / (2 * tp + fp + fn)
    out = {
        "precision": None if p is None else round(p, 4),
        "recall": None if r is None else round(r, 4),
        "f1": None if f1 is None else round(f1, 4),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "support": tp + fn,
    }
    if tn is not None:
        out["tn"] = tn
    return out


def _binary(gold: Sequence[bool | None], pred: Sequence[bool]) -> dict | None:
    pairs = [(g, p) for g, p in zip(gold, pred) if g is not None]
    if not pairs:
        return None
    tp = sum(1 for g, p in pairs if g and p)
    fp = sum(1 for g, p in pairs if not g and p)
    fn = sum(1 for g, p in pairs if g and not p)
    tn = sum(1 for g, p in pairs if not g and not p)
    return _prf(tp, fp, fn, tn)


def _confidences(clf: Classifier, items: list[TextItem], preds: list[Classification]) -> list[float]:
    fn = getattr(clf, "ai_work_confidence", None)
    if callable(fn):
        return list(fn(items))
    # Generic classifiers: a positive is as sure as its weaker signal; a negative is unsure
    # when both signals are high.
    return [
        min(c.ai_score, c.work_score) if c.is_ai_work else min(c.ai_score, c.work_score) * 0.99
        for c in preds
    ]


def score_predictions(golds: Sequence[dict], preds: Sequence[Classification]) -> dict:
    """ai/work/ai_work P/R/F1, the ai_work confusion and per-topic figures of predictions."""
    report: dict = {}
    pred_topics = [frozenset(c.topics) if c.is_ai_work else frozenset() for c in preds]
    for key, attr in (("ai", "is_ai"), ("work", "is_work"), ("ai_work", "is_ai_work")):
        report[key] = _binary([g[key] for g in golds], [bool(getattr(c, attr)) for c in preds])
    aw = report["ai_work"]
    report["confusion"] = {k: aw[k] for k in ("tp", "fp", "fn", "tn")}
    topics: dict[str, dict] = {}
    for t in TOPICS:
        tp = sum(1 for g, p in zip(golds, pred_topics) if t in g["topics"] and t in p)
        fp = sum(1 for g, p in zip(golds, pred_topics) if t not in g["topics"] and t in p)
        fn = sum(1 for g, p in zip(golds, pred_topics) if t in g["topics"] and t not in p)
        topics[t] = _prf(tp, fp, fn)
    report["topics"] = topics
    defined = [v["f1"] for v in topics.values() if v["f1"] is not None]
    report["topic_macro_f1"] = round(sum(defined) / len(defined), 4) if defined else None
    report["topics_in_macro"] = [t for t, v in topics.items() if v["f1"] is not None]
    return report


def evaluate(labels_path: str | Path, classifier: Classifier | None = None) -> dict:
    """Precision/recall/F1 of `classifier` (default: the default classifier) on a labels file, as a dict."""
    clf = classifier if classifier is not None else get_classifier()
    rows = load_labels(labels_path)
    items = [it for it, _ in rows]
    golds = [g for _, g in rows]
    preds = clf.classify(items)
    if len(preds) != len(items):
        raise RuntimeError(f"classifier returned {len(preds)} results for {len(items)} items")

    report: dict = {
        "classifier": getattr(clf, "name", type(clf).__name__),
        "version": getattr(clf, "version", ""),
        "labels": str(labels_path),
        "items": len(items),
        "positives": sum(1 for g in golds if g["ai_work"]),
    }
    report.update(score_predictions(golds, preds))

    conf = _confidences(clf, items, preds)
    misses = []
    for item, g, c, p in zip(items, golds, preds, conf):
        if g["ai_work"] == c.is_ai_work:
            continue
        kind = "false_positive" if c.is_ai_work else "false_negative"
        error_conf = p if c.is_ai_work else 1.0 - p
        misses.append(
            {
                "id": item.id,
                "kind": kind,
                "title": item.title,
                "confidence": round(p, 4),
                "error_confidence": round(error_conf, 4),
                "ai_score": c.ai_score,
                "work_score": c.work_score,
                "gold_topics": sorted(g["topics"], key=TOPICS.index),
                "predicted_topics": list(c.topics),
                "evidence": [
                    {
                        "signal": e.signal,
                        "term": e.term,
                        "field": e.field,
                        "start": e.start,
                        "end": e.end,
                        "weight": e.weight,
                    }
                    for e in c.evidence
                ],
            }
        )
    misses.sort(key=lambda m: (-m["error_confidence"], m["id"]))
    report["worst_misses"] = misses[:WORST_MISSES]
    report["misses"] = len(misses)
    return report


def _fmt(v: float | None) -> str:
    return "   -  " if v is None else f"{v:6.3f}"


def format_report(report: dict) -> str:
    """A plain-text rendering of evaluate()'s report."""
    lines = [
        f"classifier {report.get('classifier')} {report.get('version')}  "
        f"labels {report.get('labels')}  items {report.get('items')}  "
        f"ai_work positives {report.get('positives')}",
        "",
        f"{'label':<14}{'prec':>8}{'recall':>8}{'F1':>8}{'tp':>6}{'fp':>6}{'fn':>6}{'support':>9}",
        "-" * 65,
    ]

    def row(name: str, m: dict | None) -> None:
        if m is None:
            lines.append(f"{name:<14}{'(no gold labels)':>24}")
            return
        lines.append(
            f"{name:<14}  {_fmt(m['precision'])}  {_fmt(m['recall'])}  {_fmt(m['f1'])}"
            f"{m['tp']:>6}{m['fp']:>6}{m['fn']:>6}{m['support']:>9}"
        )

    for key in ("ai", "work", "ai_work"):
        row(key, report.get(key))
    lines.append("-" * 65)
    for t, m in report.get("topics", {}).items():
        row(f"  {t}", m)
    lines.append("-" * 65)
    macro = report.get("topic_macro_f1")
    lines.append(f"topic macro-F1 {_fmt(macro).strip()} (over {len(report.get('topics_in_macro', []))} topics)")
    c = report.get("confusion", {})
    lines.append(
        f"ai_work confusion: tp={c.get('tp')} fp={c.get('fp')} fn={c.get('fn')} tn={c.get('tn')}"
    )
    worst = report.get("worst_misses") or []
    if worst:
        lines += ["", f"worst misses ({len(worst)} of {report.get('misses', len(worst))}):"]
        for m in worst:
            kind = "FP" if m["kind"] == "false_positive" else "FN"
            lines.append(f"  {kind} conf={m['confidence']:.2f} {m['id']}: {m['title'][:90]}")
            ev = ", ".join(
                f"{e['signal']}:{e['term']}@{e['field']}" for e in m["evidence"][:10]
            )
            lines.append(f"      evidence: {ev or '(none)'}")
    return "\n".join(lines)
