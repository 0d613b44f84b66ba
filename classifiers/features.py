"""Features of the learned stage, in plain Python (shared by training and inference).

An item becomes a sparse vector ``{feature name: value}``:

- ``r:*`` — the rule classifier's signals and scores (AI, work, pair, frame, negative,
  intersection, its verdict, the seven topic scores), squashed to about 0..1;
- ``w:*`` / ``tw:*`` / ``b:*`` — word unigrams of title + lede, title-only unigrams, and word
  bigrams (within one field);
- ``c:*`` — character 3..5-grams inside words padded with a space (like scikit-learn's
  ``char_wb``), which carry inflections and compounds the lexicon does not list.

Each word block is binary and scaled by 1/sqrt(its size), so a long lede does not outweigh a
headline; the char block counts each n-gram once per distinct word and is scaled the same
way (see char_features). The text read is the title and the lede: the first ``LEDE_CHARS`` of the summary,
or of the text when there is no summary (the labelled sets hold title + a feed summary of at
most 200 characters; the lede is where a news story states its subject).

Every n-gram can be found again in the item (``locate``), so a learned decision can show
the n-grams that pushed it as evidence spans with offsets.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterator

from classifiers.topics import TOPICS
from classifiers.rules import RuleScore, _mask_markup, lowered

LEDE_CHARS = 300
CHAR_NGRAMS = (3, 5)

_TOKEN = re.compile(r"[^\W_]+(?:['’.\-][^\W_]+)*")
_STOP = frozenset(
    "a an the of to in on for and or but at by with from as is are was were be been it its this "
    "that these those s".split()
)


def lede_of(item: object) -> tuple[str, str]:
    """(field name, lede text) of an item: the summary's start, else the text's start."""
    summary = getattr(item, "summary", "") or ""
    if summary.strip():
        return "summary", summary[:LEDE_CHARS]
    return "text", (getattr(item, "text", "") or "")[:LEDE_CHARS]


def _clean(s: str) -> str:
    if "<" in s:
        s = _mask_markup(s)
    return lowered(s)


def tokens(s: str) -> list[str]:
    return _TOKEN.findall(s)


def rule_features(rs: RuleScore) -> dict[str, float]:
    """The rule classifier's scores as dense features (about 0..1 each)."""
    def sq(v: float) -> float:
        return math.log1p(max(v, 0.0)) / 3.0

    c = rs.classification
    feats = {
        "r:ai": sq(rs.ai_raw),
        "r:work": sq(rs.work_raw),
        "r:pair": sq(rs.pair_score),
        "r:frame": sq(rs.frame_score),
        "r:negative": sq(rs.negative_score),
        "r:ai_work": math.tanh(rs.ai_work_raw / 6.0),
        "r:flag": 1.0 if c.is_ai_work else 0.0,
        "r:conf": rs.ai_work_confidence,
    }
    for t in TOPICS:
        feats[f"r:topic:{t}"] = sq(rs.topic_scores.get(t, 0.0))
    return feats


@functools.lru_cache(maxsize=65536)
def _word_grams(w: str) -> tuple[str, ...]:
    """The char n-grams of one word padded with spaces (cached: news words repeat a lot)."""
    lo, hi = CHAR_NGRAMS
    p = f" {w} "
    n = len(p)
    return tuple({"c:" + p[i : i + k] for k in range(lo, min(hi, n) + 1) for i in range(n - k + 1)})


def text_blocks(title: str, lede: str) -> tuple[list[tuple[set[str], float]], list[str]]:
    """The word features as blocks of (feature names, shared value) — word, title-word and
    bigram sets, each binary and scaled by 1/sqrt(its size) — and the distinct words whose
    char n-grams form the char block (see char_features)."""
    t_tok = tokens(_clean(title))
    l_tok = tokens(_clean(lede))
    words = {"w:" + w for w in t_tok if w not in _STOP}
    words.update("w:" + w for w in l_tok if w not in _STOP)
    twords = {"tw:" + w for w in t_tok if w not in _STOP}
    bigrams = {f"b:{a} {b}" for toks in (t_tok, l_tok) for a, b in zip(toks, toks[1:])}
    blocks = [(b, 1.0 / math.sqrt(len(b))) for b in (words, twords, bigrams) if b]
    return blocks, sorted(set(t_tok) | set(l_tok))


def char_scale(char_words: list[str]) -> float:
    """The value of one char n-gram occurrence: 1/sqrt(total n-grams of the distinct words)."""
    n = sum(len(_word_grams(w)) for w in char_words)
    return 1.0 / math.sqrt(n) if n else 0.0


def char_features(char_words: list[str]) -> dict[str, float]:
    """Char n-grams of the distinct words, counted once per word they occur in and scaled
    by char_scale. A multiset, not a set, so that inference can sum weights per word and
    cache that sum (measured on 20,000 replay-2023 items: 2,430 -> 4,540 items per
    CPU-second for rules + learned)."""
    v = char_scale(char_words)
    out: dict[str, float] = {}
    for w in char_words:
        for g in _word_grams(w):
            out[g] = out.get(g, 0.0) + v
    return out


def text_features(title: str, lede: str) -> dict[str, float]:
    """Word, title-word, bigram and char n-gram features of a title and a lede."""
    blocks, char_words = text_blocks(title, lede)
    out = char_features(char_words)
    for block, v in blocks:
        for f in block:
            out[f] = v
    return out


def item_features(item: object, rs: RuleScore) -> dict[str, float]:
    """All features of one item, given the rule classifier's score of it."""
    _, lede = lede_of(item)
    feats = text_features(getattr(item, "title", "") or "", lede)
    feats.update(rule_features(rs))
    return feats


def _word_spans(s: str, low: str) -> Iterator[tuple[int, int, str]]:
    for m in _TOKEN.finditer(low):
        yield m.start(), m.end(), m.group()


def locate(item: object, feature: str) -> tuple[str, int, int] | None:
    """(field, start, end) of the first place a text feature occurs in the item, or None.

    ``getattr(item, field)[start:end]`` is the n-gram as written (a char n-gram is shown as
    the whole word it was cut from, which is what a reader can judge)."""
    kind, _, gram = feature.partition(":")
    title = getattr(item, "title", "") or ""
    lede_field, lede = lede_of(item)
    places = [("title", title)] if kind == "tw" else [("title", title), (lede_field, lede)]
    for field, s in places:
        low = _clean(s)
        if kind in ("w", "tw"):
            for a, b, tok in _word_spans(s, low):
                if tok == gram:
                    return field, a, b
        elif kind == "b":
            first, _, second = gram.partition(" ")
            spans = list(_word_spans(s, low))
            for (a, _b, t1), (_a2, b2, t2) in zip(spans, spans[1:]):
                if t1 == first and t2 == second:
                    return field, a, b2
        elif kind == "c":
            core = gram.strip()
            for a, b, tok in _word_spans(s, low):
                p = f" {tok} "
                if gram in p and core:
                    return field, a, b
    return None
