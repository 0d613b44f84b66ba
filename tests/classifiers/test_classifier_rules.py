"""One test per generic rule category of the codebook (issue 13, lexicon 1.2.0).

Each case is written for the category, not copied from a labelled set; the rule classifier
is tested directly (the learned stage sits on top of it)."""

from __future__ import annotations

import pytest

from classifiers.base import get_classifier
from extractors.types import TextItem


@pytest.fixture(scope="module")
def rules():
    return get_classifier("rules")


def verdict(rules, title: str, summary: str = ""):
    item = TextItem("t", title, summary, "")
    c = rules.classify([item])[0]
    for e in c.evidence:
        assert getattr(item, e.field)[e.start : e.end] == e.term
    return c


def test_negative_cue_cannot_veto_an_explicit_ai_work_frame(rules):
    # finance and launch words beside "replace ... workers" / "cuts jobs, citing AI"
    c = verdict(rules, "Retailer launches AI chatbot to replace 500 call centre workers; shares jump",
                "Investors cheered the plan, sending the stock up 8% in premarket trading as revenue beat.")
    assert c.is_ai_work and "displacement" in c.topics
    # without a frame the same finance words still keep a stock story out
    assert not verdict(rules, "AI chipmaker shares jump as investors cheer revenue",
                       "The stock rose 8% on Wall Street; the company employs 20,000 workers.").is_ai_work


def test_robots_and_automation_count_as_ai_only_with_ai_framing(rules):
    assert not verdict(rules, "Tesla workers report injuries from a factory robot",
                       "Staff at the Texas plant described accidents on the line.").is_ai_work
    assert not verdict(rules, "'I am not a robot': warehouse workers strike over pay",
                       "Hundreds of workers walked out over pay and conditions.").is_ai_work
    # framed as the automation wave that takes or changes jobs: AI x work
    assert verdict(rules, "Robots will replace 20,000 warehouse workers, study finds",
                   "Automation threatens jobs in logistics.").is_ai_work
    assert verdict(rules, "Fear of humanoid robots spurs workers to strike at car plant").is_ai_work


def test_job_idioms_are_not_work(rules):
    for title in ("The chatbot did a good job summarising the report",
                  "ChatGPT's next job: planning your holiday",
                  "Bad actors are using AI to write phishing emails"):
        c = verdict(rules, title, "OpenAI's assistant handled it.")
        assert not c.is_ai_work, title
    assert verdict(rules, "AI is doing the job of 700 customer service agents at Klarna").is_ai_work


def test_unions_guilds_and_contracts_with_ai_clauses(rules):
    c = verdict(rules, "Writers Guild contract sets rules on AI",
                "The deal bars studios from using AI to write or rewrite scripts.")
    assert c.is_ai_work and "policy" in c.topics
    c = verdict(rules, "Actors' union reaches deal with studios including AI protections",
                "SAG-AFTRA members will vote on the contract.")
    assert c.is_ai_work and "policy" in c.topics


def test_workplace_ai_tool_launch_is_a_launch_unless_about_workers(rules):
    assert not verdict(rules, "Zoom unveils an AI-powered collaborative workplace suite",
                       "Think shared documents with AI features built in.").is_ai_work
    assert not verdict(rules, "Notion launches AI assistant for workplace productivity",
                       "The new feature summarises pages and drafts tasks.").is_ai_work
    # the same launch, framed around employees' use of it, is AI x work
    assert verdict(rules, "Bank rolls out ChatGPT to 40,000 employees",
                   "Staff will use the AI assistant at work to draft reports.").is_ai_work


@pytest.mark.parametrize("title", [
    "Baristas replaced by AI robot arms at coffee chain",
    "Paralegals fear ChatGPT will draft their contracts",
    "Radiologists and AI: who reads the scan?",
    "Voice actors say AI clones are taking their work",
    "Call centre agents coached by AI in real time",
])
def test_occupations_by_name_count_as_work(rules, title):
    c = verdict(rules, title)
    assert c.is_work and c.is_ai_work, title
