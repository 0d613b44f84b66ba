"""Ranked full-text search over the warehouse (issue 20), in plain DuckDB SQL.

The index (warehouse/migrations/020_search.sql, 042, 043) is a term table: (term, doc,
field, count, the term's positions and the common words beside each) plus each article's
field lengths. `index_articles` keeps it current inside each load transaction;
`index_missing` catches up articles stored before the index existed (the first search does
it) and `reindex` rebuilds it sorted by term.

Matching compiles the query's syntax tree (warehouse/search_query.py) into SQL set operations
over doc ids, phrases from positions; ranking is BM25F: per term, the title's count
(weighted TITLE_WEIGHT) and the body's, each normalised by its field's length, are summed
before BM25's saturation.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Sequence

import duckdb

from warehouse.db import utcnow
from warehouse.sqlfiles import sql
from warehouse.tx import transaction
from warehouse.search_query import (STOP_CODES, Node, Not, Or, Term, And, index_words, is_indexed,
                                    parse, positive_terms)

K1 = 1.2
B = 0.75
TITLE_WEIGHT = 3.0  # a word in the headline says more about the story than one in the body
SNIPPET_CHARS = 220
_BOUNDARY_L = r"(^|[^\p{L}\p{N}])"
_BOUNDARY_R = r"([^\p{L}\p{N}]|$)"
_NORM = "lower(strip_accents(coalesce({}, '')))"
VERIFY_CHUNK = 500
VERIFY_LOOKUPS = 4


@dataclass(frozen=True)
class SearchFilters:
    since: date | None = None
    until: date | None = None   # included
    outlet: str | None = None
    topic: str | None = None
    limit: int = 20


@dataclass(frozen=True)
class SearchHit:
    rank: int
    score: float
    article_id: str
    story_at: datetime | None
    outlet: str | None
    title: str | None
    url: str
    topics: tuple[str, ...]
    snippet: str  # matched words between ** **


# ------------------------------------------------------------------ index upkeep


def index_articles(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str]) -> None:
    """Index these stored articles (new ones, or re-extracted ones: text_hash changed).
    Runs in the caller's transaction: the load transaction calls it after the insert."""
    ids = list(dict.fromkeys(article_ids))
    if not ids:
        return
    statements = [s.strip() for s in sql("search_index_articles").split(";\n") if s.strip()]
    create, delete_postings, delete_docs, insert_docs, insert_postings, drop = statements
    con.execute(create, {"ids": ids})
    try:
        # Only re-indexed articles have postings to remove: the DELETE scans the whole
        # postings table, so a batch of new articles (the usual case) skips it.
        stale = con.execute("SELECT count(old_doc_id) FROM search_batch").fetchone()[0]
        if stale:
            con.execute(delete_postings)
            con.execute(delete_docs)
        con.execute(insert_docs, {"now": utcnow()})
        con.execute(insert_postings)
    finally:
        con.execute(drop)
    compact_tail(con)


def missing_count(con: duckdb.DuckDBPyConnection, quick: bool = False) -> int:
    """Stored articles the search index lacks (or holds with an older text). `quick`: trust
    the index when it holds as many articles as the warehouse (the full check, an anti-join
    on every article's text hash, took 0.2 s at 159k articles on every search; writes of new
    texts go through load_batch or the reprocess backfill, which both index them)."""
    if quick:
        stored, indexed = con.execute("SELECT (SELECT count(*) FROM articles), "
                                      "(SELECT count(*) FROM search_docs)").fetchone()
        if stored == indexed:
            return 0
    return con.execute(
        "SELECT count(*) FROM articles a LEFT JOIN search_docs d USING (article_id) "
        "WHERE d.article_id IS NULL OR d.text_hash IS DISTINCT FROM a.text_hash").fetchone()[0]


def index_missing(con: duckdb.DuckDBPyConnection, chunk: int = 20000) -> int:
    """Index every article the index lacks, in transactions of `chunk` articles."""
    done = 0
    while True:
        ids = [r[0] for r in con.execute(
            "SELECT a.article_id FROM articles a LEFT JOIN search_docs d USING (article_id) "
            "WHERE d.article_id IS NULL OR d.text_hash IS DISTINCT FROM a.text_hash LIMIT ?",
            [chunk]).fetchall()]
        if not ids:
            return done
        with transaction(con):
            index_articles(con, ids)
        done += len(ids)


def reindex(con: duckdb.DuckDBPyConnection) -> int:
    """Rebuild the index from scratch, postings sorted by term (so a term's rows sit in few
    row groups and DuckDB's min/max zone maps skip the rest)."""
    with transaction(con):
        con.execute("DELETE FROM search_postings")
        con.execute("DELETE FROM search_docs")
    done = index_missing(con, chunk=50000)
    optimize(con)
    return done


def optimize(con: duckdb.DuckDBPyConnection) -> None:
    """Rewrite all postings sorted by term (4.8 s for 4.0M postings, 159k replay articles)."""
    with transaction(con):
        con.execute("CREATE TEMP TABLE search_sorted AS SELECT * FROM search_postings ORDER BY term, doc_id")
        con.execute("DELETE FROM search_postings")
        con.execute("INSERT INTO search_postings SELECT * FROM search_sorted")
        con.execute("DROP TABLE search_sorted")
        con.execute("UPDATE search_state SET sorted_through = "
                    "(SELECT coalesce(max(doc_id), 0) FROM search_docs), segments = 0, sorted_at = ?",
                    [utcnow()])


# Sort the newest postings into a segment of their own once they are this many: ~0.6 s of
# sorting every ~20k replay-sized articles (~3% of their load time), and a search then reads
# one or two row groups per segment for a term instead of every row group of the unsorted tail.
TAIL_POSTINGS = 1_000_000


def compact_tail(con: duckdb.DuckDBPyConnection, force: bool = False) -> bool:
    """In the caller's transaction: sort the postings loaded since the last sort into a new
    segment when they are many (estimated from search_docs' lengths: no postings scan)."""
    mark = con.execute("SELECT sorted_through FROM search_state").fetchone()
    if mark is None:
        return False
    tail = con.execute("SELECT coalesce(sum(title_len + body_len), 0), max(doc_id) FROM search_docs "
                       "WHERE doc_id > ?", [mark[0]]).fetchone()
    if tail[1] is None or (tail[0] < TAIL_POSTINGS and not force):
        return False
    con.execute("CREATE TEMP TABLE search_tail AS SELECT * FROM search_postings "
                "WHERE doc_id > $mark AND doc_id <= $last ORDER BY term, doc_id",
                {"mark": mark[0], "last": tail[1]})
    try:
        con.execute("DELETE FROM search_postings WHERE doc_id > $mark AND doc_id <= $last",
                    {"mark": mark[0], "last": tail[1]})
        con.execute("INSERT INTO search_postings SELECT * FROM search_tail")
    finally:
        con.execute("DROP TABLE search_tail")
    con.execute("UPDATE search_state SET sorted_through = ?, segments = segments + 1, sorted_at = ?",
                [tail[1], utcnow()])
    return True


# ------------------------------------------------------------------ matching


def _text_test(prefix: str, title_only: bool) -> str:
    """SQL: the article's title (or title or body) matches $pattern, accents and case folded."""
    title = f"regexp_matches({_NORM.format(prefix + 'title')}, $pattern)"
    if title_only:
        return title
    body = _NORM.format(f"coalesce(nullif({prefix}text, ''), {prefix}summary)")
    return f"({title} OR regexp_matches({body}, $pattern))"


class _Compiler:
    """A query tree -> one SELECT of matching doc ids (search_docs), with named parameters."""

    def __init__(self, con: duckdb.DuckDBPyConnection, scope: Sequence[str] | None = None):
        self.con = con  # phrases with a left-out common word are checked against texts now
        self.params: dict = {} if scope is None else {"scope": list(scope)}
        self.scope = (" AND doc_id IN (SELECT doc_id FROM search_docs "
                      "WHERE article_id IN (SELECT unnest($scope)))") if scope is not None else ""

    def param(self, value) -> str:
        name = f"p{len(self.params) - ('scope' in self.params)}"
        self.params[name] = value
        return f"${name}"

    def universe(self) -> str:
        return f"SELECT doc_id FROM search_docs WHERE TRUE{self.scope}"

    def node(self, node: Node) -> str:
        if isinstance(node, Term):
            return self.term(node)
        if isinstance(node, Or):
            return " UNION ".join(f"SELECT doc_id FROM ({self.node(c)})" for c in node.children)
        if isinstance(node, Not):
            return (f"SELECT doc_id FROM ({self.universe()}) EXCEPT "
                    f"SELECT doc_id FROM ({self.node(node.child)})")
        assert isinstance(node, And)
        positive = [c for c in node.children if not isinstance(c, Not)]
        negative = [c.child for c in node.children if isinstance(c, Not)]
        # A phrase of very common words only ("in the") is checked against the texts: of the
        # documents the other terms match, not of every article ("in the" layoffs: 3.5-4.9 s
        # at 1M articles when every text was read).
        unindexed = lambda c: (isinstance(c, Term) and c.field != "outlet"  # noqa: E731
                               and not any(is_indexed(w) for w in c.words))
        parts: list[str] = []
        for c in sorted(positive, key=unindexed):
            within = " INTERSECT ".join(parts) if parts and unindexed(c) else None
            parts.append(f"SELECT doc_id FROM ({self.term(c, within) if within else self.node(c)})")
        parts = parts or [f"SELECT doc_id FROM ({self.universe()})"]
        text = " INTERSECT ".join(parts)
        for c in negative:
            text = f"SELECT doc_id FROM ({text}) EXCEPT SELECT doc_id FROM ({self.node(c)})"
        return text

    def term(self, term: Term, within: str | None = None) -> str:
        """SQL for one term; `within`: the documents it is looked for among (a phrase of very
        common words only is checked against their texts)."""
        if term.field == "outlet":
            return (f"SELECT doc_id FROM search_docs WHERE contains(lower(outlet), "
                    f"{self.param(term.words[0])}){self.scope}")
        field = " AND field = 1" if term.field == "title" else ""
        placed = [(i, w) for i, w in enumerate(term.words) if is_indexed(w)]
        if len(term.words) == 1 and placed:
            return (f"SELECT doc_id FROM search_postings WHERE term = {self.param(placed[0][1])}"
                    f"{field}{self.scope}")
        if not placed:
            candidates, exact = within or self.universe(), False
        else:
            candidates, exact = self.positions(term.words, placed, term.field == "title")
        if exact:
            return candidates
        # A phrase with a common word the index leaves out: check the text itself, for the
        # documents whose indexed words stand at the right distances.
        pattern = (_BOUNDARY_L + r"[^\p{L}\p{N}]+".join(re.escape(w) for w in term.words)
                   + _BOUNDARY_R)
        return self.verified(candidates, pattern, term.field == "title")

    def verified(self, candidates: str, pattern: str, title_only: bool) -> str:
        """The candidates whose text matches `pattern`, found now and inlined as constants.
        The texts are fetched by article id in chunks of VERIFY_CHUNK constants, which DuckDB
        answers from the primary key's index (2-10 ms for 200 ids at 1M articles); joining the
        candidates to `articles` instead scanned every text (0.7-2 s at 1M)."""
        text = f"SELECT d.doc_id, d.article_id FROM search_docs d WHERE d.doc_id IN ({candidates})"
        rows = self.con.execute(text, self.used(text)).fetchall()
        where = _text_test("", title_only)
        found: set[str] = set()
        by_article = {aid: doc for doc, aid in rows}
        ids = list(by_article)
        if len(ids) > VERIFY_LOOKUPS * VERIFY_CHUNK:
            # Many candidates (a phrase of one indexed word and common ones, "the ai"): one
            # scan of the texts is quicker than many lookups. The CASE keeps the test above
            # the join (a plain filter is pushed into the scan of every article's text).
            test = _text_test("a.", title_only)
            found.update(r[0] for r in self.con.execute(
                "SELECT a.article_id FROM (SELECT unnest($ids) AS article_id) c "
                "JOIN articles a ON a.article_id = c.article_id "
                f"WHERE CASE WHEN c.article_id IS NOT NULL THEN {test} END",
                {"ids": ids, "pattern": pattern}).fetchall())
            ids = []
        for i in range(0, len(ids), VERIFY_CHUNK):
            chunk = ids[i:i + VERIFY_CHUNK]
            marks = ", ".join(f"$a{k}" for k in range(len(chunk)))
            params = {f"a{k}": aid for k, aid in enumerate(chunk)}
            params["pattern"] = pattern
            found.update(r[0] for r in self.con.execute(
                f"SELECT article_id FROM articles WHERE article_id IN ({marks}) AND {where}",
                params).fetchall())
        docs = sorted(by_article[a] for a in found)
        return f"SELECT unnest({self.param(docs)}::INTEGER[]) AS doc_id"

    def used(self, text: str) -> dict:
        """The parameters `text` refers to (DuckDB refuses extra ones)."""
        return {k: v for k, v in self.params.items() if re.search(rf"\${k}\b", text)}

    def positions(self, words: tuple[str, ...], placed: list[tuple[int, str]],
                  title_only: bool) -> tuple[str, bool]:
        """Documents with the phrase's indexed words at their distances in one field (word
        positions, migration 042: "writers guild" is "guild" one after "writers"), and a
        common word beside an indexed one as that position's neighbour (migration 043: "the
        ai" is "ai" after "the"). Returns the SQL and whether it is exact (False: a word is
        neither indexed nor a common word beside an indexed one, e.g. "x" in "x ai jobs", or
        two common words in a row: the text must be checked)."""
        alias = {offset: k for k, (offset, _) in enumerate(placed)}  # offset -> postings p{k}
        first = placed[0][0]
        exact = True
        conditions = [f"list_contains(p{alias[offset]}.pos, x + {offset - first})"
                      for offset, _ in placed[1:]]
        for offset, word in enumerate(words):
            if offset in alias:
                continue
            code = STOP_CODES.get(word)
            if code and offset - 1 in alias:
                side, at = "next", offset - 1
            elif code and offset + 1 in alias:
                side, at = "prev", offset + 1
            else:
                exact = False
                continue
            k = alias[at]
            index = "i" if k == 0 else f"list_position(p{k}.pos, x + {at - first})"
            conditions.append(f"p{k}.{side}[{index}] = {code}")
        joins = "".join(f" JOIN search_postings p{k} ON p{k}.doc_id = p0.doc_id AND p{k}.field = p0.field"
                        f" AND p{k}.term = {self.param(w)}" for k, (_, w) in enumerate(placed[1:], 1))
        where = f"p0.term = {self.param(placed[0][1])}" + (" AND p0.field = 1" if title_only else "")
        if conditions:
            test = " AND ".join(conditions).replace("x + ", "p0.pos[i] + ")
            where += f" AND len(list_filter(range(1, len(p0.pos) + 1), lambda i: {test})) > 0"
        scope = self.scope.replace(" AND doc_id IN", " AND p0.doc_id IN")
        return (f"SELECT DISTINCT p0.doc_id AS doc_id FROM search_postings p0{joins} "
                f"WHERE {where}{scope}"), exact


def matching_ids(con: duckdb.DuckDBPyConnection, query: str | Node,
                 scope: Sequence[str] | None = None) -> set[str]:
    """Ids of the stored articles that match `query` (only among `scope` when given)."""
    node = parse(query) if isinstance(query, str) else query
    if scope is not None and not scope:
        return set()
    compiler = _Compiler(con, scope)
    text = f"SELECT article_id FROM search_docs WHERE doc_id IN ({compiler.node(node)})"
    return {r[0] for r in con.execute(text, compiler.used(text)).fetchall()}


# ------------------------------------------------------------------ ranking


def search(con: duckdb.DuckDBPyConnection, query: str, filters: SearchFilters = SearchFilters()
           ) -> list[SearchHit]:
    """The best `filters.limit` stories for `query`: one article per story cluster, by BM25F."""
    node = parse(query)
    compiler = _Compiler(con)
    matched = compiler.node(node)
    words = sorted({w for t in positive_terms(node) if t.field != "outlet" for w in index_words(t)})
    params = dict(compiler.params)
    params.update({"k1": K1, "b": B, "wt": TITLE_WEIGHT, "limit": max(1, filters.limit)})
    # The words as constants, not a list parameter: a constant IN list is pushed into the
    # scan, where the postings' min/max zone maps (sorted by term) skip most row groups.
    word_params = ", ".join(compiler.param(w) for w in words) or "NULL"
    params.update(compiler.params)
    where = []
    if filters.since:
        where.append("d.story_at >= $since")
        params["since"] = datetime.combine(filters.since, datetime.min.time())
    if filters.until:
        where.append("d.story_at < $until")
        params["until"] = datetime.combine(filters.until + timedelta(days=1), datetime.min.time())
    if filters.outlet:  # a name or a domain: every stored name of that outlet (issue 18)
        where.append("d.outlet IN (SELECT unnest($outlets))")
        params["outlets"] = outlet_names(con, filters.outlet)
    if filters.topic:
        where.append("d.article_id IN (SELECT article_id FROM story_facts "
                     "WHERE list_contains(topics, $topic))")
        params["topic"] = filters.topic
    text = sql("search_rank").format(matched=matched, words=word_params,
                                     filters=" AND ".join(where) if where else "TRUE")
    used = compiler.used(text)  # a phrase checked against texts left its words' parameters unused
    rows = con.execute(text, {k: v for k, v in params.items()
                              if k not in compiler.params or k in used}).fetchall()
    topics = _topics(con, [r[0] for r in rows])
    return [SearchHit(rank=i + 1, score=round(score or 0.0, 3), article_id=aid, story_at=story_at,
                      outlet=outlet, title=title, url=url, topics=tuple(topics.get(aid) or ()),
                      snippet=snippet(title or "", body or "", node))
            for i, (aid, score, story_at, outlet, title, url, body) in enumerate(rows)]


def _topics(con: duckdb.DuckDBPyConnection, ids: list[str]) -> dict[str, list[str]]:
    if not ids:
        return {}
    marks = ", ".join("?" * len(ids))  # constants: pushed into the scan
    return dict(con.execute(f"SELECT article_id, topics FROM story_facts WHERE article_id IN ({marks})",
                            ids).fetchall())


# ------------------------------------------------------------------ snippets


def _pattern(node: Node) -> re.Pattern | None:
    alternatives = []
    for term in positive_terms(node):
        if term.field == "outlet":
            continue
        alternatives.append(r"[\W_]+".join(re.escape(w) for w in term.words))
    if not alternatives:
        return None
    alternatives.sort(key=len, reverse=True)
    return re.compile(r"(?<![^\W_])(" + "|".join(alternatives) + r")(?![^\W_])", re.IGNORECASE)


def _fold(text: str) -> str:
    """Accents stripped, one character for one (so offsets map back to the original)."""
    import unicodedata

    out = []
    for ch in text:
        base = unicodedata.normalize("NFKD", ch)
        base = "".join(c for c in base if not unicodedata.combining(c))
        out.append(base if len(base) == 1 else ch)
    return "".join(out)


def snippet(title: str, body: str, node: Node, width: int = SNIPPET_CHARS) -> str:
    """A window of the body around the first match, matches between ** **; the start of the
    body when only the title (or the outlet) matched."""
    body = " ".join(body.split())
    pattern = _pattern(node)
    found = pattern.search(_fold(body)) if pattern else None
    start = 0
    if found:
        start = max(0, found.start() - width // 3)
        while start > 0 and body[start - 1] not in " \n":
            start -= 1
    window = body[start:start + width]
    if start + width < len(body):
        cut = window.rfind(" ")
        window = (window[:cut] if cut > width // 2 else window) + " …"
    if start > 0:
        window = "… " + window
    if pattern:
        folded = _fold(window)
        pieces, last = [], 0
        for m in pattern.finditer(folded):
            pieces.append(window[last:m.start()])
            pieces.append(f"**{window[m.start():m.end()]}**")
            last = m.end()
        pieces.append(window[last:])
        window = "".join(pieces)
    return window


def snippet_html(text: str) -> str:
    """A snippet's ** ** marks as <mark>, everything else escaped (the dashboard)."""
    parts = text.split("**")
    return "".join(f"<mark>{html.escape(p)}</mark>" if i % 2 else html.escape(p)
                   for i, p in enumerate(parts))


def idf(n_docs: int, df: int) -> float:
    """BM25's idf (the +1 keeps it positive for words in over half the documents)."""
    return math.log(1 + (n_docs - df + 0.5) / (df + 0.5))


# ------------------------------------------------------------------ entry points (CLI, dashboard)


def ensure_index(db_path, on_catch_up=None) -> int:
    """Bring the index up to date with the stored articles: migrations applied, articles
    stored before the index existed (or by a write that bypassed load_batch) indexed.
    A current index is only read; catching up takes a short write. Returns articles indexed."""
    from warehouse.analytics import ensure_schema
    from warehouse.db import read_connection, write_connection

    ensure_schema(db_path)
    with read_connection(db_path) as con:
        missing = missing_count(con, quick=True)
    if not missing:
        return 0
    if on_catch_up:
        on_catch_up(missing)
    with write_connection(db_path) as con:
        return index_missing(con)


def search_db(db_path, query: str, filters: SearchFilters = SearchFilters(),
              catch_up: bool = True) -> list[SearchHit]:
    """`search` on a read-only, locked-down connection (the index brought up to date first,
    unless the caller just did)."""
    from warehouse.db import read_connection
    from warehouse.query import lock_down

    parse(query)  # a bad query fails before anything is opened
    if catch_up:
        ensure_index(db_path)
    with read_connection(db_path) as con:
        return search(lock_down(con), query, filters)


def outlet_names(con: duckdb.DuckDBPyConnection, outlet: str) -> list[str]:
    """The stored names of the outlet that `outlet` names by name or domain (the
    outlet_names macro of migration 040, as the dashboard and named queries use it); the
    text itself when no stored outlet has that name or domain yet."""
    try:
        names = [r[0] for r in con.execute("SELECT name FROM outlet_names($o)", {"o": outlet}).fetchall()]
    except duckdb.CatalogException:  # a warehouse before migration 040
        names = []
    return names or [outlet]
