"""Extraction quality: word-4-gram ("shingle") precision, recall and F1."""

from __future__ import annotations

import re

WORD_RE = re.compile(r"\w+")


def shingles(text: str, n: int = 4) -> set[tuple[str, ...]]:
    words = WORD_RE.findall(text.lower())
    return {tuple(words[i:i + n]) for i in range(max(0, len(words) - n + 1))}


def shingle_prf(extracted: str, truth: str, n: int = 4) -> tuple[float, float, float]:
    got, want = shingles(extracted, n), shingles(truth, n)
    if not got and not want:
        return 1.0, 1.0, 1.0
    if not got or not want:
        return 0.0, 0.0, 0.0
    common = len(got & want)
    if not common:
        return 0.0, 0.0, 0.0
    p, r = common / len(got), common / len(want)
    return p, r, 2 * p * r / (p + r)


def shingle_f1(extracted: str, truth: str, n: int = 4) -> float:
    return shingle_prf(extracted, truth, n)[2]
