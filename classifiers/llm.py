"""The optional LLM judge (issue 17): an OpenAI-compatible chat model decides the candidates.

How an item is judged:

1. The offline classifier (rules + learned stage, the default) scores every item.
2. Only **candidates** go further: items where the rules see any AI signal *and* any work
   signal (``ai_raw > 0 and work_raw > 0``; about 0.6% of general news, holding ~0.98 of the
   AI×work stories). Every other item keeps the offline verdict.
3. A candidate's request (title, lede, up to ``max_body_chars`` of body) is looked up in the
   cache by (content hash, model, prompt version); a miss is sent to ``{base_url}/chat/
   completions`` with the instructions of ``llm_prompt.md`` (the codebook's rules, in our
   words), asking for ``response_format`` JSON (dropped for good when the server refuses it).
   The answer ``{ai, work, ai_work, topics, quotes}`` is parsed defensively (code fences,
   prose around the object, 0/1 or "yes"/"no" for booleans) and cached.
4. Each quote must occur in the item (compared case-, whitespace-, markup- and
   typographic-quote-insensitively); the verified quotes become the evidence spans, with
   offsets into the item's fields. An answer with no verified quote keeps the offline verdict.

Requests: at most ``concurrency`` in flight, at most ``budget`` per run (retries count),
``timeout_s`` each, ``retries`` more attempts with exponential backoff (Retry-After honoured)
after 429, 5xx, timeouts and connection errors. Any failure keeps the offline verdict and
is counted in ``stats``; nothing here raises out of ``classify``.

Every item the judge returns carries classifier ``llm`` and version
``llm:<model>:<prompt hash>+<offline version>`` (the prompt hash covers the instructions and
the request template; the offline stage's version because it decides the other items), so
the warehouse can tell its verdicts apart.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

import httpx

from classifiers.base import TOPICS, Classifier, get_classifier
from extractors.errors import WorkwatchError
from extractors.llm_settings import ENV_BASE_URL, ENV_MODEL, LLMSettings
from extractors.types import Classification, Evidence, TextItem

NAME = "llm"
PROMPT_PATH = Path(__file__).resolve().with_name("llm_prompt.md")
# Changing how a request is put together changes the prompt version (and so the cache key).
REQUEST_TEMPLATE = "workwatch-llm/1: Title/Lede/Body sections; temperature; json object"
MIN_QUOTE_CHARS = 8  # "AI" or "jobs" alone proves nothing; measured answers quote phrases
MAX_QUOTES = 3
MAX_QUOTE_CHARS = 400
LEDE_CHARS = 600
# After this many items in a row failed for good (every retry spent), the server is taken to
# be down for the run: a dead endpoint otherwise costs budget x retries x backoff seconds.
MAX_FAILURES_IN_A_ROW = 5


class LLMError(WorkwatchError):
    """The LLM judge cannot be used as configured (one line, for the CLI)."""


class LLMRequestError(Exception):
    """One request failed for good (after retries); the item keeps its offline verdict."""

    def __init__(self, reason: str, message: str, attempts: int = 0) -> None:
        super().__init__(message)
        self.reason = reason
        self.attempts = attempts  # requests made for this item


class BudgetExhausted(Exception):
    """The per-run request budget is spent."""

    def __init__(self, attempts: int = 0) -> None:
        super().__init__("request budget spent")
        self.attempts = attempts


@dataclass(frozen=True)
class Answer:
    """The model's answer, normalised (quotes not yet checked against the item)."""

    ai: bool
    work: bool
    ai_work: bool
    topics: tuple[str, ...]
    quotes: tuple[str, ...]

    def to_json(self) -> dict:
        return {"ai": self.ai, "work": self.work, "ai_work": self.ai_work,
                "topics": list(self.topics), "quotes": list(self.quotes)}


@dataclass
class JudgeStats:
    """What the judge did during this run (one instance per judge; `reset()` between runs)."""

    items: int = 0
    candidates: int = 0
    cache_hits: int = 0
    sent: int = 0  # distinct candidates sent to the model
    requests: int = 0  # HTTP requests, retries included
    judged: int = 0  # items whose verdict is the model's
    fallbacks: dict[str, int] = field(default_factory=dict)  # reason -> items
    cache_errors: int = 0  # cache reads/writes that failed (a locked warehouse, say)

    def fallback(self, reason: str, n: int = 1) -> None:
        self.fallbacks[reason] = self.fallbacks.get(reason, 0) + n

    def as_dict(self) -> dict:
        return {"items": self.items, "candidates": self.candidates, "cache_hits": self.cache_hits,
                "sent": self.sent, "requests": self.requests, "judged": self.judged,
                "fallbacks": dict(sorted(self.fallbacks.items())),
                **({"cache_errors": self.cache_errors} if self.cache_errors else {})}

    def line(self) -> str:
        fb = ", ".join(f"{n} {r.replace('_', ' ')}" for r, n in sorted(self.fallbacks.items()))
        return (f"llm judge: {self.candidates} candidates of {self.items} items; "
                f"{self.cache_hits} from cache, {self.sent} sent ({self.requests} requests); "
                f"{self.judged} model verdicts" + (f"; offline verdict kept: {fb}" if fb else "")
                + (f"; {self.cache_errors} cache errors" if self.cache_errors else ""))


class AnswerCache(Protocol):
    """Where answers are kept: the warehouse (warehouse/llm_cache.py) or memory."""

    def get(self, keys: Sequence[tuple[str, str, str]]) -> dict[tuple[str, str, str], dict]: ...

    def put(self, rows: Sequence[tuple[tuple[str, str, str], dict]]) -> None: ...


class MemoryCache:
    """An in-process cache (tests; `classify` without a warehouse)."""

    def __init__(self) -> None:
        self.data: dict[tuple[str, str, str], dict] = {}

    def get(self, keys):
        return {k: self.data[k] for k in keys if k in self.data}

    def put(self, rows):
        for k, v in rows:
            self.data.setdefault(k, v)


# ---------------------------------------------------------------- the prompt


def load_instructions(settings: LLMSettings) -> str:
    path = Path(settings.codebook) if settings.codebook else PROMPT_PATH
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise LLMError(f"{path}: cannot read the LLM judge's instructions ({exc.strerror})") from None


def prompt_hash(instructions: str) -> str:
    return hashlib.sha256(f"{REQUEST_TEMPLATE}\n{instructions}".encode()).hexdigest()[:12]


_TAG = re.compile(r"<[^<>]{0,2000}>")
_SPACE = re.compile(r"\s+")


def _plain(s: str) -> str:
    return _SPACE.sub(" ", _TAG.sub(" ", s or "")).strip()


def request_text(item: TextItem, max_body_chars: int) -> str:
    """What the model reads about one item (also what the cache key hashes)."""
    title = _plain(getattr(item, "title", ""))
    summary = _plain(getattr(item, "summary", ""))
    text = _plain(getattr(item, "text", ""))
    lede = summary[:LEDE_CHARS]
    if not summary:
        lede, text = text[:LEDE_CHARS], text[LEDE_CHARS:]
    elif text.startswith(summary[:200]):
        text = text[len(summary):] if text.startswith(summary) else text
    parts = [f"Title: {title}"]
    if lede:
        parts.append(f"Lede: {lede}")
    body = text[:max_body_chars].strip()
    if body:
        parts.append(f"Body (excerpt): {body}")
    return "\n".join(parts)


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


# ---------------------------------------------------------------- answers


_TRUE = {"1", "true", "yes", "y"}
_FALSE = {"0", "false", "no", "n", ""}


def _flag(v: object) -> bool | None:
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)) and v in (0, 1):
        return bool(v)
    if isinstance(v, str):
        s = v.strip().lower()
        if s in _TRUE:
            return True
        if s in _FALSE:
            return False
    return None


def _json_objects(content: str):
    """Every JSON object in `content`, outermost first (code fences and prose tolerated)."""
    dec = json.JSONDecoder()
    i = content.find("{")
    while i != -1:
        try:
            obj, end = dec.raw_decode(content, i)
        except (json.JSONDecodeError, RecursionError):
            i = content.find("{", i + 1)
            continue
        if isinstance(obj, dict):
            yield obj
        i = content.find("{", end)


def parse_answer(content: str) -> Answer | None:
    """The model's answer from its message text; None when there is no usable object."""
    if not isinstance(content, str):
        return None
    for obj in _json_objects(content):
        lowered = {str(k).strip().lower(): v for k, v in obj.items()}
        ai_work = _flag(lowered.get("ai_work"))
        if ai_work is None:
            continue
        ai = _flag(lowered.get("ai"))
        work = _flag(lowered.get("work"))
        topics_raw = lowered.get("topics") or []
        if isinstance(topics_raw, str):
            topics_raw = re.split(r"[,;\s]+", topics_raw)
        topics = set()
        if isinstance(topics_raw, list):
            topics = {t.strip().lower() for t in topics_raw if isinstance(t, str)}
        quotes_raw = lowered.get("quotes") or lowered.get("quote") or []
        if isinstance(quotes_raw, str):
            quotes_raw = [quotes_raw]
        quotes = tuple(q for q in quotes_raw if isinstance(q, str) and q.strip()) \
            if isinstance(quotes_raw, list) else ()
        return Answer(ai=bool(ai) or ai_work, work=bool(work) or ai_work, ai_work=ai_work,
                      topics=tuple(t for t in TOPICS if t in topics) if ai_work else (),
                      quotes=quotes[:10])
    return None


def answer_from_cache(doc: object) -> Answer | None:
    """A stored answer (None for a stored non-answer, or a row that is not one of ours)."""
    if not isinstance(doc, dict) or doc.get("invalid") or "ai_work" not in doc:
        return None
    topics = [t for t in doc.get("topics") or () if t in TOPICS]
    quotes = [q for q in doc.get("quotes") or () if isinstance(q, str)]
    return Answer(bool(doc.get("ai")), bool(doc.get("work")), bool(doc["ai_work"]),
                  tuple(topics), tuple(quotes))


# ---------------------------------------------------------------- quotes


_QUOTE_CHARS = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
                              "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2032": "'",
                              "\u2013": "-", "\u2014": "-", "\u00a0": " "})


def _normalised(s: str) -> tuple[str, list[int]]:
    """s lower-cased, markup blanked, typographic quotes plain, whitespace runs as one space;
    with the offset in `s` of every character kept."""
    masked = _TAG.sub(lambda m: " " * (m.end() - m.start()), s)
    out: list[str] = []
    where: list[int] = []
    space = True
    for i, ch in enumerate(masked):
        c = ch.translate(_QUOTE_CHARS)
        if c.isspace():
            if not space:
                out.append(" ")
                where.append(i)
            space = True
            continue
        low = c.lower()
        if len(low) != 1:
            low = c
        out.append(low)
        where.append(i)
        space = False
    return "".join(out), where


def locate_quote(item: TextItem, quote: str) -> tuple[str, int, int] | None:
    """(field, start, end) of `quote` in the item, or None when it is not there."""
    q, _ = _normalised(quote.strip().strip('"\'').strip())
    q = q.strip(" .…")
    if len(q) < MIN_QUOTE_CHARS or len(q) > MAX_QUOTE_CHARS:
        return None
    for fname in ("title", "summary", "text"):
        src = getattr(item, fname, "") or ""
        if not src:
            continue
        start = src.find(quote)
        if start != -1:
            return fname, start, start + len(quote)
        norm, where = _normalised(src)
        k = norm.find(q)
        if k != -1:
            return fname, where[k], where[k + len(q) - 1] + 1
    return None


# ---------------------------------------------------------------- the HTTP client


class ChatClient:
    """POST {base_url}/chat/completions with retries; one instance per judge (thread-safe)."""

    def __init__(self, settings: LLMSettings, instructions: str,
                 transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.settings = settings
        self.instructions = instructions
        self.url = settings.base_url.rstrip("/") + "/chat/completions"
        headers = {"Content-Type": "application/json"}
        if settings.api_key:
            headers["Authorization"] = f"Bearer {settings.api_key}"
        # A hosted API may sit behind the environment's proxy; a server on this machine never.
        host = (httpx.URL(self.url).host or "").strip("[]")
        local = host in ("localhost", "127.0.0.1", "::1") or host.startswith("127.")
        self._http = httpx.Client(timeout=httpx.Timeout(settings.timeout_s), headers=headers,
                                  transport=transport, follow_redirects=False,
                                  trust_env=not local)
        self._sleep = sleep
        self._lock = threading.Lock()
        self.json_mode = True  # ask for response_format json until the server refuses it
        self.requests = 0
        self.broken: str | None = None  # a 401/403/404: no point sending more this run
        self.deadline: float | None = None  # time.monotonic() after which nothing is sent
        self.failures_in_row = 0

    def close(self) -> None:
        self._http.close()

    def _take(self) -> None:
        with self._lock:
            if self.broken:
                raise LLMRequestError("error", self.broken)
            if self.deadline is not None and time.monotonic() >= self.deadline:
                raise LLMRequestError("out_of_time", "the time for judging is up")
            if self.requests >= self.settings.budget:
                raise BudgetExhausted()
            self.requests += 1

    def _body(self, text: str) -> dict:
        body = {"model": self.settings.model, "temperature": self.settings.temperature,
                "messages": [{"role": "system", "content": self.instructions},
                             {"role": "user", "content": text}]}
        if self.json_mode:
            body["response_format"] = {"type": "json_object"}
        return body

    def _delay(self, attempt: int, response: httpx.Response | None) -> float:
        s = self.settings
        wait = min(s.backoff_base_s * (2 ** attempt), s.backoff_max_s)
        if response is not None:
            ra = response.headers.get("retry-after", "")
            try:
                wait = max(wait, min(float(ra), s.backoff_max_s))
            except ValueError:
                pass
        return wait

    def complete(self, text: str) -> str:
        """The model's message text for one item; LLMRequestError / BudgetExhausted (both
        say how many requests were made for it)."""
        made = [0]
        try:
            content = self._complete(text, made)
        except LLMRequestError as exc:
            exc.attempts = made[0]
            if made[0] and exc.reason in ("error", "timeout", "rate_limited"):
                with self._lock:
                    self.failures_in_row += 1
                    if self.failures_in_row >= MAX_FAILURES_IN_A_ROW and not self.broken:
                        self.broken = f"{self.failures_in_row} items in a row failed ({exc})"
            raise
        except BudgetExhausted:
            raise BudgetExhausted(made[0]) from None
        with self._lock:
            self.failures_in_row = 0
        return content

    def _complete(self, text: str, made: list[int]) -> str:
        attempt = 0
        refused_json = False
        while True:
            self._take()
            made[0] += 1
            json_mode = self.json_mode
            response = None
            try:
                response = self._http.post(self.url, json=self._body(text))
            except httpx.TimeoutException:
                problem = ("timeout", f"no answer in {self.settings.timeout_s:g} s")
            except httpx.HTTPError as exc:
                problem = ("error", f"{type(exc).__name__}: {exc}")
            else:
                code = response.status_code
                if code == 200:
                    try:
                        content = response.json()["choices"][0]["message"]["content"]
                    except (ValueError, KeyError, IndexError, TypeError):
                        raise LLMRequestError("invalid", "not a chat-completions answer") from None
                    if not isinstance(content, str):
                        raise LLMRequestError("invalid", "the message has no text")
                    return content
                if (code in (400, 422) and json_mode and not refused_json
                        and "response_format" in response.text):
                    # llama.cpp and vLLM accept it; some servers reject the field: ask plainly
                    # (for the rest of the run) and parse whatever comes back.
                    with self._lock:
                        self.json_mode = False
                    refused_json = True
                    continue
                if code in (401, 403, 404):
                    with self._lock:
                        self.broken = f"HTTP {code} from {self.url}"
                    raise LLMRequestError("error", f"HTTP {code}")
                if code != 429 and code < 500:
                    raise LLMRequestError("error", f"HTTP {code}")
                problem = ("rate_limited" if code == 429 else "error", f"HTTP {code}")
            if attempt >= self.settings.retries:
                raise LLMRequestError(*problem)
            self._sleep(self._delay(attempt, response))
            attempt += 1


# ---------------------------------------------------------------- the judge


def _agree(score: float, flag: bool) -> float:
    """A 0..1 score that says `flag` (>= 0.5 <=> flag), as close to `score` as possible."""
    if flag:
        return score if score >= 0.5 else 0.5
    return score if score < 0.5 else 0.49


class LLMJudge:
    """The offline classifier, with an LLM deciding the candidates; see the module docstring."""

    name = NAME

    def __init__(self, settings: LLMSettings, cache: AnswerCache | None = None,
                 offline: Classifier | None = None,
                 transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if not settings.base_url:
            raise LLMError(not_configured())
        if not settings.model:
            raise LLMError(f"the LLM judge needs a model name: set {ENV_MODEL} or model in "
                           "feeds.toml [classifier.llm]")
        self.settings = settings
        self.instructions = load_instructions(settings)
        self.prompt_version = prompt_hash(self.instructions)
        self.offline = offline if offline is not None else get_classifier()
        # The offline stage decides every non-candidate and every fallback, so its version is
        # part of ours: a retrained model makes a new judge version, which reclassify (from
        # the cache, no requests) then makes current. The cache key has the prompt only.
        self.version = f"llm:{settings.model}:{self.prompt_version}+{self.offline.version}"
        from classifiers.rules import RuleClassifier

        self.rules = getattr(self.offline, "rules", None) or (
            self.offline if isinstance(self.offline, RuleClassifier) else RuleClassifier())
        self.cache: AnswerCache = cache if cache is not None else MemoryCache()
        self.client = ChatClient(settings, self.instructions, transport=transport, sleep=sleep)
        self.stats = JudgeStats()
        # Items of the last classify() whose request failed for now (budget, time, HTTP
        # errors): their offline verdict is provisional; a warehouse run leaves them unscored
        # for this version so that the next run asks again.
        self.unsettled: set[str] = set()

    def reset(self) -> None:
        """A new run: counters and budget start again."""
        self.stats = JudgeStats()
        self.client.requests = 0
        self.client.broken = None
        self.client.deadline = None
        self.client.failures_in_row = 0

    # -- public API ---------------------------------------------------------------------

    def classify(self, batch: Sequence[TextItem]) -> list[Classification]:
        offline, candidate = self._offline(batch)
        return self.judge(batch, offline, candidate)

    def judge(self, batch: Sequence[TextItem], offline: Sequence[Classification],
              candidate: Sequence[bool] | None = None) -> list[Classification]:
        """The judge's verdicts given the offline ones (candidates recomputed when not given)."""
        if candidate is None:
            candidate = [self.is_candidate(it) for it in batch]
        stats = self.stats
        stats.items += len(batch)
        self.unsettled = set()
        out = [replace(c, classifier=self.name, version=self.version) for c in offline]
        todo = [i for i, c in enumerate(candidate) if c]
        stats.candidates += len(todo)
        if not todo:
            return out
        texts = {i: request_text(batch[i], self.settings.max_body_chars) for i in todo}
        keys = {i: (content_hash(texts[i]), self.settings.model, self.prompt_version) for i in todo}
        try:
            cached = self.cache.get(sorted(set(keys.values())))
        except Exception:  # a locked or unreadable warehouse: ask the model instead
            stats.cache_errors += 1
            cached = {}
        answers: dict[tuple[str, str, str], dict] = {}
        misses: dict[tuple[str, str, str], str] = {}
        for i in todo:
            k = keys[i]
            if k in cached:
                stats.cache_hits += 1
                answers[k] = cached[k]
            elif k not in misses:
                misses[k] = texts[i]
        failed: dict[tuple[str, str, str], str] = {}
        if misses:
            fresh = self._ask(misses, failed)
            answers.update(fresh)
            if fresh:
                try:
                    self.cache.put(sorted(fresh.items()))
                except Exception:  # the answers still count for this run
                    stats.cache_errors += 1
        for i in todo:
            k = keys[i]
            if k in failed:
                stats.fallback(failed[k])
                self.unsettled.add(out[i].item_id)
                continue
            ans = answer_from_cache(answers[k])
            if ans is None:
                stats.fallback("invalid_answer")
                continue
            verdict = self._verdict(batch[i], offline[i], ans)
            if verdict is None:
                stats.fallback("no_verified_quote")
                continue
            stats.judged += 1
            out[i] = verdict
        return out

    def is_candidate(self, item: TextItem) -> bool:
        rs = self.rules.score(item)
        return rs.ai_raw > 0 and rs.work_raw > 0

    # -- internals ----------------------------------------------------------------------

    def _offline(self, batch: Sequence[TextItem]) -> tuple[list[Classification], list[bool]]:
        score = getattr(self.offline, "score", None)
        if not callable(score):
            return list(self.offline.classify(batch)), [self.is_candidate(it) for it in batch]
        cls, cand = [], []
        for item in batch:
            s = score(item)
            rule = getattr(s, "rule", s)  # LearnedScore.rule, or a RuleScore itself
            cls.append(s.classification)
            cand.append(rule.ai_raw > 0 and rule.work_raw > 0)
        return cls, cand

    def _ask(self, misses: dict, failed: dict) -> dict:
        """Send the missed requests (concurrently); answers to cache, failures by reason."""
        stats = self.stats
        fresh: dict = {}
        lock = threading.Lock()

        def one(key, text):
            try:
                content = self.client.complete(text)
            except (BudgetExhausted, LLMRequestError) as exc:
                with lock:
                    failed[key] = getattr(exc, "reason", "over_budget")
                    stats.sent += exc.attempts > 0
                return
            except Exception:  # never let one item crash a run
                with lock:
                    failed[key] = "error"
                return
            ans = parse_answer(content)
            doc = ans.to_json() if ans else {"invalid": True, "raw": content[:500]}
            with lock:
                stats.sent += 1
                fresh[key] = doc

        before = self.client.requests
        workers = max(1, min(self.settings.concurrency, len(misses)))
        if workers == 1:
            for key, text in misses.items():
                one(key, text)
        else:
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="llm") as ex:
                list(ex.map(lambda kv: one(*kv), misses.items()))
        stats.requests += self.client.requests - before
        return fresh

    def _verdict(self, item: TextItem, off: Classification, ans: Answer) -> Classification | None:
        evidence = []
        seen = set()
        for q in ans.quotes:
            where = locate_quote(item, q)
            if where is None or where in seen:
                continue
            seen.add(where)
            fname, start, end = where
            evidence.append(Evidence(signal="llm", term=getattr(item, fname)[start:end],
                                     field=fname, start=start, end=end, weight=1.0))
            if len(evidence) >= MAX_QUOTES:
                break
        if not evidence:
            return None
        topics = ans.topics if ans.ai_work else ()
        if ans.ai_work and not topics:
            topics = tuple(off.topics)  # the model named none it is allowed to: keep ours
        return Classification(
            item_id=off.item_id, classifier=self.name, version=self.version,
            ai_score=_agree(off.ai_score, ans.ai), work_score=_agree(off.work_score, ans.work),
            is_ai_work=ans.ai_work, topics=topics, evidence=tuple(evidence),
            is_ai=ans.ai, is_work=ans.work, probability=None)


def not_configured() -> str:
    return (f"the LLM judge is not configured: set {ENV_BASE_URL} (an OpenAI-compatible /v1 "
            "URL) or base_url in feeds.toml [classifier.llm]")
