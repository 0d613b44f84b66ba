"""Stratified K-fold cross-validation of the rules and of rules + learned (``workwatch eval --folds``).

The labelled files are pooled (an id seen twice counts once, first file wins), split into
K stratified folds on ``ai_work`` with a fixed seed; in each fold the learned stage is
trained on the other K-1 folds only and both classifiers are scored on the held-out fold.
Figures are reported as mean ± sample standard deviation over the folds.

``extra_train`` items (e.g. classifiers/labels/extra-2023.jsonl joined with replay-2023) are
added to every fold's TRAINING set only: the folds, and so the test items, are the same
with or without them, so two runs with the same seed compare fold by fold (paired).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from pathlib import Path

from classifiers.topics import TOPICS
from classifiers.evaluate import load_labels, load_pooled, score_predictions  # noqa: F401
from extractors.types import TextItem

SEED = 13


class CrossValidationError(ValueError):
    """Cross-validation cannot run on these labels (too few items or positives for K folds)."""


def stratified_folds(labels: Sequence[bool], k: int, seed: int = SEED) -> list[list[int]]:
    """Held-out indices of K stratified folds (sklearn's StratifiedKFold, shuffled, fixed seed)."""
    from sklearn.model_selection import StratifiedKFold

    n_pos = sum(1 for v in labels if v)
    if k < 2 or n_pos < k or len(labels) - n_pos < k:
        raise CrossValidationError(
            f"{k} folds need at least {k} positive and {k} negative items "
            f"(have {n_pos} and {len(labels) - n_pos}); k must be >= 2")
    skf = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    return [sorted(te.tolist()) for _, te in skf.split([[0]] * len(labels), [int(v) for v in labels])]


def _mean_sd(values: Sequence[float | None]) -> dict:
    vs = [v for v in values if v is not None]
    if not vs:
        return {"mean": None, "sd": None, "n": 0}
    sd = statistics.stdev(vs) if len(vs) > 1 else 0.0
    return {"mean": round(statistics.fmean(vs), 4), "sd": round(sd, 4), "n": len(vs)}


def _summary(fold_reports: list[dict]) -> dict:
    out: dict = {"ai_work": {}, "topics": {}}
    for k in ("precision", "recall", "f1"):
        out["ai_work"][k] = _mean_sd([r["ai_work"][k] for r in fold_reports])
    out["topic_macro_f1"] = _mean_sd([r["topic_macro_f1"] for r in fold_reports])
    for t in TOPICS:
        out["topics"][t] = _mean_sd([r["topics"][t]["f1"] for r in fold_reports])
    return out


def cross_validate(paths: Sequence[str | Path], folds: int = 5, *, seed: int = SEED,
                   rows: list[tuple[TextItem, dict]] | None = None,
                   extra_train: Sequence[tuple[TextItem, dict]] = (),
                   extra_for: str = "topics") -> dict:
    """K-fold CV report for rules-only and rules + learned, over the pooled labels files.

    `extra_train` rows join every training fold and are never tested on (an extra item whose
    id is among the pooled gold items is dropped: the gold one is tested); `extra_for` is
    "topics" (the topic heads only, as `workwatch train` uses them) or "all" (every head)."""
    if extra_for not in ("topics", "all"):
        raise CrossValidationError(f"extra_for must be 'topics' or 'all', got {extra_for!r}")
    from classifiers.learned import LearnedClassifier, model_from_bytes
    from classifiers.rules import RuleClassifier
    from classifiers.train import fit_model, model_bytes

    rows = rows if rows is not None else load_pooled(paths)
    items = [it for it, _ in rows]
    golds = [g for _, g in rows]
    held_out = stratified_folds([g["ai_work"] for g in golds], folds, seed)
    gold_ids = {it.id for it in items}
    extra = [(it, g) for it, g in extra_train if it.id not in gold_ids]
    rules = RuleClassifier()
    per_fold: dict[str, list[dict]] = {"rules": [], "learned": []}
    for fold, test in enumerate(held_out):
        test_set = set(test)
        train = [i for i in range(len(items)) if i not in test_set]
        if extra_for == "all":
            doc = model_bytes(fit_model([items[i] for i in train] + [it for it, _ in extra],
                                        [golds[i] for i in train] + [g for _, g in extra],
                                        rules=rules))
        else:
            doc = model_bytes(fit_model([items[i] for i in train], [golds[i] for i in train],
                                        rules=rules, topic_extra=extra))
        learned = LearnedClassifier(model_from_bytes(doc, f"<fold {fold + 1}>"), rules)
        t_items = [items[i] for i in test]
        t_golds = [golds[i] for i in test]
        for name, clf in (("rules", rules), ("learned", learned)):
            rep = score_predictions(t_golds, clf.classify(t_items))
            rep["fold"] = fold + 1
            rep["items"] = len(test)
            rep["train_items"] = len(train) + len(extra)
            per_fold[name].append(rep)
    return {
        "labels": [str(p) for p in paths],
        "items": len(items),
        "positives": sum(1 for g in golds if g["ai_work"]),
        "extra_train": len(extra),
        "extra_for": extra_for if extra else None,
        "folds": folds,
        "seed": seed,
        "rules": _summary(per_fold["rules"]),
        "learned": _summary(per_fold["learned"]),
        "per_fold": {k: [{"fold": r["fold"], "items": r["items"], "train_items": r["train_items"],
                          "ai_work": r["ai_work"], "topic_macro_f1": r["topic_macro_f1"],
                          "topics": {t: r["topics"][t]["f1"] for t in TOPICS}} for r in v]
                     for k, v in per_fold.items()},
    }


def _ms(m: dict) -> str:
    if m.get("mean") is None:
        return "      -      "
    return f"{m['mean']:.3f} ± {m['sd']:.3f}"


def format_cv(report: dict) -> str:
    """Plain-text rendering of cross_validate()'s report: both classifiers side by side."""
    r, lr = report["rules"], report["learned"]
    lines = [
        f"{report['folds']}-fold stratified CV (seed {report['seed']}) over "
        f"{', '.join(report['labels'])}: {report['items']} items, {report['positives']} ai_work",
        "learned stage trained inside each fold only; figures are mean ± sd over the folds",
    ]
    if report.get("extra_train"):
        heads = "topic heads only" if report.get("extra_for") == "topics" else "all heads"
        lines.append(f"+ {report['extra_train']} extra labelled items in every training fold "
                     f"({heads}; never tested on)")
    lines += ["", f"{'':<22}{'rules only':>17}   {'rules + learned':>17}"]
    for k in ("precision", "recall", "f1"):
        lines.append(f"{'ai_work ' + k:<22}{_ms(r['ai_work'][k]):>17}   {_ms(lr['ai_work'][k]):>17}")
    lines.append(f"{'topic macro-F1':<22}{_ms(r['topic_macro_f1']):>17}   {_ms(lr['topic_macro_f1']):>17}")
    for t in TOPICS:
        lines.append(f"{'  ' + t + ' F1':<22}{_ms(r['topics'][t]):>17}   {_ms(lr['topics'][t]):>17}")
    return "\n".join(lines)
