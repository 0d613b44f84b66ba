"""The learned stage (issue 13): CV on a small fixed fold, deterministic training, the shipped
model, evidence spans and the calibrated probability. Corpus-based tests skip without
../shared/corpus."""

from __future__ import annotations

import json
import math

import pytest
from typer.testing import CliRunner

from classifiers.base import get_classifier
from classifiers.topics import TOPICS
from classifiers.crossval import CrossValidationError, cross_validate, load_pooled, stratified_folds
from classifiers.learned import MODEL_PATH, LearnedClassifier, ModelError, load_model
from classifiers.rules import RuleClassifier
from extractors.types import TextItem
from cli.main import app
from tests.conftest import corpus_path

runner = CliRunner()
SMALL = 240  # items of train-2023.jsonl used by the fast tests (about 50 AI×work)


@pytest.fixture(scope="module")
def train_path():
    return corpus_path("labels", "train-2023.jsonl")


@pytest.fixture(scope="module")
def small_rows(train_path):
    return load_pooled([train_path])[:SMALL]


def test_shipped_model_is_the_default_and_its_hash_is_in_the_version():
    clf = get_classifier()
    assert isinstance(clf, LearnedClassifier)
    model = load_model()
    assert clf.version == f"{RuleClassifier().version}+learned-{model.sha256[:12]}"
    assert MODEL_PATH.exists() and MODEL_PATH.stat().st_size < 2_000_000
    assert model.heads == ("ai", "ai_work_given_ai", *TOPICS)


def test_learned_output_carries_probability_topics_and_located_evidence():
    items = [
        TextItem("p", "Bank to replace 2,000 back-office jobs with AI by 2026",
                 "The lender said generative AI tools would take over document checks."),
        TextItem("n", "Heavy rain expected across the region this weekend",
                 "Forecasters warned of flooding on low roads."),
    ]
    pos, neg = get_classifier().classify(items)
    assert pos.is_ai_work and pos.is_ai and pos.is_work and pos.topics
    assert pos.ai_score >= 0.5 and pos.work_score >= 0.5
    assert 0.5 < pos.probability <= 1.0 and 0.0 <= neg.probability < 0.5
    assert not neg.is_ai_work and neg.topics == ()
    assert any(e.signal == "learned" for e in pos.evidence)
    for item, c in zip(items, (pos, neg)):
        for e in c.evidence:
            assert getattr(item, e.field)[e.start : e.end] == e.term


def test_a_model_for_another_lexicon_is_refused(tmp_path):
    import gzip

    doc = json.loads(gzip.decompress(MODEL_PATH.read_bytes()))
    doc["lexicon_version"] = "rules-0.0.1"
    bad = tmp_path / "m.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ModelError, match="workwatch train"):
        LearnedClassifier(bad)
    with pytest.raises(ModelError, match="cannot read"):
        load_model(tmp_path / "missing.json.gz")


def test_cv_on_a_small_fixed_fold(small_rows):
    report = cross_validate([], 3, rows=small_rows)
    assert report["items"] == SMALL and report["folds"] == 3
    for name in ("rules", "learned"):
        f1 = report[name]["ai_work"]["f1"]
        assert f1["n"] == 3 and 0.3 < f1["mean"] <= 1.0 and f1["sd"] >= 0.0
        assert report[name]["topic_macro_f1"]["mean"] is not None
        assert set(report[name]["topics"]) >= {"displacement", "adoption"}
    # the folds are fixed: same seed, same held-out sets
    labels = [g["ai_work"] for _, g in small_rows]
    assert stratified_folds(labels, 3) == stratified_folds(labels, 3)
    with pytest.raises(CrossValidationError):
        stratified_folds([True, False, False], 3)


def test_train_twice_gives_byte_identical_models(train_path, tmp_path):
    from classifiers.train import train

    a = train([train_path], tmp_path / "a.json.gz", limit=SMALL)
    b = train([train_path], tmp_path / "b.json.gz", limit=SMALL)
    assert a["sha256"] == b["sha256"]
    assert (tmp_path / "a.json.gz").read_bytes() == (tmp_path / "b.json.gz").read_bytes()
    clf = LearnedClassifier(tmp_path / "a.json.gz")
    assert clf.version.endswith(a["sha256"][:12])


def test_cli_train_and_eval_folds_errors_are_one_line(tmp_path):
    res = runner.invoke(app, ["train", str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "m.gz")])
    assert res.exit_code == 1 and "no such labels file" in res.stderr and "Traceback" not in res.output
    one = tmp_path / "one.jsonl"
    one.write_text(json.dumps({"id": "1", "title": "AI jobs", "ai_work": 1}) + "\n", encoding="utf-8")
    res = runner.invoke(app, ["eval", "--folds", "5", str(one)])
    assert res.exit_code == 1 and "5 folds need" in res.stderr
    res = runner.invoke(app, ["eval", str(one), str(one)])
    assert res.exit_code == 2


def test_fast_path_score_equals_the_full_sparse_product():
    from classifiers.features import item_features

    clf = get_classifier()
    items = [TextItem("a", "AI coding assistants change what junior developers learn",
                      "Engineers say the tools write boilerplate; managers hire fewer juniors."),
             TextItem("b", "Council approves road budget", "Repairs start in spring."),
             TextItem("c", "", "", "Workers at the plant use ChatGPT to draft safety reports. " * 20)]
    lin = clf.model.linear
    for item in items:
        s = clf.score(item)
        raw, _, _, _ = clf._heads(item_features(item, s.rule))
        p = lin[0].probability(float(raw[0])) * lin[1].probability(float(raw[1]))
        assert abs(math.log(p / (1.0 - p)) - s.raw) < 1e-9
        assert abs(clf.model.combine.probability(s.raw) - s.probability) < 1e-12


def test_the_ai_head_learns_gold_ai_labels_and_falls_back_without_them():
    """P(ai) is trained on the gold `ai` label; analyst labels give ai_work only, so there
    an AI×work item counts as AI and any other item takes the rules' AI verdict."""
    from classifiers.train import _ai_labels

    rules = RuleClassifier()
    ai_story = TextItem("a", "OpenAI releases a new ChatGPT model", "The chatbot writes code.")
    other = TextItem("b", "Council approves road budget", "Repairs start in spring.")
    golds = [{"ai_work": False, "ai": True}, {"ai_work": False, "ai": False},
             {"ai_work": True, "ai": None}, {"ai_work": False, "ai": None},
             {"ai_work": False, "ai": None}]
    labels = _ai_labels(golds, [other, ai_story, other, ai_story, other], rules)
    assert rules.score(ai_story).classification.is_ai
    assert not rules.score(other).classification.is_ai
    assert labels.tolist() == [1, 0, 1, 1, 0]
