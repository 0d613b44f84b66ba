"""The fast alternation must find exactly what the plain whole-word alternation finds."""

import random
import re

import pytest

from classifiers._alternation import (_expand_leading, _group_by_first_char,
                                      compile_alternation, padded, word_matches)
from classifiers.rules import load_lexicon

PATTERNS = [
    r"ai jobs", r"ai", r"a\.i\.", r"(?:large[- ])?language[- ]models?", r"jobs?",
    r"(?:dock|auto|co)-?workers?", r"\$\d[\d,.]* (?:million|billion) pay", r"[gG]enerative ai",
    r"work(?:ers|force)?", r"(?:re|up)?skill\w*", r"staff (?:\w+ ){0,2}us(?:e|ing)",
]
ALPHABET = ["ai", "a.i.", "jobs", "job", "$5", " million", " pay", "large ", "language model",
            "dock", "-", "workers", "work", "force", "re", "skill", "ing", "staff", " use",
            " ", " ", ".", "(", ")", "\n", "x", "_", "Generative", "generative", " ai"]


def plain(patterns):
    return re.compile(r"(?<!\w)(?:" + "|".join(f"(?:{p})" for p in patterns) + r")(?!\w)")


def spans_plain(rx, s, lo, hi):
    return [m.span() for m in rx.finditer(s, lo, hi)]


def spans_fast(rx, s, lo, hi):
    return list(word_matches(rx, padded(s), lo, hi))


def test_expansion_of_leading_groups_and_classes():
    assert _expand_leading(r"(?:a|b)c") == ["ac", "bc"]
    assert _expand_leading(r"(?:x )?y") == ["x y", "y"]
    assert _expand_leading(r"[gG]en") == ["gen", "Gen"]
    assert _expand_leading(r"(?:a|b)*c") is None
    assert _expand_leading(r"\w+ x") is None
    assert _group_by_first_char([r"(?:\w+ )?x"]) is None  # falls back to the plain order


@pytest.mark.parametrize("s", [
    "a.i.$5 million pay", "ai jobs", "(ai) jobs", "_ai jobs", "dock-workers co-worker",
    "large language models", "language model", "staff often using ai", "reskilling ai.jobs",
])
def test_fast_alternation_matches_plain_alternation_on_edge_cases(s):
    fast, slow = compile_alternation(PATTERNS), plain(PATTERNS)
    for lo in range(len(s) + 1):
        assert spans_fast(fast, s, lo, len(s)) == spans_plain(slow, s, lo, len(s)), (s, lo)


@pytest.mark.parametrize("seed", range(5))
def test_fast_alternation_matches_plain_alternation_on_random_text(seed):
    rng = random.Random(seed)
    fast, slow = compile_alternation(PATTERNS), plain(PATTERNS)
    for _ in range(400):
        s = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 30)))
        lo = rng.randint(0, len(s))
        hi = rng.randint(lo, len(s))
        assert spans_fast(fast, s, lo, hi) == spans_plain(slow, s, lo, hi), (s, lo, hi)


def test_fast_alternation_matches_plain_for_every_lexicon_part():
    lex = load_lexicon()
    text = ("AI-driven layoffs: A.I. jobs and the A.I.$5 million pay. Air India staff use "
            "ChatGPT at work; dock-workers strike over AI. Generative AI reskilling, "
            "(AI) workers, _AI staff, co-workers using copilot to cut jobs.")
    matchers = [lex.ai, lex.work, lex.frame, lex.negative] + [m for _t, m in lex.topics]
    checked = 0
    for matcher in matchers:
        for part, s in ((matcher.cs, text), (matcher.ci, text.lower())):
            if part is None:
                continue
            patterns = [rx.pattern[3:-len(r")(?!\w)")] for rx, _w, _a in part.anchored]
            slow = plain(patterns)
            for lo in (0, 5, 40):
                assert spans_fast(part.regex, s, lo, len(s)) == spans_plain(slow, s, lo, len(s))
            checked += 1
    assert checked >= 10
