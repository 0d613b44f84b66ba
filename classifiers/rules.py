"""The rule-and-lexicon AI-and-work classifier (issue 3).

How an item is judged (all weights and thresholds live in ``lexicon.toml``):

1. Each field (title, summary, text) is scanned with one precompiled alternation per
   signal: ``ai``, ``work``, ``negative``, ``frame`` (AI-and-work phrasings) and one per
   topic. Every match becomes a hit with the weight of its term times the weight of where
   it was found: the title weighs most, then the lede (start of the summary, or of the
   text when there is no summary), then the body. Body text is scanned only up to
   ``scan.max_text_chars``; a text that merely repeats the summary is not counted twice.
2. ``ai_score`` / ``work_score``: the summed hits, squashed to 0..1 so that 0.5 is the
   decision threshold (``is_ai`` / ``is_work``).
3. ``is_ai_work``: an AI hit and a work hit, *and* the intersection is a main subject:
   AI and work terms close together (same title, or within ``scan.window_chars``; a title
   term with a lede term counts half), framing phrases ("replace jobs", "staff using
   ChatGPT", "cuts jobs to focus on AI"), minus negative cues (stock prices, boardroom
   drama, executive moves, chip exports, product launches). Weak work words ("staff",
   "hires") count little on their own. An AI-and-work item is also ``is_ai``/``is_work``.
4. Topics: per-topic lexicon scores, only for AI-and-work items, in a fixed order.

Every hit that mattered is returned as Evidence with its field and character offsets, so
``getattr(item, field)[start:end] == term``.
"""

from __future__ import annotations

import bisect
import functools
import math
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from classifiers._alternation import compile_alternation, padded, word_matches
from classifiers.topics import TOPICS
from extractors.types import Classification, Evidence, TextItem

LEXICON_PATH = Path(__file__).resolve().with_name("lexicon.toml")
NAME = "rules"

_FIELDS = ("title", "summary", "text")
_FIELD_RANK = {f: i for i, f in enumerate(_FIELDS)}
_SIGNAL_RANK = {"ai_work": 0, "ai": 1, "work": 2, "negative": 3}


class LexiconError(ValueError):
    """The lexicon file is missing, malformed, or holds an invalid pattern."""


# ---------------------------------------------------------------------------------------
# Lexicon loading and compilation
# ---------------------------------------------------------------------------------------


_LITERAL_CHAR = re.compile(r"(\\N\{[^}]*\}|\\.)|(.)", re.S)


def _lower_pattern(p: str) -> str:
    """Lower-case the literal letters of a regex (escapes such as \\W, \\D stay as they are)."""
    return _LITERAL_CHAR.sub(lambda m: m.group(1) or m.group(2).lower(), p)


def lowered(text: str) -> str:
    """Lower-case `text` without changing its length (so offsets stay valid)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)


@dataclass(frozen=True)
class _Part:
    """One half of a matcher: case-sensitive patterns (run on the text as is) or
    case-insensitive ones (lower-cased, run on the lower-cased text)."""

    regex: re.Pattern[str]
    anchored: tuple[tuple[re.Pattern[str], float, bool], ...]  # in alternation order


@dataclass(frozen=True)
class _Matcher:
    """All patterns of one signal as (at most) two big alternations.

    The alternations have no capturing groups (named groups make Python's regex engine
    ~10x slower); the pattern behind a match, hence its weight, is found afterwards by
    trying the patterns one by one, anchored at the match start, in alternation order.
    """

    cs: _Part | None
    ci: _Part | None

    def matches(self, fs: "_FieldScan") -> list[tuple[int, int, float, bool]]:
        """Non-overlapping (start, end, weight, ambiguous) matches in the field's scanned span."""
        out: list[tuple[int, int, float, bool]] = []
        lo, hi = fs.lo, fs.hi
        for part, s, ps in ((self.cs, fs.src, fs.psrc), (self.ci, fs.low, fs.plow)):
            if part is None:
                continue
            for start, _end in word_matches(part.regex, ps, lo, hi):
                for rx, w, amb in part.anchored:
                    m2 = rx.match(s, start, hi)
                    if m2 is not None:
                        out.append((start, m2.end(), w, amb))
                        break
        if self.cs is not None and self.ci is not None and len(out) > 1:
            out.sort(key=lambda t: (t[0], -t[1]))
            kept: list[tuple[int, int, float, bool]] = []
            last_end = -1
            for t in out:
                if t[0] >= last_end:
                    kept.append(t)
                    last_end = t[1]
            out = kept
        return out


@dataclass(frozen=True)
class Lexicon:
    """A compiled lexicon.toml."""

    version: str
    path: str
    max_text_chars: int
    lede_chars: int
    window_chars: int
    max_hits_per_term: int
    max_evidence: int
    min_shared_prefix: int
    body_cap: float
    w_title: float
    w_lede: float
    w_body: float
    t_ai: float
    t_work: float
    t_ai_work: float
    negative_scale: float
    strong_work_weight: float
    weak_pair_factor: float
    cross_pair_factor: float
    t_topic: float
    topic_fallback: float
    topic_default: str
    ai: _Matcher
    ai_ambiguous_if: re.Pattern[str] | None
    launch: _Matcher
    negative_cap_with_frame: float
    work: _Matcher
    work_exclude: tuple[tuple[re.Pattern[str], bool], ...]  # (regex, case_sensitive)
    frame: _Matcher
    negative: _Matcher
    topics: tuple[tuple[str, _Matcher], ...]


def _build_part(entries: list[tuple[str, float, bool]], case_sensitive: bool) -> _Part | None:
    if not entries:
        return None
    # Longer patterns first: at one position the first alternative that matches wins.
    entries = sorted(entries, key=lambda e: -len(e[0]))
    pats = [p if case_sensitive else _lower_pattern(p) for p, _w, _a in entries]
    regex = compile_alternation(pats)
    anchored = tuple(
        (re.compile(f"(?:{p})(?!\\w)"), w, a) for p, (_p, w, a) in zip(pats, entries)
    )
    return _Part(regex, anchored)


def _compile(groups: Any, where: str, ambiguous: Sequence[str] = ()) -> _Matcher:
    if not groups:
        return _Matcher(None, None)
    if not isinstance(groups, list):
        raise LexiconError(f"{where}: expected an array of tables ([[{where}]])")
    amb = set(ambiguous)
    cs_entries: list[tuple[str, float, bool]] = []
    ci_entries: list[tuple[str, float, bool]] = []
    for g in groups:
        try:
            weight = float(g.get("weight", 1.0))
            cs = bool(g.get("case_sensitive", False))
            kind = str(g.get("kind", ""))
            patterns = list(g["patterns"])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise LexiconError(f"{where}: bad group {g!r}: {exc}") from None
        for p in patterns:
            if not isinstance(p, str) or not p:
                raise LexiconError(f"{where}: bad pattern {p!r}")
            try:
                rx = re.compile(p)
            except re.error as exc:
                raise LexiconError(f"{where}: bad pattern {p!r}: {exc}") from None
            if rx.groups:
                raise LexiconError(f"{where}: pattern {p!r} has a capturing group; use (?:...)")
            # the third slot is the pattern's kind: "acronym" (see ambiguous_if), "needs_frame",
            # "product" (see lexicon.toml) or "" for a plain term
            (cs_entries if cs else ci_entries).append(
                (p, weight, "acronym" if (cs and p in amb) else kind))
    return _Matcher(_build_part(cs_entries, True), _build_part(ci_entries, False))


def _compile_plain(spec: Any, where: str) -> re.Pattern[str] | None:
    if not spec:
        return None
    if isinstance(spec, list):
        patterns, cs = spec, False
    else:
        patterns, cs = spec.get("patterns", []), bool(spec.get("case_sensitive", False))
    if not patterns:
        return None
    if not cs:
        patterns = [_lower_pattern(p) for p in patterns]
    try:
        return compile_alternation(patterns)
    except re.error as exc:
        raise LexiconError(f"{where}: bad pattern: {exc}") from None


def _compile_excludes(spec: Any, where: str) -> tuple[tuple[re.Pattern[str], bool], ...]:
    if not spec:
        return ()
    groups = spec if isinstance(spec, list) else [spec]
    out = []
    for g in groups:
        if not isinstance(g, dict):
            raise LexiconError(f"{where}: expected tables with 'patterns'")
        rx = _compile_plain(g, where)
        if rx is not None:
            out.append((rx, bool(g.get("case_sensitive", False))))
    return tuple(out)


def _lexicon_from_dict(data: dict[str, Any], path: str) -> Lexicon:
    try:
        version = str(data["version"])
        scan = data.get("scan", {})
        fw = data.get("field_weights", {})
        th = data.get("thresholds", {})
        ai_groups = data.get("ai", [])
        ambiguous_if: list[str] = []
        ambiguous_patterns: list[str] = []
        for g in ai_groups:
            ambiguous_if += list(g.get("ambiguous_if", []))
            ambiguous_patterns += list(g.get("ambiguous_patterns", []))
        topic_tables = data.get("topic", {})
        order = tuple(data.get("topics", {}).get("order", TOPICS))
        if set(order) != set(TOPICS):
            raise LexiconError(f"topics.order must list exactly {TOPICS}, got {order}")
        default = str(th.get("topic_default", ""))
        if default and default not in TOPICS:
            raise LexiconError(f"thresholds.topic_default must be one of {TOPICS}, got {default!r}")
        return Lexicon(
            version=version,
            path=path,
            max_text_chars=int(scan.get("max_text_chars", 6000)),
            lede_chars=int(scan.get("lede_chars", 400)),
            window_chars=int(scan.get("window_chars", 110)),
            max_hits_per_term=int(scan.get("max_hits_per_term", 2)),
            max_evidence=int(scan.get("max_evidence", 30)),
            min_shared_prefix=int(scan.get("min_shared_prefix", 60)),
            body_cap=float(scan.get("body_cap", 3.0)),
            w_title=float(fw.get("title", 3.0)),
            w_lede=float(fw.get("lede", 1.5)),
            w_body=float(fw.get("body", 0.35)),
            t_ai=float(th.get("ai", 4.5)),
            t_work=float(th.get("work", 4.5)),
            t_ai_work=float(th.get("ai_work", 6.0)),
            negative_scale=float(th.get("negative_scale", 1.0)),
            strong_work_weight=float(th.get("strong_work_weight", 2.0)),
            weak_pair_factor=float(th.get("weak_pair_factor", 0.5)),
            cross_pair_factor=float(th.get("cross_pair_factor", 0.5)),
            t_topic=float(th.get("topic", 2.0)),
            topic_fallback=float(th.get("topic_fallback", 0.5)),
            topic_default=str(th.get("topic_default", "")),
            ai=_compile(ai_groups, "ai", ambiguous_patterns),
            launch=_compile(data.get("launch", []), "launch"),
            negative_cap_with_frame=float(th.get("negative_cap_with_frame", 1e9)),
            ai_ambiguous_if=_compile_plain(
                {"patterns": ambiguous_if, "case_sensitive": True}, "ai.ambiguous_if"
            ),
            work=_compile(data.get("work", []), "work"),
            work_exclude=_compile_excludes(data.get("work_exclude"), "work_exclude"),
            frame=_compile(data.get("frame", []), "frame"),
            negative=_compile(data.get("negative", []), "negative"),
            topics=tuple(
                (t, _compile(topic_tables.get(t, []), f"topic.{t}")) for t in order
            ),
        )
    except LexiconError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise LexiconError(f"{path}: malformed lexicon: {exc!r}") from None


@functools.lru_cache(maxsize=8)
def _load_cached(path: str) -> Lexicon:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise LexiconError(f"cannot read lexicon {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise LexiconError(f"{path}: invalid TOML: {exc}") from None
    return _lexicon_from_dict(data, path)


def load_lexicon(path: str | Path | None = None) -> Lexicon:
    """Load and compile a lexicon file (default: lexicon.toml next to this module); cached."""
    return _load_cached(str(Path(path).resolve() if path else LEXICON_PATH))


# ---------------------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Hit:
    signal: str
    field: str
    start: int
    end: int
    term: str
    term_weight: float
    place_weight: float
    body: bool  # found beyond the lede
    ambiguous: bool = False  # an acronym that other expansions share ("AI" = Air India)
    kind: str = ""  # the lexicon group's kind: "needs_frame", "product", "acronym" or ""

    @property
    def weight(self) -> float:
        return self.term_weight * self.place_weight


@dataclass(frozen=True)
class RuleScore:
    """Everything the rules computed for one item (Classification plus internals)."""

    classification: Classification
    ai_raw: float
    work_raw: float
    pair_score: float
    frame_score: float
    negative_score: float
    ai_work_raw: float
    ai_work_confidence: float
    topic_scores: dict[str, float]


def _squash(raw: float, threshold: float, decided: bool) -> float:
    """raw / (raw + threshold): 0.5 at the threshold. A signal that is on only because the
    item is an AI-and-work story reports 0.5, so that score >= 0.5 <=> flag."""
    v = raw / (raw + threshold) if raw > 0 else 0.0
    if decided and v < 0.5:
        v = 0.5
    return round(v, 4)


def _shared_prefix_len(a: str, b: str) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


_MARKUP = re.compile(r"<[^<>]{0,2000}>")


def _mask_markup(s: str) -> str:
    """Blank out HTML tags (feed summaries often carry them) without moving offsets."""
    return _MARKUP.sub(lambda m: " " * (m.end() - m.start()), s)


class _Nearby:
    """Find the hit of one signal closest to a given hit: same field, within `window`
    characters (anywhere in the title, which is read as one unit)."""

    __slots__ = ("by_field", "starts", "window")

    def __init__(self, hits: list[_Hit], window: int) -> None:
        self.by_field: dict[str, list[_Hit]] = {}
        for h in hits:
            self.by_field.setdefault(h.field, []).append(h)
        for hs in self.by_field.values():
            hs.sort(key=lambda h: h.start)
        self.starts = {f: [h.start for h in hs] for f, hs in self.by_field.items()}
        self.window = window

    def find(self, h: _Hit) -> _Hit | None:
        hs = self.by_field.get(h.field)
        if not hs:
            return None
        if h.field == "title":
            return min(hs, key=lambda a: abs(a.start - h.start))
        i = bisect.bisect_left(self.starts[h.field], h.start)
        best = None
        best_gap = self.window + 1
        for j in range(max(0, i - 3), min(len(hs), i + 2)):
            a = hs[j]
            gap = max(a.start - h.end, h.start - a.end, 0)
            if gap < best_gap:
                best, best_gap = a, gap
        return best if best_gap <= self.window else None


@dataclass
class _FieldScan:
    field: str
    text: str  # the field as given (evidence terms are cut from it)
    src: str  # text[:hi] with markup blanked out
    low: str  # lowered(src)
    psrc: str  # padded(src), padded(low): what the alternations search
    plow: str
    lo: int
    hi: int
    place: Any  # pos -> (place weight, is_body)
    excluded: list[tuple[int, int]] | None = None  # lazily computed exclusion spans


class RuleClassifier:
    """Rule-and-lexicon classifier; see the module docstring. Thread-safe, stateless."""

    name = NAME

    def __init__(self, lexicon_path: str | Path | None = None) -> None:
        self.lexicon = load_lexicon(lexicon_path)
        self.version = self.lexicon.version

    # -- public API ---------------------------------------------------------------------

    def classify(self, batch: Sequence[TextItem]) -> list[Classification]:
        """One Classification per item, in input order."""
        score = self._score
        return [score(item).classification for item in batch]

    def classify_one(self, item: TextItem) -> Classification:
        return self._score(item).classification

    def score(self, item: TextItem) -> RuleScore:
        """The classification with the intermediate scores (for evaluation and debugging)."""
        return self._score(item)

    def ai_work_confidence(self, batch: Sequence[TextItem]) -> list[float]:
        """P(ai_work)-like confidence in 0..1 per item (0.5 is the decision boundary)."""
        return [self._score(item).ai_work_confidence for item in batch]

    # -- internals ----------------------------------------------------------------------

    def _scan(
        self,
        matcher: _Matcher,
        signal: str,
        fs: "_FieldScan",
        out: list[_Hit],
        exclude: bool = False,
    ) -> None:
        found = matcher.matches(fs)
        if not found:
            return
        spans = self._excluded_spans(fs) if exclude else None
        cap = self.lexicon.max_hits_per_term
        counts: dict[str, int] = {}
        text = fs.text
        place = fs.place
        for s, e, w, amb in found:
            if spans and any(xs < e and s < xe for xs, xe in spans):
                continue
            key = fs.low[s:e]
            c = counts.get(key, 0)
            if c >= cap:
                continue
            counts[key] = c + 1
            pw, body = place(s)
            out.append(_Hit(signal, fs.field, s, e, text[s:e], w, pw, body, amb == "acronym",
                            amb or ""))

    def _intersection(
        self, ai_hits: list[_Hit], work_hits: list[_Hit], frame_hits: list[_Hit]
    ) -> tuple[float, float, list[_Hit]]:
        """(pair score, frame score, frames that counted): AI terms near work terms, and
        framing phrases with both an AI and a work term nearby."""
        lex = self.lexicon
        body_cap = lex.body_cap
        window = lex.window_chars
        ai_near = _Nearby(ai_hits, window)
        work_near = _Nearby(work_hits, window)

        used_frames: list[_Hit] = []
        frame_head = frame_body = 0.0
        for fh in frame_hits:
            if ai_near.find(fh) is not None and work_near.find(fh) is not None:
                used_frames.append(fh)
                if fh.body:
                    frame_body += fh.weight
                else:
                    frame_head += fh.weight

        def in_frame(h: _Hit) -> bool:
            return any(
                f.field == h.field and f.start <= h.start and h.end <= f.end for f in used_frames
            )

        strong = lex.strong_work_weight
        weak = lex.weak_pair_factor

        def pair_strength(a: _Hit, w: _Hit) -> float:
            v = min(a.term_weight, w.term_weight)
            if w.term_weight < strong and not in_frame(w):
                v *= weak
            return v

        pair_head = pair_body = 0.0
        for wh in work_hits:
            a = ai_near.find(wh)
            if a is None:
                continue
            v = pair_strength(a, wh) * wh.place_weight
            if wh.body:
                pair_body += v
            else:
                pair_head += v

        # Headline and lede read together: a work term in the title with an AI term in the
        # lede (or the reverse) is a weaker pair, counted once per title term.
        cross = 0.0
        if lex.cross_pair_factor > 0:
            lede_ai = [h for h in ai_hits if h.field != "title" and not h.body]
            lede_work = [h for h in work_hits if h.field != "title" and not h.body]
            for th in work_hits:
                if th.field == "title" and lede_ai and ai_near.find(th) is None:
                    best = max(pair_strength(a, th) * a.place_weight for a in lede_ai)
                    cross += best * lex.cross_pair_factor
            for th in ai_hits:
                if th.field == "title" and lede_work and work_near.find(th) is None:
                    best = max(pair_strength(th, w) * w.place_weight for w in lede_work)
                    cross += best * lex.cross_pair_factor

        pair_score = pair_head + min(pair_body, body_cap) + cross
        frame_score = frame_head + min(frame_body, body_cap)
        return pair_score, frame_score, used_frames

    def _excluded_spans(self, fs: "_FieldScan") -> list[tuple[int, int]]:
        """Spans of the field where work/topic terms do not count (computed once per field)."""
        if fs.excluded is None:
            spans: list[tuple[int, int]] = []
            for rx, cs in self.lexicon.work_exclude:
                spans += word_matches(rx, fs.psrc if cs else fs.plow, fs.lo, fs.hi)
            fs.excluded = spans
        return fs.excluded

    def _score(self, item: TextItem) -> RuleScore:
        lex = self.lexicon
        item_id = getattr(item, "id", None) or getattr(item, "article_id", "")
        title = getattr(item, "title", "") or ""
        summary = getattr(item, "summary", "") or ""
        text = getattr(item, "text", "") or ""

        has_summary = bool(summary.strip())
        text_lo = 0
        if has_summary and text:
            shared = _shared_prefix_len(summary, text)
            if shared >= lex.min_shared_prefix:
                text_lo = shared
        text_hi = min(len(text), lex.max_text_chars)

        w_title, w_lede, w_body, lede_chars = lex.w_title, lex.w_lede, lex.w_body, lex.lede_chars

        def place_title(_pos: int) -> tuple[float, bool]:
            return w_title, False

        def place_lede(pos: int) -> tuple[float, bool]:
            return (w_lede, False) if pos < lede_chars else (w_body, True)

        def place_body(_pos: int) -> tuple[float, bool]:
            return w_body, True

        fields: list[_FieldScan] = []
        for field, s, lo, hi, place in (
            ("title", title, 0, len(title), place_title),
            ("summary", summary, 0, len(summary), place_lede),
            ("text", text, text_lo, text_hi, place_body if has_summary else place_lede),
        ):
            if lo < hi:
                # Only the scanned part is prepared (bodies can be long); offsets are kept.
                src = s if hi == len(s) else s[:hi]
                if "<" in src:
                    src = _mask_markup(src)
                low = lowered(src)
                fields.append(_FieldScan(field, s, src, low, padded(src), padded(low), lo, hi,
                                         place))

        ai_hits: list[_Hit] = []
        work_hits: list[_Hit] = []
        frame_hits: list[_Hit] = []
        neg_hits: list[_Hit] = []
        topic_hits: dict[str, list[_Hit]] = {t: [] for t, _ in lex.topics}
        for fs in fields:
            self._scan(lex.ai, "ai", fs, ai_hits)
            self._scan(lex.work, "work", fs, work_hits, exclude=True)

        if ai_hits and lex.ai_ambiguous_if is not None and all(h.ambiguous for h in ai_hits):
            # Only a bare "AI": drop it when the item speaks of Air India & co.
            rx = lex.ai_ambiguous_if
            if any(next(word_matches(rx, fs.psrc, fs.lo, fs.hi), None) for fs in fields):
                ai_hits = []

        # -- signal scores
        body_cap = lex.body_cap

        def total(hits: list[_Hit]) -> float:
            head = sum(h.weight for h in hits if not h.body)
            body = sum(h.weight for h in hits if h.body)
            return head + min(body, body_cap)

        ai_raw = total(ai_hits)
        work_raw = total(work_hits)
        is_ai = ai_raw >= lex.t_ai
        is_work = work_raw >= lex.t_work
        # Either signal may be weak on its own (one mention each) and still be the story's
        # subject when the two are tied together, so any AI hit plus any work hit is a
        # candidate; the intersection score decides.
        candidate = bool(ai_hits) and bool(work_hits)
        if candidate:
            # Frames, negative cues and topics only matter for possible AI-and-work items.
            for fs in fields:
                self._scan(lex.frame, "ai_work", fs, frame_hits)
                self._scan(lex.negative, "negative", fs, neg_hits)
                for t, matcher in lex.topics:
                    self._scan(matcher, t, fs, topic_hits[t], exclude=True)
        neg_raw = total(neg_hits)

        # -- intersection: AI term near a work term; framing phrases with both nearby
        if candidate:
            pair_score, frame_score, used_frames = self._intersection(ai_hits, work_hits, frame_hits)
        else:
            pair_score, frame_score, used_frames = 0.0, 0.0, []
        negative_score = neg_raw * lex.negative_scale
        if any(not f.body for f in used_frames):
            # An explicit AI-and-work frame in the title or lede ("cuts 500 jobs, citing AI")
            # is the story's subject; finance or launch words beside it (negative groups of
            # kind "soft") cannot veto it. Boardroom and chip-export cues still count fully.
            soft = total([h for h in neg_hits if h.kind == "soft"]) * lex.negative_scale
            negative_score = negative_score - soft + min(soft, lex.negative_cap_with_frame)
        ai_work_raw = pair_score + frame_score - negative_score
        is_ai_work = candidate and ai_work_raw >= lex.t_ai_work
        if is_ai_work and all(h.kind == "needs_frame" for h in ai_hits) and not used_frames:
            # Robots/automation are AI only when framed as the automation wave that
            # changes or threatens jobs (codebook, `ai`); a frame is that framing.
            is_ai_work = False
        if is_ai_work and all(h.kind == "product" for h in work_hits):
            # An AI tool launched *for* the workplace ("AI-powered workplace suite") is a
            # product launch unless the story is about workers: every work term here is a
            # product descriptor, so a launch cue in the title or lede decides.
            launch_hits: list[_Hit] = []
            for fs in fields:
                self._scan(lex.launch, "negative", fs, launch_hits)
            if any(not h.body for h in launch_hits):
                is_ai_work = False
        # An AI-and-work story is a story about AI and about work.
        is_ai = is_ai or is_ai_work
        is_work = is_work or is_ai_work
        margin = ai_work_raw - lex.t_ai_work
        conf = 1.0 / (1.0 + math.exp(-margin / 3.0))
        if not candidate:
            conf = 0.0
        elif not is_ai_work and conf >= 0.5:  # vetoed by a codebook rule above
            conf = 0.49
        conf = round(conf, 4)

        # -- topics
        topic_scores = {t: round(total(hs), 3) if hs else 0.0 for t, hs in topic_hits.items()}
        topics: tuple[str, ...] = ()
        if is_ai_work:
            topics = tuple(t for t, _ in lex.topics if topic_scores[t] >= lex.t_topic)
            if not topics:
                best = max(topic_scores, key=lambda t: topic_scores[t])
                if topic_scores[best] >= lex.topic_fallback:
                    topics = (best,)
                elif lex.topic_default:
                    topics = (lex.topic_default,)

        # -- evidence
        chosen: list[_Hit] = []
        chosen += used_frames
        chosen += ai_hits
        chosen += work_hits
        chosen += neg_hits
        for t in topics:
            chosen += topic_hits[t]
        chosen.sort(
            key=lambda h: (
                h.body,
                _FIELD_RANK[h.field],
                _SIGNAL_RANK.get(h.signal, 4),
                -h.weight,
                h.start,
            )
        )
        chosen = chosen[: lex.max_evidence]
        chosen.sort(key=lambda h: (_FIELD_RANK[h.field], h.start, _SIGNAL_RANK.get(h.signal, 4)))
        evidence = tuple(
            Evidence(
                signal=h.signal,
                term=h.term,
                field=h.field,
                start=h.start,
                end=h.end,
                weight=round(h.weight * (-1 if h.signal == "negative" else 1), 3),
            )
            for h in chosen
        )

        cls = Classification(
            item_id=str(item_id),
            classifier=self.name,
            version=self.version,
            ai_score=_squash(ai_raw, lex.t_ai, is_ai),
            work_score=_squash(work_raw, lex.t_work, is_work),
            is_ai_work=is_ai_work,
            topics=topics,
            evidence=evidence,
            is_ai=is_ai,
            is_work=is_work,
        )
        return RuleScore(
            classification=cls,
            ai_raw=round(ai_raw, 3),
            work_raw=round(work_raw, 3),
            pair_score=round(pair_score, 3),
            frame_score=round(frame_score, 3),
            negative_score=round(negative_score, 3),
            ai_work_raw=round(ai_work_raw, 3),
            ai_work_confidence=conf,
            topic_scores=topic_scores,
        )
