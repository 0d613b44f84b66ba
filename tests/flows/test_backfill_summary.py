"""The fetching backfill's summary (flows.backfill.BackfillSummary): a frozen record whose
JSON keeps the keys and order `workwatch backfill --json` printed as a dict."""

from __future__ import annotations

import dataclasses
import json

import pytest

from extractors.types import ArticleError
from flows.backfill import BackfillSummary, Tally, fetching_summary

# the order `workwatch backfill --json` printed when the summary was a dict (before run_id ...)
KEYS = ["status", "outlets_ok", "outlets_failed", "units", "units_resumed", "listed", "undated",
        "selected", "already_stored", "fetched", "new_articles", "ai_work", "out_of_range",
        "errors", "unit_errors", "article_errors"]


def tally(unit_errors: int, article_errors: int, ok: set[str], failed: set[str]) -> Tally:
    t = Tally(units=7, units_resumed=2, listed=40, undated=3, selected=30, already_stored=5,
              fetched=24, new_articles=20, ai_work=6, out_of_range=4,
              ok_scopes=set(ok), failed_scopes=set(failed))
    t.unit_errors.extend({"scope": "a.example", "url": f"https://a.example/sitemap-{i}.xml",
                          "stage": "sitemap", "error": "HTTP 500"} for i in range(unit_errors))
    t.article_errors.extend(
        ArticleError(f"id{i}", f"https://b.example/{i}", "b", "fetch", "permanent", "http_404",
                     "HTTP 404") for i in range(article_errors))
    return t


def test_json_keeps_keys_order_and_values():
    t = tally(1, 60, ok={"b.example"}, failed={"a.example"})
    summary = fetching_summary(t)
    got = summary.as_dict()
    assert list(got) == KEYS
    assert json.loads(json.dumps(got)) == got  # plain JSON values only
    assert got["status"] == "partial" and got["errors"] == 61
    assert (got["outlets_ok"], got["outlets_failed"]) == (1, 1)
    assert {k: got[k] for k in KEYS[3:13]} == {k: getattr(t, k) for k in KEYS[3:13]}
    assert got["unit_errors"] == t.unit_errors
    assert len(got["article_errors"]) == 50  # the first 50 of 60
    assert got["article_errors"][0] == {"url": "https://b.example/0", "stage": "fetch",
                                        "kind": "permanent", "error": "HTTP 404"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        summary.status = "ok"  # type: ignore[misc]


@pytest.mark.parametrize("unit_errors, ok, failed, status", [
    (0, set(), set(), "ok"),
    (2, set(), {"a.example"}, "failed"),
    (2, {"b.example"}, {"a.example"}, "partial"),
])
def test_status(unit_errors, ok, failed, status):
    summary = fetching_summary(tally(unit_errors, 0, ok, failed))
    assert isinstance(summary, BackfillSummary) and summary.status == status
