"""The rule classifier: codebook hard cases, evidence offsets, lexicon/version, JSONL I/O,
evaluation report. Fast, no corpus needed (corpus-based checks: test_classifier_eval.py)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from classifiers.base import TOPICS, Classifier, UnknownClassifierError, available, get_classifier
from classifiers.evaluate import LabelsError, evaluate, format_report
from classifiers.jsonl import JsonlInputError, classify_file
from classifiers.rules import LEXICON_PATH, LexiconError, RuleClassifier, load_lexicon
from extractors.types import Classification, Evidence, TextItem


@pytest.fixture(scope="module")
def clf() -> RuleClassifier:
    c = get_classifier("rules")
    assert isinstance(c, RuleClassifier)
    return c


def classify(clf, title: str, summary: str = "", text: str = "") -> Classification:
    return clf.classify([TextItem(id="t", title=title, summary=summary, text=text)])[0]


def assert_evidence_points_at_text(item: TextItem, c: Classification) -> None:
    for e in c.evidence:
        assert isinstance(e, Evidence)
        assert e.field in ("title", "summary", "text")
        assert getattr(item, e.field)[e.start : e.end] == e.term, e


# ------------------------------------------------------------------ interface, version


def test_registry_and_protocol(clf):
    assert isinstance(clf, Classifier)
    assert get_classifier("rules") is clf and clf.name == "rules"
    # the default is rules + the learned stage (it beats rules alone in CV; README)
    assert get_classifier().name == "learned" and isinstance(get_classifier(), Classifier)
    assert {"rules", "learned"} <= set(available())
    with pytest.raises(UnknownClassifierError, match="unknown classifier"):
        get_classifier("nope")
    assert issubclass(UnknownClassifierError, ValueError)


def test_version_is_read_from_the_lexicon_toml(clf):
    with open(LEXICON_PATH, "rb") as fh:
        data = tomllib.load(fh)
    assert data["version"].startswith("rules-")
    assert clf.version == data["version"]
    c = classify(clf, "AI to replace 10% of bank jobs")
    assert (c.classifier, c.version) == ("rules", data["version"])
    assert data["scan"]["max_text_chars"] > 0  # the body-text cap is documented there


def test_lexicon_loading_is_cached_and_a_custom_file_sets_the_version(tmp_path):
    assert load_lexicon() is load_lexicon(LEXICON_PATH)
    custom = tmp_path / "lexicon.toml"
    custom.write_text(
        LEXICON_PATH.read_text(encoding="utf-8").replace(
            'version = "', 'version = "test-', 1
        ),
        encoding="utf-8",
    )
    c = RuleClassifier(custom)
    assert c.version.startswith("test-rules-")
    assert c.classify([TextItem("a", "AI is coming for white-collar jobs")])[0].version == c.version


def test_bad_lexicon_raises_lexicon_error(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('version = "x"\n[[ai]]\nweight = 1.0\npatterns = ["(unclosed"]\n')
    with pytest.raises(LexiconError, match="bad pattern"):
        RuleClassifier(bad)
    with pytest.raises(LexiconError):
        RuleClassifier(tmp_path / "missing.toml")


def test_batches_keep_order_and_empty_batch(clf):
    items = [TextItem(str(i), t) for i, t in enumerate(
        ["Heavy rain expected", "AI will replace 300 million jobs, study says", "Local team wins"]
    )]
    out = clf.classify(items)
    assert [c.item_id for c in out] == ["0", "1", "2"]
    assert [c.is_ai_work for c in out] == [False, True, False]
    assert clf.classify([]) == []


# ------------------------------------------------------------------ codebook hard cases


@pytest.mark.parametrize(
    "title, summary",
    [
        ("Air India staff strike over unpaid wages", "Cabin crew at the airline walked out on Monday."),
        ("AI 171 crash: Air India staff offered counselling", "Air India said its staff were offered support."),
        ("SAIL workers protest wage cut at Bhilai plant", ""),
        ("Thai garment workers demand higher pay", ""),
        ("White House aide resigns after staff complaints", ""),
        ("MAIL CARRIERS SAY AIR QUALITY HURTS WORKERS", ""),
    ],
)
def test_acronym_traps_are_not_ai(clf, title, summary):
    c = classify(clf, title, summary)
    assert not c.is_ai and not c.is_ai_work and c.topics == ()
    assert not [e for e in c.evidence if e.signal == "ai"]


def test_ai_acronym_is_case_sensitive_and_whole_word(clf):
    c = classify(clf, "AI's rise worries workers; A.I. tools spread in offices")
    ai_terms = [e.term for e in c.evidence if e.signal == "ai"]
    assert "AI" in ai_terms and "A.I." in ai_terms
    assert not classify(clf, "The ai of the storm").is_ai


@pytest.mark.parametrize(
    "title, summary",
    [
        # an AI company's boardroom drama / mass staff action
        ("OpenAI employees threaten to quit after Sam Altman's ouster",
         "More than 700 OpenAI staff signed a letter demanding the board resign."),
        ("Sam Altman ousted as OpenAI CEO in boardroom coup", "OpenAI's board fired its chief executive."),
        # layoffs with no AI link
        ("Intel to cut 15,000 jobs as sales slump", "The chipmaker is cutting costs amid weak demand."),
        ("Starbucks lays off 900 corporate workers in cost-cutting push", ""),
        # AI product launch without a work angle
        ("OpenAI launches GPT-5, its most capable model yet", "The new model is better at coding, the company said."),
        ("Google unveils Gemini 2.0 with new agent features", ""),
        # AI stock prices / earnings
        ("Nvidia shares hit record as AI chip demand soars", "The stock rose 5% after earnings beat estimates."),
        ("AI stocks slide as investors question chip spending", ""),
        # chip export rules
        ("US tightens AI chip export rules for China", "New export controls target advanced processors."),
        # a single executive move
        ("Microsoft hires former DeepMind co-founder to lead consumer AI", ""),
        ("Allbirds rebrands in AI pivot, hires former AWS executive as CEO; shares soar", ""),
        # AI safety / regulation not about work
        ("EU lawmakers agree on AI Act rules for chatbots", "The law covers transparency and copyright."),
    ],
)
def test_codebook_negatives(clf, title, summary):
    c = classify(clf, title, summary)
    assert not c.is_ai_work, c.evidence
    assert c.topics == ()


def test_layoffs_without_ai_are_work_not_ai(clf):
    c = classify(clf, "Retailer to cut 2,000 jobs as sales slump", "Stores will close next year.")
    assert c.is_work and not c.is_ai and not c.is_ai_work
    assert c.work_score >= 0.5 > c.ai_score


def test_product_launch_is_ai_not_work(clf):
    c = classify(clf, "Anthropic releases Claude with a new coding model", "Available today in the app.")
    assert c.is_ai and not c.is_work and not c.is_ai_work
    assert c.ai_score >= 0.5 > c.work_score


@pytest.mark.parametrize(
    "title, summary, topics",
    [
        ("IBM to pause hiring for roles AI could replace",
         "CEO Arvind Krishna said 7,800 jobs could be replaced by AI.", {"displacement", "hiring"}),
        ("Company cuts 4,000 jobs as AI replaces customer service staff",
         "The firm said artificial intelligence now handles most calls.", {"displacement"}),
        ("Hollywood writers strike over AI protections", "The union wants limits on AI in scripts.", {"policy"}),
        ("Companies are using AI to screen job applicants", "", {"hiring"}),
        ("Duolingo cuts contractors as it shifts to AI", "", {"displacement"}),
        ("Banks pay up to $1 million for AI researchers as talent war heats up", "", {"hiring"}),
        ("Survey: half of workers use ChatGPT at work without telling their boss", "", {"adoption"}),
        ("Government launches reskilling programme to train 1 million workers in AI skills", "", {"skills"}),
        ("How to future-proof your career in the age of AI", "Career advice for mid-career workers.", {"careers"}),
        ("Amazon is laying off several hundred Alexa staff to focus on AI", "", {"displacement"}),
    ],
)
def test_ai_and_work_positives_with_topics(clf, title, summary, topics):
    c = classify(clf, title, summary)
    assert c.is_ai_work and c.is_ai and c.is_work, c.evidence
    assert topics <= set(c.topics), c.topics
    assert list(c.topics) == [t for t in TOPICS if t in c.topics]  # fixed order
    assert any(e.signal in topics for e in c.evidence)


def test_topics_only_for_ai_work_items(clf):
    c = classify(clf, "Union strikes over pay and layoffs at car plant", "Workers walked out.")
    assert c.is_work and not c.is_ai_work and c.topics == ()


# ------------------------------------------------------------------ evidence


def test_evidence_positions_point_at_the_matched_text(clf):
    items = [
        TextItem("a", "Chime to cut 10% of workforce on AI-driven efficiencies",
                 "The fintech said artificial intelligence lets it run with fewer staff.",
                 "Chime said on Monday it would lay off about 150 employees. " * 3),
        TextItem("b", "Workers are using ChatGPT at work", "",
                 "<p>Many <b>employees</b> use generative AI tools, a survey of workers found.</p>"),
        TextItem("c", "Ärzte und KI: AI hilft Ärzten bei der Arbeit — jobs", "İstanbul AI workers İİİ jobs"),
    ]
    for item, c in zip(items, clf.classify(items)):
        assert c.evidence, item.id
        assert_evidence_points_at_text(item, c)
        assert len(c.evidence) <= load_lexicon().max_evidence
    signals = {e.signal for e in clf.classify(items[:1])[0].evidence}
    assert {"ai", "work"} <= signals


def test_markup_is_not_matched(clf):
    item = TextItem("h", "Weather update", '<img src="https://x.test/ai-jobs-robots.jpg" alt="AI jobs"/>Rain today.')
    c = clf.classify([item])[0]
    assert not c.is_ai and not c.evidence


def test_evidence_is_bounded_and_long_text_is_capped(clf):
    cap = load_lexicon().max_text_chars
    filler = "The weather was mild and the match ended in a draw. " * (cap // 50 + 10)
    late = " AI will replace jobs and workers across the economy. " * 200
    item = TextItem("long", "Local news roundup", "", filler + late)
    c = clf.classify([item])[0]
    assert all(e.end <= cap for e in c.evidence)
    assert not c.is_ai_work  # the AI-and-jobs part lies beyond the scanned prefix
    dense = TextItem("dense", "AI and jobs", "AI jobs workers layoffs ChatGPT hiring " * 40, "AI jobs " * 2000)
    c = clf.classify([dense])[0]
    assert c.is_ai_work and len(c.evidence) <= load_lexicon().max_evidence
    assert_evidence_points_at_text(dense, c)


def test_scores_are_probabilities_consistent_with_flags(clf):
    for title in ["AI will take 300 million jobs", "Rain tomorrow", "OpenAI launches a model", "Layoffs at mill"]:
        c = classify(clf, title)
        assert 0.0 <= c.ai_score <= 1.0 and 0.0 <= c.work_score <= 1.0
        assert (c.ai_score >= 0.5) == c.is_ai and (c.work_score >= 0.5) == c.is_work
        if c.is_ai_work:
            assert c.is_ai and c.is_work


# ------------------------------------------------------------------ JSONL round trip


def test_classify_file_round_trip(tmp_path):
    src, dst = tmp_path / "in.jsonl", tmp_path / "out" / "scored.jsonl"
    lines = [
        {"id": "x1", "title": "AI is replacing entry-level jobs", "summary": "Graduates struggle.", "text": ""},
        {"id": "x2", "title": "Heavy rain expected this weekend"},  # summary/text missing
        {"id": 3, "title": None, "summary": "Workers use chatbots at work to draft emails."},
    ]
    src.write_text("\n".join(json.dumps(x) for x in lines) + "\n\n", encoding="utf-8")
    assert classify_file(src, dst) == 3
    out = [json.loads(line) for line in dst.read_text(encoding="utf-8").splitlines()]
    assert [o["id"] for o in out] == ["x1", "x2", "3"]
    for o in out:
        assert set(o) == {"id", "is_ai_work", "ai_score", "work_score", "topics", "evidence",
                          "probability"}
        assert 0.0 <= o["probability"] <= 1.0  # calibrated P(ai_work) of the learned stage
        for e in o["evidence"]:
            assert set(e) == {"signal", "term", "field", "start", "end", "weight"}
    assert out[0]["is_ai_work"] is True and "displacement" in out[0]["topics"]
    assert out[0]["probability"] > out[1]["probability"]
    assert out[1]["is_ai_work"] is False and out[1]["topics"] == [] and out[1]["evidence"] == []
    e = out[0]["evidence"][0]
    assert lines[0][e["field"]][e["start"] : e["end"]] == e["term"]


def test_classify_file_bad_line_names_the_line_and_leaves_no_output(tmp_path):
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text('{"id": "ok", "title": "fine"}\n{"id": "bad", "title": \n', encoding="utf-8")
    with pytest.raises(JsonlInputError, match="line 2") as info:
        classify_file(src, dst)
    assert isinstance(info.value, ValueError) and info.value.line_no == 2
    assert not dst.exists() and list(tmp_path.iterdir()) == [src]
    src.write_text('["not", "an", "object"]\n', encoding="utf-8")
    with pytest.raises(JsonlInputError, match="line 1"):
        classify_file(src, dst)
    src.write_text('{"id": "x", "title": ["list"]}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="line 1.*title"):
        classify_file(src, dst)


# ------------------------------------------------------------------ evaluation


def _labels(tmp_path: Path) -> Path:
    rows = [
        {"id": "p1", "title": "AI will replace 300 million jobs, Goldman says", "ai": 1, "work": 1,
         "ai_work": 1, "topics": ["displacement"]},
        {"id": "p2", "title": "Workers are using ChatGPT at work, survey finds", "ai": 1, "work": 1,
         "ai_work": 1, "topics": ["adoption"]},
        {"id": "n1", "title": "Nvidia shares hit a record high", "ai": 1, "work": 0, "ai_work": 0, "topics": []},
        {"id": "n2", "title": "Heavy rain expected this weekend", "ai": 0, "work": 0, "ai_work": 0},
        {"id": "fn", "title": "Robots in the kitchen", "ai": 1, "work": 1, "ai_work": 1, "topics": ["wages"]},
    ]
    path = tmp_path / "labels.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def test_evaluate_report_structure_and_math(tmp_path):
    report = evaluate(_labels(tmp_path))
    assert report["items"] == 5 and report["positives"] == 3
    aw = report["ai_work"]
    assert (aw["tp"], aw["fp"], aw["fn"], aw["tn"]) == (2, 0, 1, 2)
    assert aw["precision"] == 1.0 and aw["recall"] == pytest.approx(2 / 3, abs=1e-3)
    assert aw["f1"] == pytest.approx(0.8, abs=1e-3)
    assert report["confusion"] == {"tp": 2, "fp": 0, "fn": 1, "tn": 2}
    assert set(report["topics"]) == set(TOPICS)
    assert report["topics"]["wages"]["fn"] == 1 and report["topics"]["wages"]["f1"] == 0.0
    assert report["topics"]["hiring"]["f1"] is None and "hiring" not in report["topics_in_macro"]
    assert 0.0 <= report["topic_macro_f1"] <= 1.0
    worst = report["worst_misses"]
    assert [m["id"] for m in worst] == ["fn"] and worst[0]["kind"] == "false_negative"
    assert worst[0]["title"] == "Robots in the kitchen" and isinstance(worst[0]["evidence"], list)
    json.dumps(report)  # the CLI prints it as JSON
    text = format_report(report)
    for word in ("ai_work", "displacement", "macro-F1", "worst misses", "Robots in the kitchen"):
        assert word in text


def test_evaluate_rejects_bad_labels(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "a", "title": "x", "ai_work": 1}\n{"id": "b", "title": "y"}\n', encoding="utf-8")
    with pytest.raises(LabelsError, match="line 2"):
        evaluate(path)
    path.write_text('{"id": "a", "title": "x", "ai_work": 1, "topics": ["bogus"]}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="line 1"):
        evaluate(path)
