"""The query language of `workwatch search` and of watches (issue 20).

    ai layoffs                      both terms (AND is implied)
    "writers guild" OR wga          a quoted phrase, alternatives
    (strike OR union) NOT sports    grouping, exclusion (NOT, or a leading -)
    title:chatgpt outlet:bbc        a term (or "phrase") in the title; the outlet's name contains

Terms are matched as the index stores them (warehouse/migrations/020_search.sql): lower
case, accents stripped, runs of letters and digits. A word with punctuation inside
(`AI-driven`, `3,000`) is a phrase of its parts.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Union

from core.errors import WorkwatchError

FIELDS = ("title", "outlet")
# The words the index leaves out (keep in step with search_indexed, migrations 042 and 044).
STOPWORDS = frozenset(
    "a an and are as at be been but by for from had has have he her his i in into is it its "
    "of on or our s she that the their them there they this to was we were which who will "
    "with would you your".split())
# Their numbers in the index's neighbour columns (search_stop_code, migration 043): the order
# of this list.
STOP_CODES = {w: i for i, w in enumerate(
    "a an and are as at be been but by for from had has have he her his i in into is it its "
    "of on or our s she that the their them there they this to was we were which who will "
    "with would you your".split(), 1)}
MAX_TERMS = 40


class QueryError(WorkwatchError):
    """A search or watch query that does not parse."""


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]          # normalised; more than one: a phrase
    field: str | None = None        # None (title or body), "title" or "outlet"
    raw: str = ""


@dataclass(frozen=True)
class Not:
    child: "Node"


@dataclass(frozen=True)
class And:
    children: tuple["Node", ...]


@dataclass(frozen=True)
class Or:
    children: tuple["Node", ...]


Node = Union[Term, Not, And, Or]

_TOKEN = re.compile(r'\s*(?:(?P<lp>\()|(?P<rp>\))|(?P<field>[A-Za-z_]+):(?=\S)|'
                    r'"(?P<phrase>[^"]*)"?|(?P<word>[^\s()"]+))')
_WORD = re.compile(r"[^\W_]+")


def normalise(text: str) -> list[str]:
    """The index terms of `text` (stopwords kept: phrases need them)."""
    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return [w for w in _WORD.findall(folded) if len(w) <= 40]


def parse(query: str) -> Node:
    """The query's syntax tree; QueryError (one line) when it does not parse."""
    tokens = _lex(query)
    if not tokens:
        raise QueryError("empty query: give words, \"a phrase\", AND/OR/NOT, title: or outlet:")
    parser = _Parser(tokens, query)
    node = parser.or_expr()
    if parser.pos < len(tokens):
        raise QueryError(f"unexpected {tokens[parser.pos][1]!r} in query {query!r}")
    if len(positive_terms(node)) + len(negative_terms(node)) > MAX_TERMS:
        raise QueryError(f"query has more than {MAX_TERMS} terms")
    if only_negative(node):
        raise QueryError(f"query {query!r} only excludes: add a term to look for")
    wanted = positive_terms(node)
    if not any(t.field == "outlet" or index_words(t) for t in wanted):
        # Every article has them: checking each text took 13 s at 1M articles.
        raise QueryError(f"query {query!r} has only very common words (the, of, a, ...): "
                         "add a less common one")
    return node


def _lex(query: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(query):
        if query[pos:].strip() == "":
            break
        m = _TOKEN.match(query, pos)
        if not m or m.end() == pos:
            raise QueryError(f"cannot read query {query!r} at {query[pos:pos + 10]!r}")
        pos = m.end()
        if m.group("lp"):
            tokens.append(("(", "("))
        elif m.group("rp"):
            tokens.append((")", ")"))
        elif m.group("field") is not None:
            name = m.group("field").lower()
            if name not in FIELDS:
                raise QueryError(f"unknown prefix {m.group('field')}: in query (use title: or outlet:)")
            tokens.append(("field", name))
        elif m.group("phrase") is not None:
            tokens.append(("phrase", m.group("phrase")))
        else:
            word = m.group("word")
            if word.endswith(":") and word[:-1].lower() in FIELDS:
                raise QueryError(f"{word} needs a word or a \"phrase\" after it")
            if word in ("AND", "OR", "NOT"):
                tokens.append((word, word))
            elif word.startswith("-") and len(word) > 1:
                tokens.extend([("NOT", "-"), ("word", word[1:])])
            else:
                tokens.append(("word", word))
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], query: str):
        self.tokens, self.query, self.pos = tokens, query, 0

    def peek(self) -> str | None:
        return self.tokens[self.pos][0] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def or_expr(self) -> Node:
        parts = [self.and_expr()]
        while self.peek() == "OR":
            self.take()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def and_expr(self) -> Node:
        parts = [self.unary()]
        while self.peek() not in (None, "OR", ")"):
            if self.peek() == "AND":
                self.take()
            parts.append(self.unary())
        parts = [p for p in parts if p is not None]
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def unary(self) -> Node:
        if self.peek() == "NOT":
            self.take()
            return Not(self.unary())
        return self.primary()

    def primary(self) -> Node:
        kind = self.peek()
        if kind is None:
            raise QueryError(f"query {self.query!r} ends too early")
        if kind == "(":
            self.take()
            node = self.or_expr()
            if self.peek() != ")":
                raise QueryError(f"missing ) in query {self.query!r}")
            self.take()
            return node
        field = None
        if kind == "field":
            field = self.take()[1]
            kind = self.peek()
            if kind not in ("word", "phrase"):
                raise QueryError(f"{field}: needs a word or a \"phrase\" after it")
        if kind in ("word", "phrase"):
            raw = self.take()[1]
            if field == "outlet":
                value = raw.strip().lower()
                if not value:
                    raise QueryError("outlet: needs a name")
                return Term((value,), "outlet", raw)
            words = tuple(normalise(raw))
            if not words:
                raise QueryError(f"{raw!r} has no letters or digits to search for")
            return Term(words, field, raw)
        raise QueryError(f"unexpected {self.tokens[self.pos][1]!r} in query {self.query!r}")


def positive_terms(node: Node, negated: bool = False) -> list[Term]:
    """The terms a match looks for (not under a NOT): what ranking and snippets use."""
    if isinstance(node, Term):
        return [] if negated else [node]
    if isinstance(node, Not):
        return positive_terms(node.child, not negated)
    return [t for c in node.children for t in positive_terms(c, negated)]


def negative_terms(node: Node) -> list[Term]:
    all_terms = _all_terms(node)
    positive = positive_terms(node)
    return [t for t in all_terms if t not in positive]


def _all_terms(node: Node) -> list[Term]:
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Not):
        return _all_terms(node.child)
    return [t for c in node.children for t in _all_terms(c)]


def only_negative(node: Node) -> bool:
    if isinstance(node, Term):
        return False
    if isinstance(node, Not):
        return True
    if isinstance(node, And):
        return all(only_negative(c) for c in node.children)
    return any(only_negative(c) for c in node.children)


def is_indexed(word: str) -> bool:
    """Whether the index holds this (normalised) word: as search_indexed (migration 044)."""
    return word not in STOPWORDS and 1 <= len(word) <= 40


def index_words(term: Term) -> list[str]:
    """The words of a text term the index holds (stopwords are not in it)."""
    return [w for w in term.words if is_indexed(w)]
