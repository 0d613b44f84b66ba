"""classifiers/events_sample.py --split test8: feed stratum, even-id replay half, strata by classifier."""

import gzip
import json

from classifiers.events_sample import draw, item_id, plain_text

_RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>Acme to cut 4,000 jobs as AI takes over</title><link>https://x.test/a</link>
<description>&lt;p&gt;Acme &lt;b&gt;said&lt;/b&gt; on Monday it would cut jobs.&lt;/p&gt;</description>
<pubDate>Tue, 03 Feb 2026 10:00:00 GMT</pubDate></item>
<item><title>Weather turns cold</title><link>https://x.test/b</link><description>No AI here? yes: AI</description></item>
<item><title>Zoom lays off staff</title><link>https://x.test/c</link><description>no artificial words</description></item>
<item><title>Acme to cut 4,000 jobs as AI takes over, CEO says</title><link>https://x.test/a</link>
<description>the same link re-titled: drawn once</description></item>
<item><title>Known feed item about AI</title><link>https://x.test/d</link><description>AI</description></item>
</channel></rss>"""


def _url_with_last_hex(parity_even: bool, stem: str) -> str:
    for n in range(1000):
        url = f"https://r.test/{stem}/{n}"
        if (item_id(url)[-1] in "02468ace") == parity_even:
            return url
    raise AssertionError("no url found")


def test_plain_text_strips_html_and_cuts_at_a_word():
    assert plain_text("<p>Acme &amp; Co <b>cut</b>\n jobs</p>") == "Acme & Co cut jobs"
    assert plain_text("alpha beta gamma", limit=12) == "alpha beta"


def test_test8_draws_feeds_and_only_even_replay_ids(tmp_path, monkeypatch):
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    (feeds / "one.xml").write_text(_RSS, encoding="utf-8")
    even_ai, odd_ai = _url_with_last_hex(True, "e"), _url_with_last_hex(False, "o")
    shared_even, shared_odd = _url_with_last_hex(True, "se"), _url_with_last_hex(False, "so")
    rows = [
        {"title": "Acme workers strike over AI use at work", "summary": "", "url": even_ai},
        {"title": "Bolt workers strike over AI use at work", "summary": "", "url": odd_ai},
        {"title": "Syndicated: Acme hires AI staff", "summary": "", "url": shared_even},
        {"title": "Syndicated: Acme hires AI staff", "summary": "", "url": shared_odd},
    ]
    replay = tmp_path / "replay.jsonl.gz"
    with gzip.open(replay, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(json.dumps({**r, "published": "2023-05-01"}) for r in rows) + "\n")

    class AllAIWork:  # stands in for the project's classifier: every replay item is AI×work
        name, version = "stub", "0"

        def classify(self, items):
            return [type("V", (), {"is_ai_work": True})() for _ in items]

    monkeypatch.setattr("classifiers.base.get_classifier", lambda *a, **k: AllAIWork())
    drawn = draw(replay, set(), {"known feed item about ai"}, seed=1,
                 sizes={"F": -1, "X": 50, "Y": 44, "N": 15}, split="test8", feeds=feeds)
    feed = [d for d in drawn if d["sample"] == "F"]
    assert [d["title"] for d in feed] == ["Acme to cut 4,000 jobs as AI takes over", "Weather turns cold"]
    assert feed[0]["summary"] == "Acme said on Monday it would cut jobs."
    assert feed[0]["published"] == "2026-02-03" and feed[0]["id"] == item_id("https://x.test/a", "feed-")
    replay_ids = {d["id"] for d in drawn if d["sample"] != "F"}
    # the odd id is the parallel tuner's, and an even title shared with an odd id is left out
    assert replay_ids == {item_id(even_ai)}
    assert all(d["split"] == "test8" and d["events"] == [] for d in drawn)
