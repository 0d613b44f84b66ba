"""The rule classifier against the hand-labelled items of ../shared/corpus/labels/dev.jsonl
(skipped when the shared corpus is absent)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from classifiers.base import get_classifier
from classifiers.evaluate import evaluate, format_report, load_labels

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
DEV = CORPUS / "labels" / "dev.jsonl"

AI_WORK_F1_TARGET = 0.92
TOPIC_MACRO_F1_TARGET = 0.75


@pytest.fixture(scope="module")
def dev_path() -> Path:
    if not DEV.exists():
        pytest.skip(f"shared corpus not available ({DEV})")
    return DEV


@pytest.fixture(scope="module")
def report(dev_path) -> dict:
    return evaluate(dev_path)


def test_dev_ai_work_f1_meets_target(report):
    assert report["items"] >= 200
    assert report["ai_work"]["f1"] >= AI_WORK_F1_TARGET, format_report(report)


def test_dev_topic_macro_f1_meets_target(report):
    assert len(report["topics_in_macro"]) == 7
    assert report["topic_macro_f1"] >= TOPIC_MACRO_F1_TARGET, format_report(report)


def test_dev_report_has_all_parts(report):
    for key in ("ai", "work", "ai_work"):
        assert report[key]["f1"] is not None
    assert sum(report["confusion"].values()) == report["items"]
    assert len(report["worst_misses"]) <= 10
    assert "ai_work" in format_report(report)
    json.dumps(report)


def test_seed_rco_news_is_ai_work_with_skills_and_careers(dev_path):
    rows = {item.id: (item, gold) for item, gold in load_labels(dev_path)}
    if "seed-rco-news" not in rows:
        pytest.skip("seed-rco-news not in dev.jsonl")
    item, gold = rows["seed-rco-news"]
    c = get_classifier().classify([item])[0]
    assert c.is_ai_work and c.is_ai and c.is_work
    assert {"skills", "careers"} <= set(c.topics)
    for e in c.evidence:
        assert getattr(item, e.field)[e.start : e.end] == e.term
