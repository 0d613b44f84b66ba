"""The real ingest flow (Prefect, under the test harness) against the hostile loopback web
(tests/hostile_server.py) plus every case of ../shared/corpus/tricky_feeds: the run finishes in
time with bounded memory, good items all arrive, the SSRF canaries are never hit, and every
failure is recorded with a reason. One ingest serves every test of this module."""

from __future__ import annotations

import asyncio
import contextlib
import json
import resource
import socket
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from extractors import addresses
from extractors.errors import FeedParseError
from extractors.extract import MAX_TEXT_CHARS
from extractors.feeds import parse_feed_bytes
from extractors.types import Feed
from extractors.urls import strip_credentials
from tests.conftest import CORPUS, corpus_path
from tests.hostile_server import (BAD_PAGES, GOOD_TITLES, SKIPPED_LINKS, Canary, HostileSite,
                                  LoopbackServer, TrickyCorpus, ipv6_loopback_available)
from tests.extractors.test_hardening_fetch import canary_spellings
from tests.extractors.test_hardening_parse import has_bad_chars

CONTACT = "https://example.org/workwatch-hardening-test"
FETCH = {"per_host_delay_s": 0.0, "per_host_concurrency": 8, "request_deadline_s": 2.0,
         "connect_timeout_s": 1.0, "read_timeout_s": 1.5, "retries": 1, "backoff_base_s": 0.05,
         "max_retry_after_s": 2.0, "max_feed_bytes": 1_000_000, "max_page_bytes": 1_000_000,
         "contact_url": CONTACT}
RUN_DEADLINE_S = 60  # the ingest alone; about 15 s on an idle 2-core machine
MAX_RSS_GROWTH_MB = 300
HARD_FEEDS = {"hostile-html", "hostile-garbage", "hostile-404", "hostile-endless",
              "hostile-bomb", "hostile-loop", "hostile-to-canary"}
TRANSIENT_FEEDS = {"hostile-503", "hostile-429", "hostile-trickle"}
ERROR_WORDS = {"not_html": "not an HTML page", "robots": "robots.txt disallows",
               "too_large": "cap", "http_error": "", "transient": "", "blocked": "non-public",
               "no_text": "no article text"}


@dataclass
class HostileRun:
    summary: dict
    db: Path
    feeds_toml: Path
    site: HostileSite
    tricky: TrickyCorpus | None
    canaries: list[LoopbackServer]
    seconds: float
    rss_growth_mb: float

    def rows(self, query: str, params: list | None = None) -> list[tuple]:
        con = duckdb.connect(str(self.db), read_only=True)
        try:
            return con.execute(query, params or []).fetchall()
        finally:
            con.close()


@pytest.fixture(scope="module")
def hostile_run(prefect_harness, tmp_path_factory) -> HostileRun:
    from flows.ingest import daily_ingest

    tmp = tmp_path_factory.mktemp("hostile")

    async def offline(host, port):  # names never reach a real resolver in tests
        raise socket.gaierror(socket.EAI_NONAME, f"{host}: no DNS in tests")

    tricky_root = CORPUS / "tricky_feeds"
    with contextlib.ExitStack() as stack:
        patch = stack.enter_context(pytest.MonkeyPatch.context())
        patch.setattr(addresses, "system_resolver", offline)
        canaries = [stack.enter_context(Canary("127.0.0.2"))]
        if ipv6_loopback_available():
            canaries.append(stack.enter_context(Canary("::1")))
        urls = canary_spellings(canaries[0].port) + [c.url("/v6") for c in canaries[1:]]
        site = stack.enter_context(HostileSite(urls))
        tricky = stack.enter_context(TrickyCorpus(tricky_root)) if tricky_root.exists() else None
        feeds_toml = tmp / "feeds.toml"
        feeds_toml.write_text(site.feeds_toml(FETCH) + (tricky.feeds_toml_entries() if tricky else ""),
                              encoding="utf-8")
        db = tmp / "w.duckdb"
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.monotonic()
        summary = asyncio.run(daily_ingest(feeds_path=str(feeds_toml), db_path=str(db),
                                           workers=2, batch_size=25))
        seconds = time.monotonic() - started
        growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
        yield HostileRun(summary, db, feeds_toml, site, tricky, canaries, seconds, growth)


def test_run_finishes_in_time_with_bounded_memory_and_never_touches_the_canaries(hostile_run):
    run = hostile_run
    assert run.summary["status"] == "partial"
    assert run.seconds < RUN_DEADLINE_S, f"ingest took {run.seconds:.0f}s"
    assert run.rss_growth_mb < MAX_RSS_GROWTH_MB, f"max RSS grew {run.rss_growth_mb:.0f} MB"
    for canary in run.canaries:
        assert canary.hits == [], f"canary {canary.host} was hit: {canary.hits}"
    assert "/private/secret.html" not in run.site.hits  # robots.txt forbids it
    assert run.site.hits.count("/robots.txt") == 1  # once per host per run
    agents = {h.headers.get("User-Agent", "") for h in run.site.records}
    assert agents == {f"workwatch/0.1.0 (+{CONTACT})"}


def test_good_items_all_arrive_with_clean_text(hostile_run):
    run = hostile_run
    wanted = {**GOOD_TITLES, **{p: t for p, t in run.site.RECOVERED_FEEDS.values()}}
    stored = {r[0]: r for r in run.rows(
        "SELECT url, title, summary, author, text, truncated FROM articles")}
    for path, title in wanted.items():
        row = stored.get(run.site.url(path))
        assert row is not None, f"{path} did not arrive"
        assert row[1].startswith(title.split(" &")[0])
        assert len(row[4].split()) > 50
        for value in row[1:5]:
            assert value is None or not has_bad_chars(value), path
        json.dumps(row[1:5], ensure_ascii=False).encode("utf-8")  # exports survive
    throttled = run.site.hits_of("/articles/throttled.html")
    assert len(throttled) == 2 and throttled[1].started - throttled[0].started >= 0.95


def test_absurdly_long_text_is_cut_and_flagged(hostile_run):
    rows = dict(hostile_run.rows("SELECT url, truncated FROM articles"))
    long_url = hostile_run.site.url("/articles/long.html")
    assert rows.pop(long_url) is True and not any(rows.values())
    length = hostile_run.rows("SELECT length(text) FROM articles WHERE url = ?", [long_url])
    assert length == [(MAX_TEXT_CHARS,)]


def test_every_bad_page_and_canary_link_is_recorded_with_a_reason(hostile_run):
    run = hostile_run
    errors = {r[0]: r[1:] for r in run.rows(
        "SELECT url, stage, kind, reason, error FROM article_errors")}
    for path, reason in BAD_PAGES.items():
        stage, kind, got, message = errors[run.site.url(path)]
        assert message, path
        if reason is not None:
            assert got == reason, f"{path}: {got} ({message})"
            assert ERROR_WORDS[reason] in message, f"{path}: {message}"
    for url in run.site.canaries:  # recorded without credentials (user:pw@ is never stored)
        stage, kind, reason, message = errors[strip_credentials(url)]
        assert reason in ("blocked", "invalid_url") and kind == "hard", (url, message)
    by_reason = run.summary["errors_by_reason"]
    for reason in set(BAD_PAGES.values()) - {None}:
        assert by_reason.get(reason, 0) >= list(BAD_PAGES.values()).count(reason), reason
    assert sum(by_reason.values()) == run.summary["errors"]


def test_non_http_links_are_skipped_and_counted_on_the_feed_fetch(hostile_run):
    run = hostile_run
    [(warning,)] = run.rows("SELECT warning FROM feed_fetches WHERE feed = 'hostile-good'")
    assert f"{len(SKIPPED_LINKS)} entries skipped" in warning
    assert run.summary["skipped_links"] >= len(SKIPPED_LINKS)
    line = {f["feed"]: f for f in run.summary["feeds"]}["hostile-good"]
    assert line["status"] == "ok" and "skipped" in line["warning"]


def test_failing_feeds_are_recorded_scored_and_backed_off_never_dropped(hostile_run):
    run = hostile_run
    fetches = {r[0]: r[1:] for r in run.rows(
        "SELECT feed, status, error, warning FROM feed_fetches")}
    for name, words in HostileSite.FAILING_FEEDS.items():
        status, error, _ = fetches[name]
        assert status == "error" and words in error, (name, error)
    for name in HostileSite.RECOVERED_FEEDS:
        status, error, warning = fetches[name]
        assert status == "ok" and "malformed" in warning, (name, warning)
    state = {r[0]: r[1:] for r in run.rows(
        "SELECT name, error_score, consecutive_failures, "
        "date_diff('second', last_checked_at, next_check_at), last_error FROM feeds")}
    for name in HARD_FEEDS | TRANSIENT_FEEDS:
        score, failures, backoff_s, last_error = state[name]
        assert score == (3.0 if name in HARD_FEEDS else 1.0), name
        assert failures == 1 and 3500 <= backoff_s <= 3700 and last_error, name
    assert state["hostile-good"][0] == 0 and state["hostile-good"][1] == 0
    assert len(run.site.throttling.hits_of("/feeds/throttled.xml")) == 1  # Retry-After 3600
    assert len(run.site.hits_of("/feeds/unavailable.xml")) == 1 + FETCH["retries"]

    # `workwatch feeds` shows the health of every configured feed, failing ones included
    from cli.main import app

    result = CliRunner().invoke(app, ["feeds", "--db", str(run.db), "--feeds", str(run.feeds_toml),
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    by_name = {row["feed"]: row for row in json.loads(result.output)}
    assert by_name["hostile-404"]["error_score"] == 3.0
    assert by_name["hostile-503"]["error_score"] == 1.0
    assert by_name["hostile-404"]["next_check_at"]


def test_every_tricky_corpus_feed_is_parsed_or_fails_with_a_reason(hostile_run):
    root = corpus_path("tricky_feeds")
    tricky = hostile_run.tricky
    assert tricky is not None and len(tricky.cases) >= 60
    fetches = {r[0]: r[1:] for r in hostile_run.rows(
        "SELECT feed, status, items, error FROM feed_fetches WHERE feed LIKE 'tricky-%'")}
    assert set(fetches) == set(tricky.cases)
    for name, rel in tricky.cases.items():
        status, items, error = fetches[name]
        route = tricky.routes["/" + rel]
        headers = route(None).headers
        ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
        feed = Feed(name=name, url=tricky.url("/" + rel), outlet="Tricky")
        try:
            expected = len(parse_feed_bytes((root / rel).read_bytes(), feed,
                                            base_url=feed.url, content_type=ctype).items)
        except FeedParseError:
            expected = None
        if expected is None:
            assert status == "error" and error, name
        else:
            assert status == "ok" and items == expected, (name, status, items, expected, error)
