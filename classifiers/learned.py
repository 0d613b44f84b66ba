"""The learned stage on top of the rules (issue 13): inference, without scikit-learn.

``workwatch train`` (classifiers/train.py, the only place that imports scikit-learn) fits
logistic regressions over the features of classifiers/features.py and writes them to
``classifiers/model/ai_work.json.gz`` (gzip-compressed JSON): sparse weights by feature name, an intercept, Platt
scaling (a, b) that turns the raw score into a calibrated probability, and the decision
threshold chosen on out-of-fold predictions. Two models decide ``is_ai_work``: P(ai) times
P(ai_work | ai), calibrated together; one one-vs-rest model per topic (trained on AI×work
items only) picks the topics.

Inference here is a sparse dot product over a dict of weights in plain Python/NumPy, so the
ingest workers do not import scikit-learn. The classifier version is the lexicon version
plus the model file's content hash: every stored classification says which model made it.

Evidence: the rule hits, plus the n-grams that pushed the learned AI×work score most (in the
direction of the decision), located in the title or lede (signal ``learned``; the weight is
the n-gram's contribution to the raw score).
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import math
from collections.abc import Sequence
from itertools import repeat
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from classifiers.topics import TOPICS
from classifiers.features import (_word_grams, char_scale, item_features, lede_of, locate,
                                  rule_features, text_blocks)
from classifiers.rules import RuleClassifier, RuleScore, _squash
from extractors.types import Classification, Evidence, TextItem

MODEL_PATH = Path(__file__).resolve().parent / "model" / "ai_work.json.gz"
MODEL_FORMAT = "workwatch-learned/2"
NAME = "learned"
LEARNED_EVIDENCE = 5  # n-grams shown per decision
# Below this P(ai_work) a negative is clear-cut and gets the rule evidence only (the
# n-gram evidence and topic heads cost ~5x the rest of the learned stage).
EVIDENCE_MIN_P = 0.05


class ModelError(ValueError):
    """The learned model file is missing, malformed, or was trained for another lexicon."""


@dataclass(frozen=True)
class LinearModel:
    """One logistic model: raw = bias + w·x; probability = sigmoid(a * raw + b)."""

    bias: float
    platt_a: float
    platt_b: float
    threshold: float

    def probability(self, raw: float) -> float:
        z = self.platt_a * raw + self.platt_b
        if z < -35:
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))


@dataclass(frozen=True)
class Model:
    """A loaded model file: one weight column per head (ai_work first, then the topics)."""

    path: str
    sha256: str
    lexicon_version: str
    heads: tuple[str, ...]  # "ai", "ai_work_given_ai", then topic names
    linear: tuple[LinearModel, ...]
    index: dict[str, int]  # feature -> row of `weights`
    weights: np.ndarray  # (n_features, n_heads)
    biases: np.ndarray  # (n_heads,)
    hot: tuple[dict[str, float], ...]  # the two ai_work factor heads as dicts (the hot path)
    combine: LinearModel  # P(ai_work) = sigmoid(a * logit(P(ai) * P(ai_work | ai)) + b)

    @property
    def short_hash(self) -> str:
        return self.sha256[:12]


def _linear(spec: dict) -> LinearModel:
    a, b = spec["platt"]
    return LinearModel(float(spec["bias"]), float(a), float(b), float(spec["threshold"]))


def model_from_bytes(data: bytes, path: str = "<model>") -> Model:
    """Parse a model file's bytes (see train.py for the format)."""
    try:
        doc = json.loads(gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data)
        if doc.get("format") != MODEL_FORMAT:
            raise ModelError(f"{path}: not a {MODEL_FORMAT} model (format {doc.get('format')!r})")
        specs = [("ai", doc["ai"]), ("ai_work_given_ai", doc["ai_work_given_ai"])] + [
            (t, doc["topics"][t]) for t in TOPICS if t in doc.get("topics", {})
        ]
        names = sorted({f for _, s in specs for f in s["weights"]})
        index = {f: i for i, f in enumerate(names)}
        weights = np.zeros((len(names), len(specs)), dtype=np.float64)
        for j, (_, s) in enumerate(specs):
            for f, w in s["weights"].items():
                weights[index[f], j] = float(w)
        linear = tuple(_linear(s) for _, s in specs)
        return Model(
            path=path,
            sha256=hashlib.sha256(data).hexdigest(),
            lexicon_version=str(doc["lexicon_version"]),
            heads=tuple(h for h, _ in specs),
            linear=linear,
            index=index,
            weights=weights,
            biases=np.array([m.bias for m in linear], dtype=np.float64),
            hot=tuple({f: float(w) for f, w in s["weights"].items()} for _, s in specs[:2]),
            combine=_linear(dict(doc["ai_work"], bias=0.0)),
        )
    except ModelError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ModelError(f"{path}: malformed model file: {exc!r}") from None


@functools.lru_cache(maxsize=4)
def _load_cached(path: str) -> Model:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ModelError(
            f"cannot read the learned model {path}: {exc.strerror}; run `workwatch train`"
        ) from None
    return model_from_bytes(data, path)


def load_model(path: str | Path | None = None) -> Model:
    """Load a model file (default: the one shipped in the package); cached per path."""
    return _load_cached(str(Path(path).resolve() if path else MODEL_PATH))


@dataclass(frozen=True)
class LearnedScore:
    """The learned stage's view of one item (for evaluation and debugging)."""

    classification: Classification
    rule: RuleScore
    raw: float  # logit of P(ai) * P(ai_work | ai), before the joint calibration
    probability: float
    topic_probabilities: dict[str, float]


class LearnedClassifier:
    """Rules + learned stage; see the module docstring. Thread-safe, stateless."""

    name = NAME

    def __init__(
        self,
        model: Model | str | Path | None = None,
        rules: RuleClassifier | None = None,
    ) -> None:
        self.model = model if isinstance(model, Model) else load_model(model)
        self.rules = rules if rules is not None else RuleClassifier()
        if self.model.lexicon_version != self.rules.version:
            raise ModelError(
                f"{self.model.path} was trained with lexicon {self.model.lexicon_version}, "
                f"the rules are {self.rules.version}; run `workwatch train`"
            )
        self.version = f"{self.rules.version}+learned-{self.model.short_hash}"
        # per hot head: word -> summed weight of its char n-grams (news words repeat a lot)
        self._word_weight: tuple[dict[str, float], ...] = tuple({} for _ in self.model.hot)

    # -- public API ---------------------------------------------------------------------

    def classify(self, batch: Sequence[TextItem]) -> list[Classification]:
        return [self._score(item).classification for item in batch]

    def score(self, item: TextItem) -> LearnedScore:
        return self._score(item)

    def ai_work_confidence(self, batch: Sequence[TextItem]) -> list[float]:
        """Calibrated P(ai_work) per item (the decision threshold is the model's)."""
        return [self._score(item).probability for item in batch]

    # -- internals ----------------------------------------------------------------------

    def _heads(self, feats: dict[str, float]) -> tuple[np.ndarray, list[int], list[float], list[str]]:
        """Raw scores of every head, and the features the model knows (rows, values, names)."""
        index = self.model.index
        rows: list[int] = []
        vals: list[float] = []
        names: list[str] = []
        for f, v in feats.items():
            i = index.get(f)
            if i is not None:
                rows.append(i)
                vals.append(v)
                names.append(f)
        if rows:
            raw = np.asarray(vals) @ self.model.weights[rows] + self.model.biases
        else:
            raw = self.model.biases.copy()
        return raw, rows, vals, names

    def _score(self, item: TextItem) -> LearnedScore:
        model = self.model
        rs = self.rules.score(item)
        rc = rs.classification
        # Hot path: only the two ai_work factor heads, summed block by block in C (dict.get
        # over a set); the topic heads and the evidence are computed for the few items that
        # need them. (Measured on 20,000 replay-2023 items with one ai_work head: 1,660 items
        # per CPU-second with every head and the evidence for every item, 4,540 this way.)
        _, lede = lede_of(item)
        rfeats = rule_features(rs)
        blocks, char_words = text_blocks(getattr(item, "title", "") or "", lede)
        cscale = char_scale(char_words) if char_words else 0.0
        probs: list[float] = []
        for k, w in enumerate(model.hot):
            wget = w.get
            r = model.linear[k].bias
            for block, v in blocks:
                r += v * sum(map(wget, block, repeat(0.0, len(block))))
            if char_words:
                cache = self._word_weight[k]
                word_sum = 0.0
                for word in char_words:
                    ws = cache.get(word)
                    if ws is None:
                        if len(cache) > 200_000:
                            cache.clear()
                        grams = _word_grams(word)
                        ws = cache[word] = sum(map(wget, grams, repeat(0.0, len(grams))))
                    word_sum += ws
                r += cscale * word_sum
            for f, v in rfeats.items():
                r += v * wget(f, 0.0)
            probs.append(model.linear[k].probability(r))
        p_ai, p_cond = probs
        prod = min(max(p_ai * p_cond, 1e-9), 1.0 - 1e-9)
        raw0 = math.log(prod / (1.0 - prod))
        p = model.combine.probability(raw0)
        is_ai_work = p >= model.combine.threshold

        topic_p: dict[str, float] = {}
        topics: tuple[str, ...] = ()
        evidence = list(rc.evidence)
        if is_ai_work or p >= EVIDENCE_MIN_P:
            raw, rows, vals, names = self._heads(item_features(item, rs))
            for j in range(2, len(model.heads)):
                topic_p[model.heads[j]] = model.linear[j].probability(float(raw[j]))
            if is_ai_work and topic_p:
                chosen = {t for t, tp in topic_p.items()
                          if tp >= model.linear[model.heads.index(t)].threshold}
                if not chosen:  # every AI×work story has a topic: the likeliest one
                    chosen = {max(topic_p, key=lambda t: (topic_p[t], -TOPICS.index(t)))}
                topics = tuple(t for t in TOPICS if t in chosen)
            evidence += self._ngram_evidence(item, rows, vals, names, is_ai_work, p_ai, p_cond)

        # An AI×work story is about AI and about work; otherwise the rules' signals stand.
        lex = self.rules.lexicon
        is_ai = rs.ai_raw >= lex.t_ai or is_ai_work
        is_work = rs.work_raw >= lex.t_work or is_ai_work
        cls = replace(
            rc,
            classifier=self.name,
            version=self.version,
            is_ai_work=is_ai_work,
            is_ai=is_ai,
            is_work=is_work,
            ai_score=_squash(rs.ai_raw, lex.t_ai, is_ai),
            work_score=_squash(rs.work_raw, lex.t_work, is_work),
            topics=topics,
            evidence=tuple(evidence),
            probability=round(p, 4),
        )
        return LearnedScore(cls, rs, raw0, p, topic_p)

    def _ngram_evidence(self, item: TextItem, rows: list[int], vals: list[float],
                        names: list[str], positive: bool, p_ai: float,
                        p_cond: float) -> list[Evidence]:
        """The n-grams that pushed the ai_work score most towards the decision, located.

        A feature's push is its first-order effect on log(P(ai) * P(ai_work | ai)):
        value x (a_ai (1 - P(ai)) w_ai + a_cond (1 - P(ai_work | ai)) w_cond)."""
        if not rows:
            return []
        lin = self.model.linear
        w = self.model.weights[rows]
        contrib = np.asarray(vals) * (lin[0].platt_a * (1.0 - p_ai) * w[:, 0]
                                      + lin[1].platt_a * (1.0 - p_cond) * w[:, 1])
        sign = 1.0 if positive else -1.0
        out: list[Evidence] = []
        seen: set[tuple[str, int, int]] = set()
        for k in np.argsort(-sign * contrib, kind="stable"):
            c = float(contrib[k])
            if sign * c <= 0 or len(out) >= LEARNED_EVIDENCE:
                break
            name = names[k]
            if name.startswith("r:"):
                continue
            where = locate(item, name)
            if where is None or where in seen:
                continue
            seen.add(where)
            field, start, end = where
            out.append(Evidence(signal="learned", term=getattr(item, field)[start:end],
                                field=field, start=start, end=end, weight=round(c, 3)))
        return out
