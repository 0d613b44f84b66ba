"""Issue 15, finding 5: URL identity, credentials, and pages not fetched again.

Repros: 1000 variants of one story (fragments, tracking parameters, AMP, http/https, trailing
slash, host case, default port, credentials) made 452 articles; a feed URL with `user:s3cret@`
put the secret into stored URLs, the WARC and dashboard links; links that answered 404 were
requested again whenever the feed body changed. Loopback only."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import random
import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from courlan import normalize_url

from extractors import urls
from extractors.archive import WarcArchive
from extractors.config import parse_config
from extractors.feeds import fetch_feed, parse_feed, parse_feed_bytes
from extractors.http import Fetcher
from extractors.pages import fetch_page
from extractors.settings import FetchSettings
from extractors.types import Article, ArticleError, Feed, FeedItem, Page, article_id_for
from extractors.urls import canonical_url, identity_key, identity_variants, strip_credentials
from tests.conftest import CORPUS
from tests.hostile_server import LoopbackServer, Reply
from warehouse.db import write_connection
from warehouse.load import load_batch
from warehouse.skips import skipped_ids, unseen_items

FEED = Feed(name="f", url="https://news.example/feed", outlet="News")
STORY = "https://www.news.example/2024/05/robots-take-the-night-shift/?id=7"
TRACKERS = ["utm_source=rss", "utm_medium=feed", "utm_campaign=daily", "cmpid=RSS", "ncid=rss",
            "share=1", "src=rss", "output=amp", "amp=1", "fbclid=IwAR0x", "gclid=Cj0K",
            "mc_cid=abc", "mc_eid=def", "ref=hp", "smid=tw-share", "at_medium=RSS",
            "at_campaign=KARANGA", "ito=792", "srsltid=AfmBOo", "ref_src=twsrc"]
FAST = FetchSettings(per_host_delay_s=0.0, retries=0, request_deadline_s=3.0,
                     connect_timeout_s=1.0, read_timeout_s=2.0)


def variants(n: int, seed: int = 15) -> list[str]:
    """n different spellings of STORY: what feeds, newsletters and share buttons make of it."""
    rnd = random.Random(seed)
    out: set[str] = set()
    while len(out) < n:
        scheme = rnd.choice(["http", "https", "HTTPS"])
        host = rnd.choice(["www.news.example", "WWW.News.Example"])
        port = rnd.choice(["", ":443" if scheme.lower() == "https" else ":80"])
        creds = rnd.choice(["", "", "", "reader:s3cret@"])
        path = "/2024/05/robots-take-the-night-shift" + rnd.choice(["/", "", "/amp/", "/amp"])
        params = ["id=7"] + rnd.sample(TRACKERS, rnd.randint(0, 5))
        rnd.shuffle(params)
        fragment = rnd.choice(["", "", "#comments", "#p3", f"#{rnd.randint(0, 10**6)}",
                               "#:~:text=night%20shift"])
        out.add(f"{scheme}://{creds}{host}{port}{path}?{'&'.join(params)}{fragment}")
    return sorted(out)


def feed_xml(links: list[str]) -> bytes:
    items = "".join(f"<item><title>Robots take the night shift</title><link>{_xml(link)}</link>"
                    f"</item>" for link in links)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}' \
           f"</channel></rss>".encode()


def _xml(text: str) -> str:
    return text.replace("&", "&amp;")


# ---------------------------------------------------------------- canonical URL


def test_1000_variants_of_one_story_are_one_item():
    links = variants(1000)
    assert len(set(links)) == 1000
    parsed = parse_feed_bytes(feed_xml(links), FEED)
    assert len(parsed.items) == 1
    assert len({identity_key(canonical_url(u)) for u in links}) == 1
    # http/https and the trailing slash are kept in the stored URL (fetched as given) ...
    assert len({canonical_url(u) for u in links}) == 4
    # ... and every one of those is a variant of every other: one article in the warehouse
    first = canonical_url(links[0])
    assert {canonical_url(u) for u in links} == set(identity_variants(first))
    for u in links:
        c = canonical_url(u)
        assert "#" not in c and "s3cret" not in c and "utm_" not in c and "/amp" not in c
        assert c.endswith("?id=7")


def test_content_bearing_parameters_are_kept_and_tell_stories_apart():
    kept = ["https://site.example/index.php?p=2011260", "https://site.example/story?id=1",
            "https://site.example/view?story=55&utm_source=x",
            "https://site.example/a?storyId=9", "http://feeds.feedburner.com/~ff/Tc?a=0YXp:QD",
            "https://site.example/search?output=json"]
    canon = [canonical_url(u) for u in kept]
    assert canon == ["https://site.example/index.php?p=2011260", "https://site.example/story?id=1",
                     "https://site.example/view?story=55", "https://site.example/a?storyId=9",
                     "http://feeds.feedburner.com/~ff/Tc?a=0YXp%3AQD",
                     "https://site.example/search?output=json"]
    assert canonical_url("https://site.example/index.php?p=1") != \
        canonical_url("https://site.example/index.php?p=2")


def test_stored_ids_stay_stable_for_urls_that_were_already_canonical():
    """The id of an article is sha256(canonical URL)[:16]; a URL the old rules (courlan) had
    already made canonical keeps its canonical form, hence its id, under the new rules."""
    def old(u):
        return normalize_url(u.strip(), strict=False, trailing_slash=True)

    samples = ["https://arstechnica.com/ai/2025/06/google-releases-updated-gemini/",
               "http://www.huffingtonpost.ca/2017/05/23/muslim-fitness_n_16770120.html",
               "https://www.bbc.co.uk/news/articles/c0k8lx3w5ewo",
               "https://arstechnica.com/?p=2011260", "https://medium.com/@joe/a-story-1a2b",
               "https://www.example.com/", "https://www.example.com",
               "https://techcrunch.com/2025/06/10/openai-o3-pro/?a=1&b=2"]
    links = _corpus_links() or samples
    checked = 0
    for link in samples + links:
        was = old(link)
        if "#" in was or old(was) != was or "@" in was.split("/")[2]:
            continue
        if any(urls.is_tracking_param(*p.partition("=")[::2]) for p in was.partition("?")[2].split("&") if p):
            continue
        assert canonical_url(was) == was, was
        assert article_id_for(canonical_url(was)) == hashlib.sha256(was.encode()).hexdigest()[:16]
        checked += 1
    assert checked >= len(samples) - 1


def _corpus_links() -> list[str]:
    folder = CORPUS / "feeds"
    if not folder.exists():
        return []
    found = []
    for path in sorted(folder.glob("*.xml")):
        text = path.read_text(encoding="utf-8", errors="replace")
        found += re.findall(r"<link>\s*(https?://[^<\s]+)\s*</link>", text)
    return found


def test_tracking_params_are_extendable_in_feeds_toml():
    try:
        parse_config('[fetch]\ntracking_params = ["promo", "nl_*"]\n')
        assert canonical_url("https://x.example/a?promo=1&nl_issue=4&nl_pos=2&id=3") \
            == "https://x.example/a?id=3"
    finally:
        parse_config("")  # back to the built-in list
    assert canonical_url("https://x.example/a?promo=1&id=3") == \
        "https://x.example/a?id=3&promo=1"  # parameters sorted


def test_credentials_never_reach_a_stored_url():
    u = "https://reader:s3cret@news.example/a?utm_source=x#c"
    assert canonical_url(u) == "https://news.example/a"
    assert strip_credentials(u) == "https://news.example/a?utm_source=x#c"
    item = FeedItem("f", "o", u, u, None, "t")
    assert "s3cret" not in item.url + item.canonical_url
    feed = Feed("f", "https://reader:s3cret@news.example/feed", "News")
    assert feed.url == "https://news.example/feed" and "s3cret" not in repr(feed)
    assert feed.fetch_url == "https://reader:s3cret@news.example/feed"


# ---------------------------------------------------------------- end to end on loopback

AUTH = "Basic " + base64.b64encode(b"reader:s3cret").decode()
PAGE = ("<html><head><title>Robots take the night shift</title></head><body><article>"
        + "<p>" + "Warehouse robots now take the night shift while people sleep. " * 30 + "</p>"
        + "</article></body></html>").encode()


def test_feed_credentials_are_sent_for_the_feed_only_and_stored_nowhere(tmp_path):
    """The feed needs HTTP Basic credentials; its links are relative (resolved against the
    feed URL), absolute with the credentials, or redirect to a URL with them."""
    def feed_route(req):
        if req.headers.get("Authorization") != AUTH:
            return Reply(401, {"WWW-Authenticate": 'Basic realm="x"'}, b"")
        return Reply(200, {"Content-Type": "application/rss+xml"}, body)

    routes = {"/feed.xml": feed_route, "/robots.txt": lambda r: Reply(404, {}, b""),
              "/go": lambda r: Reply(302, {"Location": srv.url("/b").replace("//", "//reader:s3cret@", 1)}, b""),
              "*": lambda r: Reply(200, {"Content-Type": "text/html"}, PAGE)}
    with LoopbackServer(routes) as srv:
        base = srv.url("/").replace("//", "//reader:s3cret@", 1)
        body = feed_xml(["/a?utm_source=x", f"{base}b#c", "/go"])
        feed = Feed("f", base + "feed.xml", "News")

        async def go():
            async with Fetcher(FAST) as f:
                fetched = await fetch_feed(f, feed)
                items = parse_feed(fetched).items
                pages = [await fetch_page(f, i, f"127.0.0.1:{srv.port}") for i in items]
                return fetched, items, pages

        fetched, items, pages = asyncio.run(go())
        hits = [(h.path, h.headers.get("Authorization")) for h in srv.records]
    assert fetched.status == "ok" and ("/feed.xml", AUTH) in hits
    assert {i.url for i in items} == {srv.url("/a?utm_source=x"), srv.url("/b#c"), srv.url("/go")}
    assert ("/a", None) in hits and ("/b", None) in hits and ("/a", AUTH) not in hits  # links: none
    archived = WarcArchive(tmp_path / "archive", "run").write(pages)
    with write_connection(tmp_path / "w.duckdb") as con:
        load_batch(con, "run", [_article(p) for p in archived], [], [
            ArticleError("x", items[0].url, "f", "fetch", "hard", None, "HTTP 404")])
        stored = con.execute("SELECT url || canonical_url || archive_path FROM articles").fetchall()
    assert len(stored) == 3
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert b"s3cret" not in _bytes(path), path
    # (the feed body is the site's own text: this one spells the secret out in a link)
    assert "s3cret" not in repr(replace(fetched, body=b"")) + repr(items) + repr(pages)


def _bytes(path: Path) -> bytes:
    import gzip
    data = path.read_bytes()
    return data + (gzip.decompress(data) if path.suffix == ".gz" else b"")


def _article(page: Page, **changes) -> Article:
    item = page.item
    return Article(article_id=item.article_id, url=item.url, canonical_url=item.canonical_url,
                   feed=item.feed, outlet=item.outlet, guid=item.guid, title=item.title,
                   summary="", author=None, published_at=None,
                   first_seen_at=datetime.now(timezone.utc), language="en", text="words " * 60,
                   word_count=60, text_hash="h", archive_path=page.archive_path)


# ---------------------------------------------------------------- what is not fetched again


def _item(url: str, title: str = "t") -> FeedItem:
    return FeedItem("f", "News", url, canonical_url(url), None, title)


def _page(item: FeedItem) -> Page:
    return Page(item=item, final_url=item.url, http_status=200, html=b"", content_type="text/html",
                fetched_at=datetime.now(timezone.utc))


def test_variants_of_a_stored_article_are_known_whatever_scheme_or_slash(tmp_path):
    stored = _item("https://www.news.example/2024/05/robots-take-the-night-shift/?id=7")
    with write_connection(tmp_path / "w.duckdb") as con:
        load_batch(con, "r1", [_article(_page(stored))], [])
        links = variants(1000)
        assert unseen_items(con, [_item(u) for u in links]) == []
        fresh = _item("http://www.news.example/2024/05/another-story?id=8")
        assert unseen_items(con, [_item(u) for u in links] + [fresh]) == [fresh]
        assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 1


def _error(item: FeedItem, stage: str, reason: str, error: str, kind: str = "hard"
           ) -> ArticleError:
    return ArticleError(item.article_id, item.url, item.feed, stage, kind, reason, error)


def test_hard_failures_are_not_retried_within_the_configured_period(tmp_path):
    gone = [_item(f"https://news.example/gone/{i}") for i in range(500)]
    moved = _item("https://news.example/moved")
    flaky = _item("https://news.example/flaky")
    pdf = _item("https://news.example/report.pdf")
    with write_connection(tmp_path / "w.duckdb") as con:
        load_batch(con, "r1", [], [], [_error(i, "fetch", "http_error", "HTTP 404") for i in gone]
                   + [_error(moved, "fetch", "http_error", "HTTP 410"),
                      _error(flaky, "fetch", "transient", "HTTP 503", kind="transient"),
                      _error(pdf, "fetch", "not_html", "not an HTML page (application/pdf)")])
        items = gone + [moved, flaky, pdf]
        # the feed body changed three times: the 404s are asked for 0 times, not 1,500
        for _run in range(3):
            assert unseen_items(con, items) == [flaky]
        # the same links under another scheme or with a slash are the same pages
        assert unseen_items(con, [_item("http://news.example/gone/3/")]) == []
        later = datetime.now(timezone.utc) + timedelta(days=8)
        assert len(unseen_items(con, items, now=later)) == len(items)
        assert len(unseen_items(con, items, retry_days=30, now=later)) == 1
        assert len(unseen_items(con, items, retry_days=0)) == len(items)
        assert skipped_ids(con, [moved, flaky]) == {moved.article_id}


def test_a_page_without_text_is_fetched_again_only_when_its_feed_entry_changes(tmp_path):
    from extractors.extract import extract_pages

    item = _item("https://news.example/empty", title="Nothing here")
    articles, errors = extract_pages([_page(item)])
    assert articles == [] and errors[0].reason == "no_text"
    with write_connection(tmp_path / "w.duckdb") as con:
        load_batch(con, "r1", [], [], errors)
        assert unseen_items(con, [item]) == []
        later = datetime.now(timezone.utc) + timedelta(days=30)
        assert unseen_items(con, [item], now=later) == []
        changed = _item("https://news.example/empty", title="Nothing here (updated)")
        assert unseen_items(con, [changed]) == [changed]


# ---------------------------------------------------------------- the repro, through the ingest


def test_ingest_1000_variants_and_a_feed_password_make_one_article_and_no_secret_on_disk(
        prefect_harness, tmp_path):
    """The feed (HTTP Basic, `reader:s3cret@` in feeds.toml) lists 1000 spellings of one
    story: one article; the secret is in no stored column and in no file of the run."""
    import duckdb

    from flows.ingest import daily_ingest

    def feed_route(req):
        if req.headers.get("Authorization") != AUTH:
            return Reply(401, {"WWW-Authenticate": 'Basic realm="x"'}, b"")
        return Reply(200, {"Content-Type": "application/rss+xml"}, body)

    routes = {"/feed.xml": feed_route, "/robots.txt": lambda r: Reply(404, {}, b""),
              "*": lambda r: Reply(200, {"Content-Type": "text/html"}, PAGE)}
    with LoopbackServer(routes) as srv:
        origin = f"127.0.0.1:{srv.port}"
        links = [f"http://{origin}/2024/05/robots-take-the-night-shift/?id=7"] + [
            u.replace("www.news.example", origin).replace("WWW.News.Example", origin)
             .replace(":443/", "/").replace(":80/", "/")
            for u in variants(999, seed=7)]
        body = feed_xml(links)
        feeds_toml = tmp_path / "feeds.toml"
        feeds_toml.write_text(
            "[fetch]\nper_host_delay_s = 0.0\nretries = 0\n\n[[feeds]]\nname = \"night\"\n"
            f"url = \"http://reader:s3cret@{origin}/feed.xml\"\noutlet = \"Night News\"\n",
            encoding="utf-8")
        db = tmp_path / "data" / "w.duckdb"
        summary = asyncio.run(daily_ingest(feeds_path=str(feeds_toml), db_path=str(db),
                                           workers=1, batch_size=10))
        story_hits = [h for h in srv.records if h.path.startswith("/2024/")]
    assert summary["feeds_ok"] == 1, summary
    assert summary["items"] == 1 and summary["new_articles"] == 1, summary
    assert len(story_hits) == 1 and story_hits[0].headers.get("Authorization") is None
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT url, canonical_url, archive_path FROM articles").fetchall()
        assert len(rows) == 1
        for table, in con.execute("SELECT table_name FROM information_schema.tables "
                                  "WHERE table_type = 'BASE TABLE'").fetchall():
            dump = repr(con.execute(f'SELECT * FROM "{table}"').fetchall())
            assert "s3cret" not in dump, table
        assert con.execute("SELECT url FROM feeds").fetchall() == [(f"http://{origin}/feed.xml",)]
    finally:
        con.close()
    for path in tmp_path.rglob("*"):
        if path.is_file() and path != feeds_toml:
            assert b"s3cret" not in _bytes(path), path
    for path in _prefect_files():  # flow and task runs, their parameters and logs
        assert b"s3cret" not in path.read_bytes(), path


def _prefect_files() -> list[Path]:
    import os

    from prefect.settings import PREFECT_API_DATABASE_CONNECTION_URL

    roots = [Path(os.environ["PREFECT_HOME"])]
    url = PREFECT_API_DATABASE_CONNECTION_URL.value() or ""
    if ":///" in url:
        roots.append(Path(url.split(":///", 1)[1]).parent)
    files = [p for root in roots if root.exists() for p in root.rglob("*") if p.is_file()]
    assert files, roots
    return files


def test_select_new_items_uses_url_identity_and_the_retry_period(tmp_path):
    from flows.pipeline import FeedOutcome, select_new_items
    from extractors.types import FeedFetch

    stored = _item("https://news.example/a/")
    gone = _item("https://news.example/gone")
    with write_connection(tmp_path / "w.duckdb") as con:
        load_batch(con, "r1", [_article(_page(stored))], [],
                   [_error(gone, "fetch", "http_error", "HTTP 404")])
    new = _item("https://news.example/b")
    outcome = FeedOutcome(FeedFetch(feed=FEED, status="ok"),
                          (_item("http://news.example/a"), gone, new, _item("http://news.example/b/")))
    assert select_new_items(tmp_path / "w.duckdb", [outcome]) == [new]
    assert select_new_items(tmp_path / "w.duckdb", [outcome], retry_days=0) == [gone, new]
    assert select_new_items(tmp_path / "none.duckdb", [outcome]) == [outcome.items[0], gone, new]


def test_ingest_does_not_ask_again_for_404s_or_for_another_spelling_of_a_stored_article(
        prefect_harness, tmp_path):
    """500 links answer 404; the feed body changes on every run: 500 requests in 3 runs, not
    1,500. A later run's http/trailing-slash spelling of a stored article is not fetched."""
    from flows.ingest import daily_ingest

    runs = {"n": 0}

    def feed_route(req):
        n = runs["n"]
        links = [f"/gone/{i}" for i in range(500)] + ["/story/" if n == 0 else "/story"]
        items = "".join(f"<item><title>t{i} run {n}</title><link>{base}{link}</link></item>"
                        for i, link in enumerate(links))
        return Reply(200, {"Content-Type": "application/rss+xml"},
                     f'<rss version="2.0"><channel><title>run {n}</title>{items}</channel></rss>'.encode())

    routes = {"/feed.xml": feed_route, "/robots.txt": lambda r: Reply(404, {}, b""),
              "/story/": lambda r: Reply(200, {"Content-Type": "text/html"}, PAGE),
              "/story": lambda r: Reply(200, {"Content-Type": "text/html"}, PAGE),
              "*": lambda r: Reply(404, {"Content-Type": "text/html"}, b"gone")}
    with LoopbackServer(routes) as srv:
        base = srv.url("").rstrip("/")
        feeds_toml = tmp_path / "feeds.toml"
        feeds_toml.write_text(
            "[fetch]\nper_host_delay_s = 0.0\nper_host_concurrency = 16\nretries = 0\n\n"
            f'[[feeds]]\nname = "gone"\nurl = "{base}/feed.xml"\noutlet = "Gone"\n',
            encoding="utf-8")
        db = tmp_path / "w.duckdb"
        summaries = []
        for n in range(3):
            runs["n"] = n
            summaries.append(asyncio.run(daily_ingest(feeds_path=str(feeds_toml), db_path=str(db),
                                                      workers=1, batch_size=100, force=True)))
        gone_hits = [h for h in srv.records if h.path.startswith("/gone/")]
        story_hits = [h for h in srv.records if h.path.startswith("/story")]
    assert [s["feeds_ok"] for s in summaries] == [1, 1, 1]
    assert len(gone_hits) == 500, len(gone_hits)
    assert len(story_hits) == 1 and summaries[0]["new_articles"] == 1
    assert [s["new_items"] for s in summaries[1:]] == [0, 0]
