"""Draw unlabelled replay-2023 items to label for the classifier (issue 13: more labelled data).

    python -m classifiers.label_sample [REPLAY] --seed 13 --n 300 > /tmp/to-label.jsonl

classifiers/labels/extra-2023.jsonl holds two draws: `--seed 13 --n 300` and then `--seed 14
--n 100 --known <train-2023> <dev> <the file's first 300 lines>` (its line 301 on).

Candidates: replay-2023 items (title + summary) not in the shared labels files (by id or by
normalised title), deduplicated by title, that match `AI` below (347 of the 353 AI×work
items of train-2023 + dev do; the 6 that do not are 4 spelled "A.I." -- the pattern's
trailing \b cannot follow a period, kept as is so the committed draw reproduces -- and 2
robotics/autonomous-driving stories). The shipped model scores the candidates and the draw
is seeded and stratified by its P(ai_work), to enrich for AI×work and for the rare topics:

  H  P >= 0.3                                   ~60% of the draw
  M  0.05 <= P < 0.3                            ~25%
  W  an AI word and a pay/salary/wage/career word, any P (wages and careers are the
     weakest topics, 20 and ~40 examples)      ~15%

The output is blind: one JSON line per item with ``id``, ``published``, ``title``,
``summary`` only -- no score and no stratum, in a seeded shuffled order, so the labeller
cannot read the model's opinion from the file.

``--strata likely`` draws every candidate with P(ai_work) >= 0.05 (up to ``--n``), in a
seeded shuffled order. By the third draw (session of 2026-12-07) the two draws above and
train-2023 + dev had taken most of replay-2023's likely AI×work items: of 5,117 remaining
AI-word candidates only 577 had P >= 0.05 (81 had P >= 0.3), so the third draw is all of
them: ``--strata likely --seed 15 --n 1000 --known <train-2023> <dev>
classifiers/labels/extra-2023.jsonl``. That draw was labelled (577 items, 112 AI×work, by two
annotators who agreed with the shared gold at kappa 0.958 on 100 blind train-2023 + dev items)
and not shipped: in the topic heads (topic C 1) it moved CV topic macro-F1 by +0.002 (0.657 -> 0.659, 5
folds x 3 seeds), within noise, and in every head it lowered ai_work F1. Labels are written by reading each item
per corpus/labels/CODEBOOK.md and stored (id + labels only) in classifiers/labels/.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
from pathlib import Path

from classifiers.events_sample import item_id, title_key as _key

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
DEFAULT_REPLAY = CORPUS / "replay-2023.jsonl.gz"
DEFAULT_KNOWN = (CORPUS / "labels" / "train-2023.jsonl", CORPUS / "labels" / "dev.jsonl")

AI = re.compile(r"\b(?:AI|A\.I\.|(?i:artificial intelligence|ChatGPT|GPT-?\d|chatbots?|generative|"
                r"automat\w+|robots?|machine learning|LLMs?|OpenAI|Copilot|Bard|Gemini|Anthropic|"
                r"deep learning|neural|algorithm\w*))\b")
PAY_CAREER = re.compile(r"\b(?:pay|paid|salar\w+|wages?|earn\w*|income|raises?|compensation|"
                        r"careers?|job seekers?|resumes?|résumés?|graduates?)\b", re.I)
SHARES = {"H": 0.60, "M": 0.25, "W": 0.15}


def candidates(replay: Path, known_ids: set[str], known_titles: set[str]) -> list[dict]:
    seen = set(known_titles)
    out = []
    with gzip.open(replay, "rt", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            title, summary = rec.get("title") or "", rec.get("summary") or ""
            key = _key(title)
            rid = item_id(rec.get("url") or title)
            if not key or key in seen or rid in known_ids:
                continue
            if not AI.search(f"{title}\n{summary}"):
                continue
            seen.add(key)
            out.append({"id": rid, "published": str(rec.get("published") or "")[:10],
                        "title": title, "summary": summary})
    return out


def draw(rows: list[dict], probs: list[float], n: int, seed: int) -> list[dict]:
    strata: dict[str, list[dict]] = {"H": [], "M": [], "W": []}
    for row, p in zip(rows, probs):
        if p >= 0.3:
            strata["H"].append(row)
        elif p >= 0.05:
            strata["M"].append(row)
        if PAY_CAREER.search(f"{row['title']}\n{row['summary']}"):
            strata["W"].append(row)
    rng = random.Random(seed)
    picked: dict[str, dict] = {}
    for name in ("W", "H", "M"):  # W first: its items may also sit in H or M
        pool = [r for r in strata[name] if r["id"] not in picked]
        k = min(round(n * SHARES[name]), len(pool))
        for r in rng.sample(pool, k):
            picked[r["id"]] = r
        print(f"stratum {name}: {len(strata[name])} candidates, drew {k}", file=sys.stderr)
    out = list(picked.values())
    rng.shuffle(out)
    return out


def draw_likely(rows: list[dict], probs: list[float], n: int, seed: int) -> list[dict]:
    """The ``--strata likely`` draw: candidates with P(ai_work) >= 0.05, seeded order."""
    pool = [r for r, p in zip(rows, probs) if p >= 0.05]
    rng = random.Random(seed)
    out = rng.sample(pool, min(n, len(pool)))
    print(f"likely (P >= 0.05): {len(pool)} candidates, drew {len(out)}", file=sys.stderr)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("replay", nargs="?", default=str(DEFAULT_REPLAY))
    ap.add_argument("--known", nargs="*", default=[str(p) for p in DEFAULT_KNOWN],
                    help="labelled files whose items are left out (by id or title)")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--strata", choices=("score", "likely"), default="score",
                    help="score: strata by the model's P(ai_work) (default); likely: every "
                         "candidate with P(ai_work) >= 0.05")
    args = ap.parse_args(argv)
    from classifiers.learned import LearnedClassifier
    from classifiers.rules import RuleClassifier
    from extractors.types import TextItem

    ids: set[str] = set()
    titles: set[str] = set()
    for p in args.known:
        for line in Path(p).read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                ids.add(str(rec.get("id")))
                titles.add(_key(rec.get("title") or ""))
    rows = candidates(Path(args.replay), ids, titles)
    clf = LearnedClassifier(rules=RuleClassifier())
    probs = clf.ai_work_confidence([TextItem(r["id"], r["title"], r["summary"], "") for r in rows])
    drawn = (draw_likely if args.strata == "likely" else draw)(rows, probs, args.n, args.seed)
    for row in drawn:
        print(json.dumps(row, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
