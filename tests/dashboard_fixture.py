"""A small, hand-made warehouse for the dashboard tests, loaded with the real load_batch.

Three outlets, ten articles over three weeks of March 2026 (one syndicated pair, so nine
stories), and nineteen daily runs of feed fetches with known errors and a skipped day.

Expected figures (counting stories, near-duplicates once):
    stories 9, AI×work stories 6, share 66.7 %;
    weeks of 2 Mar / 9 Mar / 16 Mar: AI×work 2 / 2 / 2 of 3 / 3 / 3 stories.
    courier: errors on 10, 19 and 20 March, 2 failures in a row at the end;
    lens: skipped (no fetch) on 16 March; ledger: fetched fine every day.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from extractors.types import Article, Classification, Evidence, Feed, article_id_for
from warehouse.db import write_connection
from warehouse.load import load_batch, sync_feeds
from warehouse.runs import FeedResult, finish_run, record_feed_results, start_run

SCRIPT_TITLE = "<script>alert(1)</script> Union sues over AI shift scheduling"
MARKDOWN_TITLE = "[Click here](javascript:alert(2)) **AI** assistants reshape office work"
PLAIN_TITLE = "Warehouse robots replace night-shift pickers"
FEEDS = (
    Feed("ledger", "http://127.0.0.1:1/ledger.xml", "Daily Ledger"),
    Feed("courier", "http://127.0.0.1:1/courier.xml", "Metro Courier"),
    Feed("lens", "http://127.0.0.1:1/lens.xml", "Labor Lens"),
)
OUTLET = {f.name: f.outlet for f in FEEDS}

STORIES = 9
AI_WORK = 6
SHARE = "66.7 %"
COURIER_ERRORS = 3
COURIER_FAILURES_IN_A_ROW = 2
FIRST_DAY = datetime(2026, 3, 2)
LAST_DAY = datetime(2026, 3, 20)

# Distinct vocabularies keep unrelated articles apart when near-duplicates are clustered.
_WORDS = ("harbour quarterly lantern meadow copper violin glacier orchard tundra saffron "
          "pillar canyon falcon marble quartz ribbon thistle walnut zephyr anchor basalt "
          "cobalt dune ember fjord garnet hazel iris juniper kelp lagoon mosaic nectar "
          "opal prairie quill russet sierra timber umber velvet willow yarrow zinnia").split()


@dataclass(frozen=True)
class Spec:
    feed: str
    when: datetime
    title: str
    topics: tuple[str, ...] = ()
    ai_work: bool = False
    text_seed: int = 0
    url: str | None = None


SPECS = (
    Spec("ledger", datetime(2026, 3, 2, 9), PLAIN_TITLE, ("displacement",), True, 1),
    Spec("ledger", datetime(2026, 3, 3, 9), "City council approves harbour budget", (), False, 2),
    Spec("courier", datetime(2026, 3, 4, 9), "Banks hire prompt engineers and retrain tellers",
         ("hiring", "skills"), True, 3),
    Spec("courier", datetime(2026, 3, 10, 9), SCRIPT_TITLE, ("policy",), True, 4),
    Spec("lens", datetime(2026, 3, 11, 9), "Spring fair draws record crowds", (), False, 5),
    Spec("lens", datetime(2026, 3, 12, 9), "Pay gap widens as AI tools spread", ("wages",), True, 6),
    Spec("ledger", datetime(2026, 3, 17, 9), MARKDOWN_TITLE, ("adoption",), True, 7,
         url="javascript:alert(3)"),
    Spec("courier", datetime(2026, 3, 18, 9), "Careers in the age of AI: a field guide",
         ("careers",), True, 8),
    Spec("lens", datetime(2026, 3, 18, 15), "Careers in the age of AI: a field guide",
         ("careers",), True, 8),  # a syndicated copy of the courier story
    Spec("courier", datetime(2026, 3, 20, 9), "Tram line reopens after repairs", (), False, 10),
)


def text_for(seed: int) -> str:
    """A few sentences of words unique to this seed (same seed: same text)."""
    words = [_WORDS[(seed * 7 + i * (seed + 3)) % len(_WORDS)] + str(seed * 100 + i) for i in range(60)]
    return " ".join(words) + ". Artificial intelligence and workers."


def article_of(spec: Spec) -> Article:
    slug = hashlib.sha1(f"{spec.feed}{spec.title}".encode()).hexdigest()[:10]
    url = spec.url or f"https://{spec.feed}.example/news/{slug}"
    text = text_for(spec.text_seed)
    return Article(
        article_id=article_id_for(url), url=url, canonical_url=url, feed=spec.feed,
        outlet=OUTLET[spec.feed], guid=url, title=spec.title, summary=f"Summary of {spec.title}",
        author="A. Reporter", published_at=spec.when, first_seen_at=spec.when, language="en",
        text=text, word_count=len(text.split()), text_hash=hashlib.sha256(text.encode()).hexdigest())


def classification_of(spec: Spec, article: Article) -> Classification:
    evidence: tuple[Evidence, ...] = ()
    if spec.ai_work:
        start = article.text.index("Artificial intelligence")
        work = article.text.index("workers")
        evidence = (Evidence("ai", "Artificial intelligence", "text", start, start + 23, 2.0),
                    Evidence("work", "workers", "text", work, work + 7, 1.0))
        evidence += tuple(Evidence(t, spec.title.split()[0], "title", 0, len(spec.title.split()[0]))
                          for t in spec.topics)
    return Classification(
        item_id=article.article_id, classifier="rules", version="test-1",
        ai_score=2.0 if spec.ai_work else 0.0, work_score=1.0 if spec.ai_work else 0.2,
        is_ai_work=spec.ai_work, topics=spec.topics if spec.ai_work else (), evidence=evidence,
        is_ai=spec.ai_work, is_work=True)


def fetch_result(feed: Feed, day: datetime, failures: dict[str, int]) -> FeedResult:
    """The fixture's fetch of one feed on one day."""
    at = day + timedelta(hours=6)
    if feed.name == "courier" and day.day in (10, 19, 20):
        failures[feed.name] = failures.get(feed.name, 0) + 1
        return FeedResult(feed.name, feed.url, "error", at, http_status=503, error="HTTP 503",
                          ok=False, error_score=float(failures[feed.name]),
                          consecutive_failures=failures[feed.name],
                          next_check_at=at + timedelta(hours=12))
    if feed.name == "lens" and day.day == 16:
        return FeedResult(feed.name, feed.url, "skipped", at, error="backing off")
    failures[feed.name] = 0
    return FeedResult(feed.name, feed.url, "ok", at, http_status=200, bytes=1000, items=5,
                      new_items=1, ok=True, next_check_at=at + timedelta(days=1))


def build_warehouse(path: Path) -> Path:
    """Write the fixture warehouse at `path` (which must not exist yet)."""
    articles = [article_of(s) for s in SPECS]
    classifications = [classification_of(s, a) for s, a in zip(SPECS, articles)]
    with write_connection(path) as con:
        sync_feeds(con, FEEDS)
        failures: dict[str, int] = {}
        day = FIRST_DAY
        while day <= LAST_DAY:
            run_id = f"run-{day:%Y%m%d}"
            start_run(con, run_id, "ingest", {})
            record_feed_results(con, run_id, [fetch_result(f, day, failures) for f in FEEDS])
            todays = [i for i, s in enumerate(SPECS) if s.when.date() == day.date()]
            if todays:
                load_batch(con, run_id, [articles[i] for i in todays],
                           [classifications[i] for i in todays])
            finish_run(con, run_id, "ok", {})
            day += timedelta(days=1)
    return path


def article_id_of(title: str, feed: str | None = None) -> str:
    for spec in SPECS:
        if spec.title == title and (feed is None or spec.feed == feed):
            return article_of(spec).article_id
    raise KeyError(title)
