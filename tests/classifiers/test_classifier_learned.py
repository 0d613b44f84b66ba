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
    # the shipped extra labels train the topic heads by default; without the corpus they are
    # skipped with a note (the model is then the one trained without them)
    import gzip

    doc = json.loads(gzip.decompress((tmp_path / "a.json.gz").read_bytes()))
    assert doc["trained_on"]["topic_extra"] > 0 and any("extra-2023" in s for s in a["sources"])
    c = train([train_path], tmp_path / "c.json.gz", limit=SMALL, corpus=tmp_path / "absent.jsonl.gz")
    d = train([train_path], tmp_path / "d.json.gz", limit=SMALL, extra=None)
    assert c["notes"] and "skipped" in c["notes"][0] and c["sha256"] == d["sha256"] != a["sha256"]


def test_cli_train_and_eval_folds_errors_are_one_line(tmp_path):
    res = runner.invoke(app, ["train", str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "m.gz")])
    assert res.exit_code == 1 and "no such labels file" in res.stderr and "Traceback" not in res.output
    one = tmp_path / "one.jsonl"
    one.write_text(json.dumps({"id": "1", "title": "AI jobs", "ai_work": 1}) + "\n", encoding="utf-8")
    res = runner.invoke(app, ["eval", "--folds", "5", str(one)])
    assert res.exit_code == 1 and "5 folds need" in res.stderr
    res = runner.invoke(app, ["eval", str(one), str(one)])
    assert res.exit_code == 2
    res = runner.invoke(app, ["eval", "--extra-train", str(one), str(one)])
    assert res.exit_code == 2 and "--extra-train needs --folds" in res.stderr
    res = runner.invoke(app, ["eval", "--folds", "2", "--extra-train", str(tmp_path / "no.jsonl"), str(one)])
    assert res.exit_code == 1 and "no such file" in res.stderr


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


def _synthetic_rows(n: int, prefix: str) -> list[tuple[TextItem, dict]]:
    """Tiny labelled rows: every third item an AI×work story, the rest AI launches or weather."""
    rows = []
    for i in range(n):
        if i % 3 == 0:
            item = TextItem(f"{prefix}{i}", f"Firm {i} cuts {100 + i} jobs as AI automates support work",
                            "Workers say chatbots now answer the calls they used to take.")
            gold = {"ai_work": True, "ai": True, "work": True, "topics": frozenset({"displacement"})}
        elif i % 3 == 1:
            item = TextItem(f"{prefix}{i}", f"Startup {i} launches a new AI model for photos",
                            "The chatbot app edits pictures in seconds.")
            gold = {"ai_work": False, "ai": True, "work": False, "topics": frozenset()}
        else:
            item = TextItem(f"{prefix}{i}", f"Storm {i} brings heavy rain to the coast",
                            "Forecasters warned of flooding on low roads.")
            gold = {"ai_work": False, "ai": False, "work": False, "topics": frozenset()}
        rows.append((item, gold))
    return rows


def test_cv_extra_train_rows_join_every_training_fold_and_are_never_tested(monkeypatch):
    import classifiers.train as train_mod

    gold = _synthetic_rows(30, "g")
    extra = _synthetic_rows(9, "x") + [gold[0]]  # an id already among the gold items: dropped
    seen: list[tuple[list[str], list[str]]] = []  # (ai_work-head items, topic-only extras)
    real_fit = train_mod.fit_model

    def recording_fit(items, golds, **kw):
        seen.append(([it.id for it in items], [it.id for it, _ in kw.get("topic_extra", ())]))
        return real_fit(items, golds, **kw)

    monkeypatch.setattr(train_mod, "fit_model", recording_fit)
    base = cross_validate([], 3, rows=gold)
    topics_only = cross_validate([], 3, rows=gold, extra_train=extra)
    all_heads = cross_validate([], 3, rows=gold, extra_train=extra, extra_for="all")
    held_out = stratified_folds([g["ai_work"] for _, g in gold], 3)
    gold_ids = [it.id for it, _ in gold]
    extra_ids = {f"x{i}" for i in range(9)}
    assert topics_only["extra_train"] == all_heads["extra_train"] == 9 and base["extra_train"] == 0
    assert len(seen) == 9
    for fold, test in enumerate(held_out):
        test_ids = {gold_ids[i] for i in test}
        expected_train = set(gold_ids) - test_ids
        assert set(seen[fold][0]) == expected_train and not seen[fold][1]  # without extras
        assert set(seen[3 + fold][0]) == expected_train  # extras: topic heads only
        assert set(seen[3 + fold][1]) == extra_ids
        assert set(seen[6 + fold][0]) == expected_train | extra_ids  # extras in every head
        assert not test_ids & extra_ids
    # the test folds are the same items with or without extras (paired comparison), and the
    # ai_work decision does not change when the extras train the topic heads only
    for a, b, c in zip(base["per_fold"]["learned"], topics_only["per_fold"]["learned"],
                       all_heads["per_fold"]["learned"]):
        assert a["items"] == b["items"] == c["items"] and c["train_items"] == a["train_items"] + 9
        assert a["ai_work"] == b["ai_work"]
        assert set(b["topics"]) == set(TOPICS)
    from classifiers.crossval import format_cv

    assert "+ 9 extra labelled items in every training fold (topic heads only" in format_cv(topics_only)
    assert "(all heads;" in format_cv(all_heads) and "extra labelled" not in format_cv(base)
    with pytest.raises(CrossValidationError):
        cross_validate([], 3, rows=gold, extra_train=extra, extra_for="some")


def test_extra_labels_join_by_id_with_the_corpus_and_skip_without_it(tmp_path):
    import gzip

    from classifiers.events_sample import item_id
    from classifiers.train import load_extra_labels

    urls = [f"https://example.org/story/{i}" for i in range(3)]
    corpus = tmp_path / "replay.jsonl.gz"
    with gzip.open(corpus, "wt", encoding="utf-8") as fh:
        for i, url in enumerate(urls):
            fh.write(json.dumps({"url": url, "title": f"Title {i}", "summary": f"Summary {i}"}) + "\n")
    labels = tmp_path / "extra.jsonl"
    lines = [
        {"id": item_id(urls[2]), "ai": 1, "work": 1, "ai_work": 1, "topics": ["wages"], "confidence": 3},
        {"id": item_id(urls[0]), "ai": 1, "work": 0, "ai_work": 0, "topics": [], "confidence": 2},
        {"id": "rp-000000000000", "ai": 0, "work": 0, "ai_work": 0, "topics": []},
        {"id": "own", "title": "AI takes the night shift", "ai_work": 1, "topics": ["adoption"]},
    ]
    labels.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    joined = load_extra_labels(labels, corpus)
    assert joined.labelled == 4
    by_id = {it.id: (it, g) for it, g in joined.rows}
    assert set(by_id) == {item_id(urls[2]), item_id(urls[0]), "own"}
    item, gold = by_id[item_id(urls[2])]
    assert (item.title, item.summary) == ("Title 2", "Summary 2")
    assert gold["ai_work"] and gold["topics"] == frozenset({"wages"})
    assert by_id[item_id(urls[0])][0].title == "Title 0" and not by_id[item_id(urls[0])][1]["ai_work"]
    assert "1 labels in extra.jsonl not found" in joined.note
    absent = load_extra_labels(labels, tmp_path / "no-corpus.jsonl.gz")
    assert [it.id for it, _ in absent.rows] == ["own"] and "3 labels in extra.jsonl skipped" in absent.note


def test_shipped_extra_labels_are_label_only_and_all_join_with_replay_2023():
    from classifiers.train import EXTRA_LABELS, load_extra_labels

    replay = corpus_path("replay-2023.jsonl.gz")
    recs = [json.loads(l) for l in EXTRA_LABELS.read_text(encoding="utf-8").splitlines() if l.strip()]
    assert recs and all(set(r) <= {"id", "ai", "work", "ai_work", "topics", "confidence", "note"}
                        for r in recs)  # no corpus text in the project
    shared = {it.id for it, _ in load_pooled([corpus_path("labels", "train-2023.jsonl"),
                                              corpus_path("labels", "dev.jsonl")])}
    assert not shared & {r["id"] for r in recs}
    joined = load_extra_labels(EXTRA_LABELS, replay)
    assert len(joined.rows) == len(recs) and joined.note == ""
    assert all(it.title for it, _ in joined.rows)
