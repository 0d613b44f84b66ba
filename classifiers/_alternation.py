"""Fast whole-word alternations of many regex patterns (the rule classifier's hot loop).

The obvious form, ``(?<!\\w)(?:p1|p2|...)(?!\\w)``, makes Python's regex engine enter the
pattern at every character of the text and, at each word start, try every alternative in
turn. Two rewrites, which keep the matches exactly the same, make it several times faster:

* The leading ``(?<!\\w)`` becomes a consumed ``\\W`` and the text is searched with one space
  in front (see `padded`). A pattern that starts with a character class lets the engine skip,
  in C, every position that is not a word boundary.
* The alternatives are grouped by their first character, keeping their order inside each
  group. At a given position only the alternatives that start with that character can
  match, and they are tried in the original order, so the first one that matches is the
  same as before; the engine skips whole groups on one character test. Leading groups such
  as ``(?:a|b)c`` or ``(?:x )?y`` are expanded (``ac|bc``, ``x y|y``) to find their first
  character; a part whose patterns cannot all be expanded keeps the original order
  (still with the ``\\W`` rewrite).

Matching a padded string from ``lo`` to ``hi + 1``: a match at padded index ``i`` is a
word-start match at original index ``i`` (the separator sits at padded ``i``, which is
original ``i - 1``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

try:  # Python 3.11+
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_parse as _sre_parse  # type: ignore[no-redef]

_LITERAL = _sre_parse.LITERAL
_MAX_EXPANSIONS = 200


def padded(s: str) -> str:
    """`s` with the one leading separator an alternation from `compile_alternation` needs."""
    return " " + s


def compile_alternation(patterns: Sequence[str]) -> re.Pattern[str]:
    """One regex matching any of `patterns` as a whole word, first pattern first (see the
    module docstring); search it in `padded(text)` with `word_matches`."""
    groups = _group_by_first_char(patterns)
    if groups is None:
        body = "|".join(f"(?:{p})" for p in patterns)
    else:
        body = "|".join("(?:" + "|".join(f"(?:{a})" for a in alts) + ")"
                        for alts in groups.values())
    return re.compile(r"\W(?:" + body + r")(?!\w)")


def word_matches(regex: re.Pattern[str], padded_s: str, lo: int, hi: int
                 ) -> Iterator[tuple[int, int]]:
    """(start, end) offsets in the unpadded text of the non-overlapping matches of `regex`
    in text[lo:hi], as ``(?<!\\w)(?:...)(?!\\w)`` finditer over the text would give them."""
    pos, end = lo, hi + 1
    search = regex.search
    while pos < end:
        m = search(padded_s, pos, end)
        if m is None:
            return
        start, stop = m.start(), m.end()
        yield start, stop - 1
        # The next match may start right after this one only if it ended on a non-word
        # character, which then serves as the next separator.
        last = padded_s[stop - 1]
        word_end = last.isalnum() or last == "_"
        pos = stop - 1 if stop - 1 > start and not word_end else stop


def _group_by_first_char(patterns: Sequence[str]) -> dict[str, list[str]] | None:
    groups: dict[str, list[str]] = {}
    for p in patterns:
        alts = _literal_start_alternatives(p, depth=0)
        if alts is None:
            return None
        for ch, alt in alts:
            groups.setdefault(ch, []).append(alt)
    return groups


def _literal_start_alternatives(p: str, depth: int) -> list[tuple[str, str]] | None:
    """[(first character, alternative)] equivalent to `p`, in the order the regex engine
    would try them, or None when `p` cannot be rewritten so."""
    first = _first_literal(p)
    if first is not None:
        return [(first, p)]
    if depth > 3:
        return None
    expanded = _expand_leading(p)
    if expanded is None:
        return None
    out: list[tuple[str, str]] = []
    for alt in expanded:
        sub = _literal_start_alternatives(alt, depth + 1)
        if sub is None:
            return None
        out += sub
        if len(out) > _MAX_EXPANSIONS:
            return None
    return out


def _first_literal(p: str) -> str | None:
    try:
        data = _sre_parse.parse(p).data
    except re.error:
        return None
    if data and data[0][0] is _LITERAL:
        return chr(data[0][1])
    return None


def _expand_leading(p: str) -> list[str] | None:
    """``(?:a|b)rest`` -> [a+rest, b+rest]; ``(?:a)?rest`` -> [a+rest, rest];
    ``[xy]rest`` -> [x+rest, y+rest]; None for anything else."""
    if p.startswith("(?:"):
        close = _closing_paren(p)
        if close is None:
            return None
        inner, rest = p[3:close], p[close + 1:]
        optional = rest.startswith("?") and not rest.startswith("??")
        if optional:
            rest = rest[1:]
        if rest[:1] in ("*", "+", "{", "?") or (optional and not rest):
            return None
        alts = _split_top_level(inner)
        if alts is None or any(not a for a in alts):
            return None
        return [a + rest for a in alts] + ([rest] if optional else [])
    if p.startswith("["):
        close = p.find("]", 1)
        chars, rest = p[1:close], p[close + 1:]
        if close < 2 or not re.fullmatch(r"[\w ]+", chars) or rest[:1] in ("*", "+", "{", "?"):
            return None
        return [re.escape(c) + rest for c in dict.fromkeys(chars)]
    return None


def _structure(p: str) -> Iterator[tuple[int, str, int]]:
    """(index, character, depth after it) of each "(", ")" and "|" of a pattern, skipping
    escaped characters and character classes."""
    depth, i, in_class = 0, 0, False
    while i < len(p):
        c = p[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c in "()|":
            depth += 1 if c == "(" else -1 if c == ")" else 0
            yield i, c, depth
        i += 1


def _closing_paren(p: str) -> int | None:
    """Index of the ")" closing the group that opens `p`."""
    return next((i for i, c, depth in _structure(p) if c == ")" and depth == 0), None)


def _split_top_level(s: str) -> list[str] | None:
    """`s` split at its top-level "|" (None when its parentheses do not balance)."""
    parts, start, depth = [], 0, 0
    for i, c, depth in _structure(s):
        if c == "|" and depth == 0:
            parts.append(s[start:i])
            start = i + 1
    if depth != 0:
        return None
    parts.append(s[start:])
    return parts
