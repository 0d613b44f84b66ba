"""Precision and recall of the workforce-event extractor on a labelled JSON-lines file.

Each line: {id, title, summary?, text?, published?, split?, events: [{company, action,
headcount?, percent?, ai_attribution, also?: [other acceptable names]}]}. Scored are the
AI-related events (attribution explicit or linked): gold events labelled `none` and predicted
events graded `none` are left out, so a layoff with no AI is a hard negative. An event is
matched by (normalised company, action) within its item; headcount and percent are scored on
matched events whose gold value is stated, attribution on every matched event.

Reading a number does not depend on AI, so a second tally ("all events") matches every event,
AI-related or not, the same way: company+action over all events and headcount / percent exact
over all matched events that state one (the layoffs without AI in split test5 carry most of the
stated headcounts; replay-2023 has few AI-attributed ones).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Iterable

from classifiers.events import ACTIONS, company_key, extract_events, parse_number
from extractors.errors import WorkwatchError
from extractors.types import TextItem


class EventsFileError(WorkwatchError):
    """The evaluation file cannot be read."""


@dataclass(frozen=True)
class LabelledItem:
    item: TextItem
    published: date | None
    split: str
    events: tuple[dict, ...]


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    headcount_ok: int = 0
    headcount_n: int = 0
    percent_ok: int = 0
    percent_n: int = 0
    attribution_ok: int = 0
    attribution_n: int = 0
    per_action: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    all_tp: int = 0
    all_fp: int = 0
    all_fn: int = 0
    all_headcount_ok: int = 0
    all_headcount_n: int = 0
    all_percent_ok: int = 0
    all_percent_n: int = 0

    def report(self) -> dict:
        def ratio(a: int, b: int) -> float | None:
            return round(a / b, 3) if b else None
        return {
            "events_gold": self.tp + self.fn, "events_predicted": self.tp + self.fp,
            "company_action": {"precision": ratio(self.tp, self.tp + self.fp),
                               "recall": ratio(self.tp, self.tp + self.fn),
                               "tp": self.tp, "fp": self.fp, "fn": self.fn},
            "headcount_exact": {"accuracy": ratio(self.headcount_ok, self.headcount_n),
                                "n": self.headcount_n},
            "percent_exact": {"accuracy": ratio(self.percent_ok, self.percent_n), "n": self.percent_n},
            "ai_attribution": {"accuracy": ratio(self.attribution_ok, self.attribution_n),
                               "n": self.attribution_n},
            "per_action": {a: {"precision": ratio(t[0], t[0] + t[1]), "recall": ratio(t[0], t[0] + t[2]),
                               "tp": t[0], "fp": t[1], "fn": t[2]}
                           for a, t in sorted(self.per_action.items())},
            "all_events": {
                "company_action": {"precision": ratio(self.all_tp, self.all_tp + self.all_fp),
                                   "recall": ratio(self.all_tp, self.all_tp + self.all_fn),
                                   "tp": self.all_tp, "fp": self.all_fp, "fn": self.all_fn},
                "headcount_exact": {"accuracy": ratio(self.all_headcount_ok, self.all_headcount_n),
                                    "n": self.all_headcount_n},
                "percent_exact": {"accuracy": ratio(self.all_percent_ok, self.all_percent_n),
                                  "n": self.all_percent_n},
            },
        }


def read_labelled(path: Path) -> list[LabelledItem]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise EventsFileError(f"{path}: cannot read ({exc})") from None
    items = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            events = tuple(_gold_event(e) for e in (rec.get("events") or rec.get("workforce_events") or ()))
            when = rec.get("published") or rec.get("published_at") or rec.get("date")
            published = date.fromisoformat(str(when)[:10]) if when else None
            item = TextItem(str(rec.get("id") or n), rec.get("title") or "",
                            rec.get("summary") or rec.get("lede") or "", rec.get("text") or "")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise EventsFileError(f"{path}, line {n}: not a labelled item ({exc})") from None
        items.append(LabelledItem(item, published, str(rec.get("split") or "all"), events))
    return items


def _gold_event(e: dict) -> dict:
    """One gold event, with the usual spellings accepted: `attribution` for ai_attribution,
    a headcount or percent written as text ("4,000", "10%")."""
    action = str(e["action"]).strip().lower()
    if action not in ACTIONS:
        raise ValueError(f"unknown action {e['action']!r}")
    out = {**e, "action": action, "company": str(e["company"])}
    out["ai_attribution"] = str(e.get("ai_attribution") or e.get("attribution") or "explicit").lower()
    if isinstance(out.get("headcount"), str):
        out["headcount"] = parse_number(out["headcount"])
    if isinstance(out.get("percent"), str):
        out["percent"] = float(out["percent"].strip().rstrip("%").strip())
    return out


def _gold_keys(e: dict) -> set[str]:
    return {company_key(n) for n in [e["company"], *e.get("also", ())]}


def _same_percent(p: float | None, g: float) -> bool:
    return p is not None and abs(p - g) < 1e-6


def _match(gold: list[dict], pred: list) -> tuple[list[tuple[dict, object | None]], list]:
    """Each gold event paired with the first unused predicted event of the same action and
    company (or None), and the predicted events left unmatched."""
    used: set[int] = set()
    pairs: list[tuple[dict, object | None]] = []
    for g in gold:
        keys = _gold_keys(g)
        hit = next((i for i, p in enumerate(pred) if i not in used
                    and p.action == g["action"] and company_key(p.company) in keys), None)
        if hit is not None:
            used.add(hit)
        pairs.append((g, None if hit is None else pred[hit]))
    return pairs, [p for i, p in enumerate(pred) if i not in used]


def _score_all(t: Tally, li: LabelledItem, gold: list[dict], pred: list) -> None:
    """The "all events" tally: every gold and predicted event, whatever its attribution."""
    pairs, spurious = _match(gold, pred)
    for g, p in pairs:
        if p is None:
            t.all_fn += 1
            if g.get("ai_attribution", "explicit") == "none":
                t.errors.append({"id": li.item.id, "missed (no AI)": f"{g['company']} {g['action']}"})
            continue
        t.all_tp += 1
        if g.get("headcount") is not None:
            t.all_headcount_n += 1
            t.all_headcount_ok += p.headcount == g["headcount"]
            if p.headcount != g["headcount"]:
                t.errors.append({"id": li.item.id, "headcount (all events)": f"{p.headcount} != {g['headcount']}"})
        if g.get("percent") is not None:
            t.all_percent_n += 1
            t.all_percent_ok += _same_percent(p.percent, g["percent"])
            if not _same_percent(p.percent, g["percent"]):
                t.errors.append({"id": li.item.id, "percent (all events)": f"{p.percent} != {g['percent']}"})
    t.all_fp += len(spurious)
    t.errors.extend({"id": li.item.id, "spurious (no AI)": f"{p.company} {p.action}"}
                    for p in spurious if p.ai_attribution == "none")


def score(items: Iterable[LabelledItem]) -> Tally:
    t = Tally()
    for li in items:
        every = extract_events(li.item, li.published)
        _score_all(t, li, list(li.events), every)
        gold = [e for e in li.events if e.get("ai_attribution", "explicit") != "none"]
        pred = [e for e in every if e.ai_attribution != "none"]
        pairs, spurious = _match(gold, pred)
        for g, p in pairs:
            counts = t.per_action.setdefault(g["action"], [0, 0, 0])
            if p is None:
                t.fn += 1
                counts[2] += 1
                t.errors.append({"id": li.item.id, "missed": f"{g['company']} {g['action']}"})
                continue
            t.tp += 1
            counts[0] += 1
            if g.get("headcount") is not None:
                t.headcount_n += 1
                t.headcount_ok += p.headcount == g["headcount"]
                if p.headcount != g["headcount"]:
                    t.errors.append({"id": li.item.id, "headcount": f"{p.headcount} != {g['headcount']}"})
            if g.get("percent") is not None:
                t.percent_n += 1
                t.percent_ok += _same_percent(p.percent, g["percent"])
            t.attribution_n += 1
            t.attribution_ok += p.ai_attribution == g.get("ai_attribution", "explicit")
        for p in spurious:
            t.fp += 1
            t.per_action.setdefault(p.action, [0, 0, 0])[1] += 1
            t.errors.append({"id": li.item.id, "spurious": f"{p.company} {p.action}"})
    return t


def evaluate_file(path: Path, split: str | None = None) -> dict:
    """Scores per split found in the file (and over all items), or for one split."""
    items = read_labelled(path)
    splits = sorted({li.split for li in items})
    if split is not None:
        if split not in splits and split != "all":
            raise EventsFileError(f"{path}: no items in split {split!r} (splits: {', '.join(splits)})")
        splits = []
    report: dict = {"file": str(path), "items": len(items), "splits": {}}
    for name in [*splits, split or "all"]:
        chosen = [li for li in items if name == "all" or li.split == name]
        tally = score(chosen)
        report["splits"][name] = {"items": len(chosen), **tally.report()}
        if name == (split or "all"):
            report["errors"] = tally.errors
    return report


def format_report(report: dict) -> str:
    lines = [f"{report['file']}: {report['items']} items"]
    for name, r in report["splits"].items():
        ca, hc, pc, at = r["company_action"], r["headcount_exact"], r["percent_exact"], r["ai_attribution"]
        lines.append(f"[{name}] {r['items']} items, {r['events_gold']} gold events, "
                     f"{r['events_predicted']} predicted")
        lines.append(f"  company+action  precision {ca['precision']}  recall {ca['recall']}  "
                     f"(tp {ca['tp']}, fp {ca['fp']}, fn {ca['fn']})")
        lines.append(f"  headcount exact {hc['accuracy']} (n {hc['n']})   percent exact "
                     f"{pc['accuracy']} (n {pc['n']})   attribution {at['accuracy']} (n {at['n']})")
        al = r["all_events"]
        lines.append(f"  all events (AI or not): company+action precision {al['company_action']['precision']}  "
                     f"recall {al['company_action']['recall']}  (tp {al['company_action']['tp']}, "
                     f"fp {al['company_action']['fp']}, fn {al['company_action']['fn']})   headcount exact "
                     f"{al['headcount_exact']['accuracy']} (n {al['headcount_exact']['n']})   percent exact "
                     f"{al['percent_exact']['accuracy']} (n {al['percent_exact']['n']})")
        for action, a in r["per_action"].items():
            lines.append(f"    {action:<10} precision {a['precision']}  recall {a['recall']}  "
                         f"(tp {a['tp']}, fp {a['fp']}, fn {a['fn']})")
    return "\n".join(lines)
