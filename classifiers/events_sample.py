"""Draw the headcount-rich held-out split of the workforce-event evaluation file (issue 19).

    python -m classifiers.events_sample [REPLAY] --eval tests/data/events-eval.jsonl --seed 19

Picks replay-2023 items by patterns only (the extractor is never run here): items not already
in the evaluation file (by id or title), deduplicated by title, whose title or summary states
a count of people or a share of a workforce ("4,000 jobs", "10% of staff", "four thousand
workers", "1.2k roles", "thousands of employees"), in two strata:

  A  an AI word: every such item (replay-2023 holds only about fifty, a dozen of them already
     in the file), so events, forecasts ("could automate 25% of all jobs"), surveys ("40% of
     workers think...") and shares of tasks all come in as they occur
  N  an event word (cut, lay off, hire, strike, ...) but no AI word, seeded random draw: the
     hard negatives (layoffs without AI); their headcounts are scored too, as "headcount over
     all events", since reading a number does not depend on AI

With `--split test6` it draws the general held-out split instead (round 4): AI-related items
(an AI word in title or summary, `AI6`: "AI" in capitals, the longer words in any case) with
an event word -- cut, lay off, hire, freeze, retrain/upskill, replace, strike, deal/contract,
ban/law (`EVENT6`) --, not already in the file, deduplicated by title, no headcount required,
in two strata:

  W  also a work word (jobs, workers, staff, union, hiring, layoffs, actors, ...): every such
     item (replay-2023 has 71 left). A first draw without this stratum (100 of the 520 items
     with an AI and an event word) was looked at before any labelling and held about five
     events among robot-vacuum "deals", "AI Law" columns and model "training", so the
     population was narrowed to this; the extractor had not run on either.
  E  no work word: a seeded random draw, the hard negatives (deals, bans, laws, training of
     models)

With `--split test7` it draws round 5's held-out split: replay-2023 items not already in the
file (by id or title), deduplicated by title, in two strata:

  X  AI×work by the project's classifier (`classifiers.base.get_classifier()`, the default,
     its name and version printed to stderr), in any wording -- no event word required, since
     round 4's recall misses were unusual wordings ("Wendy's hired Google AI...", "faces its
     first UK strike") --: a seeded draw (default 80)
  N  not AI×work but with an AI word and an event word (`AI6`, `EVENT6`): a seeded draw
     (default 20), the hard negatives

Prints one JSON line per item with an empty `events` list and `split`/`sample` set; the gold is
written by reading each item, before the extractor runs on the split.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import re
import sys
from pathlib import Path

DEFAULT_REPLAY = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus" / "replay-2023.jsonl.gz"

_NUM = (r"(?:\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?\s?(?:k|m|million|thousand|lakh|crore)?|"
        r"(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty|forty|"
        r"fifty|hundred|a\s+thousand|thousands|hundreds|dozens)(?:[\s-]+(?:hundred|thousand|million))?)")
_PEOPLE = r"(?:jobs?|workers?|employees?|staff(?:ers)?|roles?|positions?|people|engineers?|employees|workforce|headcount|recruits?)"
HEADCOUNT = re.compile(rf"\b{_NUM}(?:\s+of)?\s+(?:\w+\s+){{0,3}}?{_PEOPLE}\b|"
                       rf"\d+(?:\.\d+)?\s?(?:%|percent|per\s+cent)\s+of\s+(?:its\s+|their\s+|the\s+)?"
                       rf"(?:\w+\s+)?(?:staff|workforce|employees|jobs|workers|headcount|tasks|work)", re.I)
AI = re.compile(r"\b(?:AI|A\.I\.|artificial intelligence|ChatGPT|GPT-?4|chatbots?|generative|"
                r"automation|robots?|machine learning|LLMs?|OpenAI|Copilot)\b")
EVENT = re.compile(r"\b(?:lay(?:s|ing)?\s+off|laid\s+off|layoffs?|cut(?:s|ting)?|slash\w*|shed\w*|eliminat\w*|"
                   r"ax(?:e|es|ed|ing)|hir(?:e|es|ed|ing)|recruit\w*|replac\w*|re-?train\w*|re-?skill\w*|"
                   r"upskill\w*|train(?:s|ed|ing)?|strik\w*|walk\w*out|freez\w*|froze|redundanc\w*|"
                   r"job\s+losses|downsiz\w*|creat\w*\s+(?:\w+\s+)?jobs)\b", re.I)

# test6's event words: EVENT plus agreements and rules (deal, contract, ban, law)
EVENT6 = re.compile(EVENT.pattern[:-3] + r"|deals?|contracts?|bans?|banned|banning|laws?)\b", re.I)
# AI without AI's case rule on the long words ("Artificial Intelligence" in Title Case)
AI6 = re.compile(r"\b(?:AI|A\.I\.|(?i:artificial intelligence|ChatGPT|GPT-?4|chatbots?|generative|"
                 r"automation|robots?|machine learning|LLMs?|OpenAI|Copilot))\b")
WORK6 = re.compile(r"\b(?:jobs?|workers?|workforce|employees?|employ\w*|staff\w*|layoffs?|laid off|"
                   r"hir(?:e|es|ed|ing)|union\w*|strik\w*|writers|actors|labou?r|careers?|recruit\w*|"
                   r"redundanc\w*|workplace|reskill\w*|upskill\w*|retrain\w*)\b", re.I)


def item_id(url: str) -> str:
    return "rp-" + hashlib.sha1(url.encode()).hexdigest()[:12]


def _classify_strata(pool: list[tuple[dict, bool]], strata: dict[str, list[dict]],
                     batch: int = 500) -> None:
    """test7: X = AI×work by the default classifier, N = not AI×work with an AI and an event word."""
    from classifiers.base import TextItem, get_classifier

    clf = get_classifier()
    print(f"classifier: {clf.name} {clf.version}", file=sys.stderr)
    for i in range(0, len(pool), batch):
        chunk = pool[i:i + batch]
        items = [TextItem(id=r["id"], title=r["title"], summary=r["summary"], text="") for r, _ in chunk]
        for (row, ai_event), verdict in zip(chunk, clf.classify(items)):
            if verdict.is_ai_work:
                strata.setdefault("X", []).append(row)
            elif ai_event:
                strata.setdefault("N", []).append(row)


def draw(replay: Path, known_ids: set[str], known_titles: set[str], seed: int,
         sizes: dict[str, int], split: str = "test5") -> list[dict]:
    strata: dict[str, list[dict]] = {k: [] for k in sizes}
    seen = set(known_titles)
    pool7: list[tuple[dict, bool]] = []
    with gzip.open(replay, "rt", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            title, summary = rec.get("title") or "", rec.get("summary") or ""
            key = re.sub(r"\W+", " ", title.lower()).strip()
            rid = item_id(rec.get("url") or title)
            if not key or key in seen or rid in known_ids:
                continue
            text = f"{title}\n{summary}"
            row = {"id": rid, "published": str(rec.get("published") or "")[:10], "title": title,
                   "summary": summary}
            if split == "test7":
                pool7.append((row, bool(AI6.search(text) and EVENT6.search(text))))
                seen.add(key)
                continue
            if split == "test6":
                if AI6.search(text) and EVENT6.search(text):
                    seen.add(key)
                    strata["W" if WORK6.search(text) else "E"].append(row)
                continue
            if not HEADCOUNT.search(text):
                continue
            seen.add(key)
            ai, event = bool(AI.search(text)), bool(EVENT.search(text))
            if ai:
                strata["A"].append(row)
            elif event:
                strata["N"].append(row)
    if split == "test7":
        _classify_strata(pool7, strata)
    rng = random.Random(seed)
    out = []
    for name, n in sizes.items():
        pool = strata[name]
        for row in (pool if n < 0 else rng.sample(pool, min(n, len(pool)))):
            out.append({"id": row["id"], "split": split, "sample": name, "published": row["published"],
                        "title": row["title"], "summary": row["summary"], "events": []})
        print(f"stratum {name}: {len(pool)} candidates, drew {len(pool) if n < 0 else min(n, len(pool))}",
              file=sys.stderr)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("replay", nargs="?", default=str(DEFAULT_REPLAY))
    ap.add_argument("--eval", dest="eval_path", default="tests/data/events-eval.jsonl")
    ap.add_argument("--seed", type=int, default=19)
    ap.add_argument("--split", default="test5", choices=["test5", "test6", "test7"])
    ap.add_argument("--sizes", default=None, help="items per stratum; -1: all "
                    "(default A=-1,N=30 for test5, W=-1,E=29 for test6, X=80,N=20 for test7)")
    args = ap.parse_args(argv)
    known = [json.loads(l) for l in Path(args.eval_path).read_text(encoding="utf-8").splitlines() if l.strip()]
    ids = {str(r.get("id")) for r in known}
    titles = {re.sub(r"\W+", " ", (r.get("title") or "").lower()).strip() for r in known}
    spec = args.sizes or {"test6": "W=-1,E=29", "test7": "X=80,N=20"}.get(args.split, "A=-1,N=30")
    sizes = {k: int(v) for k, v in (p.split("=") for p in spec.split(","))}
    for row in draw(Path(args.replay), ids, titles, args.seed, sizes, args.split):
        print(json.dumps(row, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
