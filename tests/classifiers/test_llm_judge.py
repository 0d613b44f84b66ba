"""The optional LLM judge (issue 17), against a loopback OpenAI-compatible server."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from classifiers.base import get_classifier
from classifiers.llm import LLMError, LLMJudge, parse_answer, request_text
from extractors.config import parse_config
from extractors.errors import ConfigError
from extractors.llm_settings import LLMSettings, with_environment
from extractors.types import TextItem
from tests.conftest import corpus_path
from tests.llm_server import LLMServer

JOBS = TextItem("jobs", "Bank cuts 4,000 jobs as AI chatbots replace call-centre staff",
                "The bank said generative AI tools would take over customer service work, "
                "and it will retrain some employees for new roles.", "")
HIRING = TextItem("hiring", "Tech firms fight over AI talent with record pay packages",
                  "Salaries for machine learning engineers rose again as companies hire.", "")
SPORT = TextItem("sport", "Local football team wins the county cup after extra time",
                 "Fans celebrated in the town square until late.", "")
WEATHER = TextItem("weather", "Storm brings heavy rain to the coast", "Roads were closed.", "")

POSITIVE = {"ai": True, "work": True, "ai_work": True, "topics": ["displacement", "skills"]}


def settings(server: LLMServer, **kw) -> LLMSettings:
    base = LLMSettings(base_url=server.base_url, model="test-model", api_key="sk-test",
                       backoff_base_s=0.01, backoff_max_s=0.05, timeout_s=5.0)
    return replace(base, **kw)


def judge_for(server: LLMServer, **kw) -> LLMJudge:
    return LLMJudge(settings(server, **kw))


def test_protocol_json_answer_and_quotes_as_evidence():
    with LLMServer() as server:
        judge = judge_for(server)
        server.answers[request_text(JOBS, judge.settings.max_body_chars)] = POSITIVE
        out = judge.classify([JOBS, SPORT])
        body = server.requests[0]
        assert len(server.requests) == 1  # the sport story is not a candidate
        assert body["model"] == "test-model" and body["temperature"] == 0.0
        assert body["response_format"] == {"type": "json_object"}
        assert body["messages"][0]["role"] == "system"
        assert "ai_work" in body["messages"][0]["content"]
        assert body["messages"][1]["content"].startswith("Title: Bank cuts 4,000 jobs")
        assert server.authorization[0] == "Bearer sk-test"
    c = out[0]
    assert (c.classifier, c.is_ai_work, c.topics) == ("llm", True, ("displacement", "skills"))
    assert c.version == f"llm:test-model:{judge.prompt_version}+{get_classifier().version}"
    assert c.evidence and all(e.signal == "llm" for e in c.evidence)
    for e in c.evidence:
        assert getattr(JOBS, e.field)[e.start:e.end] == e.term
    assert out[1].classifier == "llm" and not out[1].is_ai_work  # offline verdict, relabelled
    assert judge.stats.as_dict() == {"items": 2, "candidates": 1, "cache_hits": 0, "sent": 1,
                                     "requests": 1, "judged": 1, "fallbacks": {}}


def test_the_model_can_overrule_the_offline_verdict():
    offline = get_classifier().classify([JOBS])[0]
    assert offline.is_ai_work
    with LLMServer() as server:
        judge = judge_for(server)
        server.answers[request_text(JOBS, 1500)] = {"ai": True, "work": False, "ai_work": False,
                                                    "topics": ["hiring"]}
        c = judge.classify([JOBS])[0]
    assert not c.is_ai_work and c.topics == () and c.ai_score >= 0.5 and c.work_score < 0.5


def test_prose_and_a_server_without_json_mode():
    with LLMServer() as server:
        server.json_mode = False
        judge = judge_for(server, concurrency=1)  # with more, each thread in flight asks once
        for it in (JOBS, HIRING):
            server.answers[request_text(it, 1500)] = POSITIVE
        out = judge.classify([JOBS, HIRING])
        assert [c.is_ai_work for c in out] == [True, True]
        assert judge.client.json_mode is False  # asked once, then plain for the rest of the run
        assert sum("response_format" in r for r in server.requests) == 1
        assert judge.stats.requests == 3


@pytest.mark.parametrize("content", [
    '```json\n{"ai": 1, "work": 1, "ai_work": 1, "topics": "hiring, wages", "quotes": "x y z"}\n```',
    'Verdict: {"AI_WORK": "yes", "topics": ["Hiring", "wages", "robots"], "quotes": ["x y z"]} done',
])
def test_defensive_parsing(content):
    a = parse_answer(content)
    assert a.ai_work and a.ai and a.work and a.topics == ("hiring", "wages")
    assert a.quotes == ("x y z",)


def test_parse_rejects_what_is_not_an_answer():
    assert parse_answer("yes, it is about AI and jobs") is None
    assert parse_answer('{"verdict": true}') is None
    assert parse_answer('{"ai_work": "maybe"}') is None


def test_garbage_and_invented_quotes_keep_the_offline_verdict():
    offline = get_classifier().classify([JOBS, HIRING])
    with LLMServer() as server:
        server.default = {"ai": False, "work": False, "ai_work": False, "topics": []}
        server.script = ["garbage", "invented"]
        judge = judge_for(server, concurrency=1)
        out = judge.classify([JOBS, HIRING])
    assert [c.is_ai_work for c in out] == [c.is_ai_work for c in offline]
    assert [c.evidence for c in out] == [c.evidence for c in offline]
    assert judge.stats.fallbacks == {"invalid_answer": 1, "no_verified_quote": 1}
    assert judge.stats.judged == 0


def test_429_and_500_are_retried_then_give_up():
    with LLMServer() as server:
        server.script = [429, 503]
        server.retry_after = "0"
        judge = judge_for(server, retries=2)
        server.answers[request_text(JOBS, 1500)] = POSITIVE
        assert judge.classify([JOBS])[0].classifier == "llm"
        assert judge.stats.requests == 3 and judge.stats.judged == 1

        server.script = [500, 500, 500]
        judge = judge_for(server, retries=2)
        c = judge.classify([HIRING])[0]
        assert judge.stats.fallbacks == {"error": 1} and judge.stats.requests == 3
        assert c.is_ai_work == get_classifier().classify([HIRING])[0].is_ai_work


def test_timeouts_and_a_dead_server_never_crash_a_run():
    with LLMServer() as server:
        server.script = ["slow", "slow"]
        server.slow_s = 1.5
        judge = judge_for(server, timeout_s=0.3, retries=1)
        c = judge.classify([JOBS])[0]
        assert judge.stats.fallbacks == {"timeout": 1} and c.classifier == "llm"
        dead = LLMSettings(base_url="http://127.0.0.1:9/v1", model="m", retries=1,
                           backoff_base_s=0.01, timeout_s=1)
    judge = LLMJudge(dead)
    assert judge.classify([JOBS, SPORT])[1].item_id == "sport"
    assert judge.stats.fallbacks == {"error": 1}


def test_auth_failure_stops_sending_for_the_run():
    with LLMServer() as server:
        judge = judge_for(server, base_url=server.base_url + "/wrong", concurrency=1)  # 404
        judge.classify([JOBS, HIRING, JOBS])
        assert len(server.requests) == 1  # no point sending more after a 404
    assert judge.stats.fallbacks == {"error": 3}  # items (JOBS twice, one request's answer)


def test_cache_hits_and_nothing_twice(tmp_path):
    from warehouse.llm_cache import WarehouseCache

    db = tmp_path / "w.duckdb"
    with LLMServer() as server:
        server.answers[request_text(JOBS, 1500)] = POSITIVE
        judge = LLMJudge(settings(server), cache=WarehouseCache(db))
        first = judge.classify([JOBS, HIRING, JOBS])  # the same item twice: sent once
        assert len(server.requests) == 2 and judge.stats.sent == 2
        again = LLMJudge(settings(server), cache=WarehouseCache(db))  # a new run, same warehouse
        second = again.classify([JOBS, HIRING])
        assert len(server.requests) == 2
        assert again.stats.cache_hits == 2 and again.stats.sent == 0
        other = LLMJudge(settings(server, model="another-model"), cache=WarehouseCache(db))
        other.classify([JOBS])
        assert len(server.requests) == 3  # the cache key has the model in it
    assert second[0] == first[0]
    assert WarehouseCache(db).count() == 3


def test_budget_limits_requests_per_run():
    items = [replace(JOBS, id=f"j{i}", title=f"{JOBS.title} (part {i})") for i in range(5)]
    with LLMServer() as server:
        judge = judge_for(server, budget=2, concurrency=2)
        judge.classify(items)
        assert len(server.requests) == 2
    assert judge.stats.sent == 2 and judge.stats.fallbacks == {"over_budget": 3}
    judge.reset()
    assert judge.stats.requests == 0 and judge.client.requests == 0


def test_settings_from_feeds_toml_and_environment():
    cfg = parse_config('[classifier.llm]\nbase_url = "http://127.0.0.1:8080/v1"\n'
                       'model = "qwen"\nbudget = 10\ntimeout_s = "30"\n')
    assert (cfg.llm.base_url, cfg.llm.model, cfg.llm.budget, cfg.llm.timeout_s) == \
        ("http://127.0.0.1:8080/v1", "qwen", 10, 30.0)
    env = {"WORKWATCH_LLM_MODEL": "llama3", "WORKWATCH_LLM_API_KEY": "sk-secret-9"}
    s = with_environment(cfg.llm, env)
    assert (s.model, s.api_key, s.base_url) == ("llama3", "sk-secret-9", "http://127.0.0.1:8080/v1")
    assert "sk-secret-9" not in repr(s)
    for bad in ('budget = "lots"', "concurrency = 0", 'base_url = "ftp://x"', "colour = 1"):
        with pytest.raises(ConfigError, match=r"feeds.toml:1: \[classifier.llm\]"):
            parse_config(f"[classifier.llm]\n{bad}\n")
    assert not parse_config("").llm.enabled
    with pytest.raises(LLMError, match="not configured"):
        LLMJudge(LLMSettings())


def _run(args, env):
    from cli.main import app

    return CliRunner().invoke(app, args, env=env)


def _clean_env(monkeypatch, tmp_path):
    for name in ("WORKWATCH_LLM_BASE_URL", "WORKWATCH_LLM_MODEL", "WORKWATCH_LLM_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no feeds.toml here


def test_cli_llm_without_a_base_url_is_one_line(monkeypatch, tmp_path):
    _clean_env(monkeypatch, tmp_path)
    items = tmp_path / "items.jsonl"
    items.write_text(json.dumps({"id": "a", "title": JOBS.title}) + "\n")
    r = _run(["classify", "--classifier", "llm", "-i", str(items), "-o", str(tmp_path / "o.jsonl")], {})
    assert r.exit_code == 1
    assert "WORKWATCH_LLM_BASE_URL" in r.output and "Traceback" not in r.output
    assert not (tmp_path / "o.jsonl").exists()


def test_offline_path_unchanged_without_llm(monkeypatch, tmp_path):
    _clean_env(monkeypatch, tmp_path)
    items = tmp_path / "items.jsonl"
    items.write_text("".join(json.dumps({"id": it.id, "title": it.title, "summary": it.summary}) + "\n"
                             for it in (JOBS, HIRING, SPORT, WEATHER)))
    r = _run(["classify", "-i", str(items), "-o", str(tmp_path / "o.jsonl")], {})
    assert r.exit_code == 0, r.output
    got = [json.loads(x) for x in (tmp_path / "o.jsonl").read_text().splitlines()]
    want = get_classifier().classify([JOBS, HIRING, SPORT, WEATHER])
    assert [g["is_ai_work"] for g in got] == [c.is_ai_work for c in want]
    assert "llm judge" not in r.output
    assert not (tmp_path / "data").exists()  # no warehouse made for an offline classify


def test_cli_classify_with_the_judge(monkeypatch, tmp_path):
    _clean_env(monkeypatch, tmp_path)
    items = tmp_path / "items.jsonl"
    items.write_text("".join(json.dumps({"id": it.id, "title": it.title, "summary": it.summary}) + "\n"
                             for it in (JOBS, SPORT)))
    with LLMServer() as server:
        server.answers[request_text(TextItem("jobs", JOBS.title, JOBS.summary), 1500)] = POSITIVE
        env = {"WORKWATCH_LLM_BASE_URL": server.base_url, "WORKWATCH_LLM_MODEL": "m"}
        db = str(tmp_path / "cache.duckdb")
        r = _run(["classify", "--classifier", "llm", "--db", db, "-i", str(items), "-o",
                  str(tmp_path / "o.jsonl")], env)
        assert r.exit_code == 0, r.output
        assert "1 candidates of 2 items; 0 from cache, 1 sent" in r.output
        r = _run(["classify", "--classifier", "llm", "--db", db, "-i", str(items), "-o",
                  str(tmp_path / "o.jsonl")], env)
        assert "1 from cache, 0 sent" in r.output
        assert len(server.requests) == 1
    got = [json.loads(x) for x in (tmp_path / "o.jsonl").read_text().splitlines()]
    assert got[0]["topics"] == ["displacement", "skills"]
    assert got[0]["evidence"][0]["signal"] == "llm"


def test_correct_judge_reproduces_the_labels(monkeypatch, tmp_path):
    """With a judge that answers from the labels, eval --classifier llm on dev reproduces
    them exactly (every dev positive is a candidate), sends only candidates, and a second
    run sends nothing."""
    from classifiers.evaluate import load_labels

    dev = corpus_path("labels", "dev.jsonl")
    _clean_env(monkeypatch, tmp_path)
    rows = load_labels(dev)
    judge0 = LLMJudge(LLMSettings(base_url="http://127.0.0.1:9/v1", model="m"))
    candidates = {it.id for it in (it for it, _ in rows) if judge0.is_candidate(it)}
    answers = {request_text(it, 1500): {"ai": g["ai"], "work": g["work"],
                                        "ai_work": g["ai_work"], "topics": sorted(g["topics"])}
               for it, g in rows}
    with LLMServer(answers) as server:
        env = {"WORKWATCH_LLM_BASE_URL": server.base_url, "WORKWATCH_LLM_MODEL": "oracle"}
        db = str(tmp_path / "w.duckdb")
        r = _run(["eval", "--classifier", "llm", "--db", db, "--json", str(dev)], env)
        assert r.exit_code == 0, r.output
        report = json.loads(r.stdout.splitlines()[0])
        sent = {m["messages"][1]["content"] for m in server.requests}
        assert sent == {request_text(it, 1500) for it, _ in rows if it.id in candidates}
        assert report["llm"]["sent"] == len(sent) and report["llm"]["judged"] == len(candidates)
        assert report["confusion"]["fp"] == 0 and report["confusion"]["fn"] == 0
        assert all(t["fp"] == 0 and t["fn"] == 0 for t in report["topics"].values())
        n = len(server.requests)
        r = _run(["eval", "--classifier", "llm", "--db", db, "--json", str(dev)], env)
        assert r.exit_code == 0, r.output
        assert len(server.requests) == n
        again = json.loads(r.stdout.splitlines()[0])
        assert again["llm"]["sent"] == 0 and again["llm"]["cache_hits"] == len(candidates)
        assert again["confusion"] == report["confusion"]


def test_reclassify_with_the_judge(monkeypatch, tmp_path):
    import duckdb

    from tests.cli.test_labels import STORIES, _article
    from warehouse.db import write_connection
    from warehouse.load import load_batch

    _clean_env(monkeypatch, tmp_path)
    db = tmp_path / "w.duckdb"
    arts = [_article(*s) for s in STORIES]
    items = [TextItem(a.article_id, a.title, a.summary, a.text) for a in arts]
    with write_connection(db) as con:
        load_batch(con, "run-1", arts, get_classifier().classify(items))
    bank = items[0]  # the only candidate; the model overrules the offline "AI×work"
    with LLMServer() as server:
        server.answers[request_text(bank, 1500)] = {"ai": True, "work": True, "ai_work": False,
                                                    "topics": []}
        env = {"WORKWATCH_LLM_BASE_URL": server.base_url, "WORKWATCH_LLM_MODEL": "m"}
        r = _run(["reclassify", "--classifier", "llm", "--db", str(db), "--json"], env)
        assert r.exit_code == 0, r.output
        s = json.loads(r.stdout.splitlines()[0])
        assert (s["scored"], s["current"]) == (3, True)
        judge0 = LLMJudge(LLMSettings(base_url="http://127.0.0.1:9/v1", model="m"))
        assert [judge0.is_candidate(it) for it in items] == [True, False, False]
        assert len(server.requests) == 1
        n = len(server.requests)
        r = _run(["reclassify", "--classifier", "llm", "--db", str(db), "--json", "--all"], env)
        assert r.exit_code == 0, r.output
        assert json.loads(r.stdout.splitlines()[0])["llm"]["sent"] == 0 and len(server.requests) == n
        assert _run(["reclassify", "--classifier", "nope", "--db", str(db)], env).exit_code == 2
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = dict(con.execute("SELECT article_id, classifier FROM stories").fetchall())
        bank_row = con.execute("SELECT is_ai_work, topics, classifier_version FROM stories "
                               "WHERE article_id = ?", [bank.id]).fetchone()
    finally:
        con.close()
    assert set(rows.values()) == {"llm"}
    assert bank_row == (False, [], judge0.version)
    assert get_classifier().classify([bank])[0].is_ai_work  # it was AI×work offline


def test_after_ingest_judges_the_run_only_when_configured(monkeypatch, tmp_path):
    import duckdb

    from flows.llm_reclassify import after_ingest_judge
    from tests.cli.test_labels import STORIES, _article
    from warehouse.db import write_connection
    from warehouse.load import load_batch

    _clean_env(monkeypatch, tmp_path)
    db = tmp_path / "w.duckdb"
    arts = [_article(*s) for s in STORIES]
    items = [TextItem(a.article_id, a.title, a.summary, a.text) for a in arts]
    with write_connection(db) as con:
        load_batch(con, "run-1", arts, get_classifier().classify(items))

    def classifiers_shown():
        con = duckdb.connect(str(db), read_only=True)
        try:
            return dict(con.execute("SELECT article_id, classifier FROM stories").fetchall())
        finally:
            con.close()

    offline = classifiers_shown()
    assert after_ingest_judge(db, tmp_path / "feeds.toml", "run-1") is None  # not configured
    assert classifiers_shown() == offline
    # a dead endpoint: the run still ends, the offline verdicts stay, the failure is counted
    monkeypatch.setenv("WORKWATCH_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("WORKWATCH_LLM_MODEL", "m")
    (tmp_path / "feeds.toml").write_text("[classifier.llm]\nretries = 0\ntimeout_s = 2\n")
    judged = after_ingest_judge(db, tmp_path / "feeds.toml", "run-1")
    # the failed candidate keeps no row of the judge's version: the next run asks again
    assert judged["fallbacks"] == {"error": 1} and judged["scored"] == 2
    with LLMServer() as server:
        server.answers[request_text(items[0], 1500)] = {"ai": True, "work": True,
                                                        "ai_work": False, "topics": []}
        monkeypatch.setenv("WORKWATCH_LLM_BASE_URL", server.base_url)
        judged = after_ingest_judge(db, tmp_path / "feeds.toml", "run-1")
        assert (judged["scored"], judged["sent"], judged["judged"]) == (1, 1, 1)
        assert after_ingest_judge(db, tmp_path / "feeds.toml", "run-1")["scored"] == 0
    assert set(classifiers_shown().values()) == {"llm"}


def test_a_broken_cache_costs_requests_not_the_run():
    class Broken:
        def get(self, keys):
            raise OSError("locked")

        def put(self, rows):
            raise OSError("locked")

    with LLMServer() as server:
        server.answers[request_text(JOBS, 1500)] = POSITIVE
        judge = LLMJudge(settings(server), cache=Broken())
        assert judge.classify([JOBS])[0].evidence[0].signal == "llm"
    assert judge.stats.cache_errors == 2 and "2 cache errors" in judge.stats.line()


def test_a_new_offline_model_is_a_new_judge_version_served_from_the_cache(tmp_path):
    from warehouse.llm_cache import WarehouseCache

    db = tmp_path / "w.duckdb"
    with LLMServer() as server:
        server.answers[request_text(JOBS, 1500)] = POSITIVE
        first = LLMJudge(settings(server), cache=WarehouseCache(db))
        first.classify([JOBS])
        other = LLMJudge(settings(server), cache=WarehouseCache(db),
                         offline=get_classifier("rules"))
        c = other.classify([JOBS])[0]
        assert len(server.requests) == 1 and other.stats.cache_hits == 1
    assert other.version != first.version and other.prompt_version == first.prompt_version
    assert c.version.endswith("+" + get_classifier("rules").version) and c.is_ai_work


def test_backfill_classifier_option(monkeypatch, tmp_path):
    from tests.cli.test_labels import STORIES, _article
    from warehouse.db import write_connection
    from warehouse.load import load_batch

    _clean_env(monkeypatch, tmp_path)
    db = tmp_path / "w.duckdb"
    arts = [_article(*s) for s in STORIES]
    with write_connection(db) as con:
        load_batch(con, "run-1", arts, get_classifier().classify(
            [TextItem(a.article_id, a.title, a.summary, a.text) for a in arts]))
    urls = tmp_path / "u.txt"
    urls.write_text("https://example.org/a\n")
    # checked before any flow starts: one line, no Prefect
    r = _run(["backfill", "--urls", str(urls), "--classifier", "llm", "--db", str(db)], {})
    assert r.exit_code == 1 and "not configured" in r.output and "Traceback" not in r.output
    r = _run(["backfill", "--urls", str(urls), "--classifier", "gpt", "--db", str(db)], {})
    assert r.exit_code == 2
    with LLMServer() as server:
        env = {"WORKWATCH_LLM_BASE_URL": server.base_url, "WORKWATCH_LLM_MODEL": "m"}
        r = _run(["backfill", "--source", "reclassify", "--classifier", "llm", "--db", str(db),
                  "--json"], env)
        assert r.exit_code == 0, r.output
        assert json.loads(r.stdout.splitlines()[0])["scored"] == 3
        assert len(server.requests) == 1


def test_a_dead_server_is_given_up_for_the_run():
    items = [replace(JOBS, id=f"j{i}", title=f"{JOBS.title} (part {i})") for i in range(12)]
    judge = LLMJudge(LLMSettings(base_url="http://127.0.0.1:9/v1", model="m", retries=1,
                                 backoff_base_s=0.01, concurrency=1))
    judge.classify(items)
    assert judge.stats.requests == 5 * 2  # five items, two attempts each; then no more
    assert judge.stats.fallbacks == {"error": 12} and judge.stats.sent == 5
