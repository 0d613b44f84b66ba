"""The seven topics of the codebook (corpus/labels/CODEBOOK.md), in their fixed output order.

A module of its own so that the classifiers (rules, learned, features, train) and the
registry in classifiers/base.py, which imports them lazily, do not import each other."""

from __future__ import annotations

TOPICS: tuple[str, ...] = (
    "displacement",
    "hiring",
    "skills",
    "adoption",
    "policy",
    "wages",
    "careers",
)
"""The seven topics of the codebook, in their fixed output order."""
