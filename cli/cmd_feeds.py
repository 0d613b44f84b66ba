"""`workwatch feeds`: feed health, and `feeds add URL`, `feeds test NAME|URL` (issue 18).

`feeds` is a group whose bare invocation is the feed-health table it always was (same
options: `workwatch feeds --format csv`); `feeds import/export` (OPML, cli/cmd_opml.py)
register on it too."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Optional

import typer

from cli.base import (DB_OPTION, FEEDS_OPTION, FORMAT_OPTION, UsageError, _default_db_missing,
                       app, check_format, err, handle_errors, out, require_warehouse)
from cli.output import render

feeds_app = typer.Typer(invoke_without_command=True, no_args_is_help=False,
                        rich_markup_mode="markdown")
app.add_typer(feeds_app, name="feeds")


@feeds_app.callback()
@handle_errors
def feeds_health(ctx: typer.Context, db: str = DB_OPTION, feeds: str = FEEDS_OPTION,
                 fmt: str = FORMAT_OPTION):
    """Feed health (last success, failures, error score and next check of every feed); add,
    test, import and export feeds.

    Examples:

        workwatch feeds --format csv

        workwatch feeds add https://www.theguardian.com/technology

        workwatch feeds test theguardian.com

        workwatch feeds import subscriptions.opml
    """
    if ctx.invoked_subcommand is not None:
        return
    from extractors.config import load_config
    from warehouse.query import feed_health

    check_format(fmt)
    config = load_config(feeds)
    if not _default_db_missing(db):  # before the first ingest the feeds are "never checked"
        require_warehouse(db)
    columns, rows = feed_health(db, config.feeds)
    render(columns, rows, fmt, out, title=f"{len(rows)} feeds")


def _settings(feeds: str):
    """[fetch] of feeds.toml when there is one (contact URL, private_allow ...)."""
    from extractors.config import load_config
    from extractors.settings import FetchSettings

    return load_config(feeds).fetch if Path(feeds).exists() else FetchSettings()


@feeds_app.command("add")
@handle_errors
def feeds_add(
    url: str = typer.Argument(..., help="The feed's URL, or a site's page that names its feed "
                                        "(<link rel=\"alternate\" type=\"application/rss+xml\">)."),
    name: Optional[str] = typer.Option(None, "--name", help="Feed name (default: the site's host)."),
    outlet: Optional[str] = typer.Option(None, "--outlet",
                                         help="Outlet name (default: the site's or the feed's title)."),
    feeds: str = FEEDS_OPTION,
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the entry; change nothing."),
):
    """Add a feed to feeds.toml: found from a homepage when needed, checked by fetching it once,
    appended as one [[feeds]] table (the rest of the file is left exactly as it was).

    Examples:

        workwatch feeds add https://www.theguardian.com/uk/technology/rss

        workwatch feeds add https://www.theverge.com --name verge --outlet "The Verge"

        workwatch feeds add https://example.com/news --feeds ~/workwatch/feeds.toml --dry-run
    """
    from extractors.config import NAME_RE, load_config
    from extractors.discover import (added_note, append_feed, discover, feed_block,
                                     suggest_name, url_key)

    if name is not None and not NAME_RE.match(name):
        raise UsageError(f"--name {name!r}: use lower-case letters, digits, '.', '_' or '-'")
    if outlet is not None and not outlet.strip():
        raise UsageError("--outlet must not be empty")
    existing = load_config(feeds).feeds if Path(feeds).exists() else ()
    taken = {f.name: f for f in existing}
    if name in taken:
        raise UsageError(f"--name {name!r} is taken in {feeds} ({taken[name].url}); pick another")
    found = asyncio.run(discover(url, _settings(feeds)))
    for f in existing:
        if url_key(f.url) == url_key(found.url):
            from extractors.errors import WorkwatchError

            raise WorkwatchError(f"{f.url} is already in {feeds} as {f.name!r}")
    name = name or suggest_name(found, set(taken))
    outlet = (outlet or found.site_name or found.title or found.host).strip()
    block = feed_block(name, found.url, outlet, None if dry_run else added_note())
    from extractors.urls import strip_credentials

    shown = strip_credentials(found.url)  # a feed's password goes to feeds.toml, never the screen
    if found.via_page:
        err.print(f"found the feed {shown} on {strip_credentials(found.via_page)}", markup=False,
                  highlight=False)
    if dry_run:
        out.file.write(block)
        err.print(f"checked: {len(found.parsed.items)} items; nothing written (--dry-run)",
                  markup=False, highlight=False)
        return
    append_feed(feeds, block)
    out.print(f"added {name}: {shown} (outlet {outlet!r}; {len(found.parsed.items)} items "
              f"now) -> {feeds}", markup=False, highlight=False)
    err.print(f"next: workwatch feeds test {name}; workwatch ingest --feed {name}",
              markup=False, highlight=False)


@feeds_app.command("test")
@handle_errors
def feeds_test(
    feed: str = typer.Argument(..., help="A configured feed's name, or a feed / site URL."),
    feeds: str = FEEDS_OPTION,
    json_out: bool = typer.Option(False, "--json", help="Print the result as one JSON object."),
):
    """Try one feed end to end without storing anything: fetch and parse it, fetch and extract
    its first article, classify it, and print what would be stored.

    Examples:

        workwatch feeds test techcrunch-ai

        workwatch feeds test https://www.theguardian.com/technology --json
    """
    result = asyncio.run(_test_feed(feed, feeds))
    if json_out:
        out.file.write(json.dumps(result, default=str) + "\n")
        return
    a = result.get("article")
    out.print(f"feed {result['feed']} ({result['url']}): {result['items']} items, outlet "
              f"{result['outlet']!r}", markup=False, highlight=False)
    if a:
        rows = [(k, a[k]) for k in ("title", "url", "outlet", "published_at", "language",
                                     "word_count", "is_ai_work", "ai_score", "work_score",
                                     "topics", "evidence", "text")]
        render(["field", "would store"], rows, "table", out, title="first article")
    for problem in result["problems"]:
        err.print(f"warning: {problem}", markup=False, highlight=False)
    err.print("nothing was written", markup=False, highlight=False)


MAX_TRIES = 3  # items tried when the first ones yield no article text


async def _test_feed(spec: str, feeds: str) -> dict:
    from classifiers.base import DEFAULT, get_classifier
    from extractors.addresses import trusted_origin
    from extractors.config import load_config
    from extractors.discover import discover
    from extractors.errors import ExtractionError, FetchError, WorkwatchError
    from extractors.extract import extract_article
    from extractors.http import Fetcher
    from extractors.pages import fetch_page
    from extractors.types import Feed, TextItem

    settings = _settings(feeds)
    configured = {f.name: f for f in load_config(feeds).feeds} if Path(feeds).exists() else {}
    if spec in configured:
        found = await discover(configured[spec].fetch_url, settings)
        feed = configured[spec]
    elif spec.startswith(("http://", "https://")):
        found = await discover(spec, settings)
        feed = Feed(name="test", url=found.url,
                    outlet=found.site_name or found.title or found.host)
    else:
        names = ", ".join(sorted(configured)) or "none"
        raise UsageError(f"{spec!r} is neither a configured feed nor an http(s) URL "
                         f"(feeds in {feeds}: {names})")
    items = [i for i in found.parsed.items]
    result = {"feed": feed.name, "url": feed.url, "outlet": feed.outlet,
              "items": len(items), "article": None, "problems": []}
    if found.parsed.warning:
        result["problems"].append(found.parsed.warning)
    from dataclasses import replace

    async with Fetcher(settings) as fetcher:
        for item in items[:MAX_TRIES]:
            item = replace(item, feed=feed.name, outlet=feed.outlet)
            try:
                page = await fetch_page(fetcher, item, trusted_origin(feed.url))
                article = extract_article(page)
            except (FetchError, ExtractionError) as exc:
                result["problems"].append(f"{item.url}: {exc}")
                continue
            verdict = get_classifier(DEFAULT).classify(
                [TextItem(article.article_id, article.title, article.summary, article.text)])[0]
            text = article.text
            result["article"] = {
                "article_id": article.article_id, "title": article.title, "url": article.url,
                "outlet": article.outlet, "published_at": article.published_at,
                "language": article.language, "word_count": article.word_count,
                "is_ai_work": verdict.is_ai_work, "ai_score": round(verdict.ai_score, 3),
                "work_score": round(verdict.work_score, 3), "topics": list(verdict.topics),
                "classifier": f"{verdict.classifier} {verdict.version}",
                "evidence": ", ".join(dict.fromkeys(f"{e.signal}:{e.term}" for e in verdict.evidence[:12])),
                "text": text[:300] + ("…" if len(text) > 300 else ""),
            }
            break
    if result["article"] is None:
        raise WorkwatchError(f"{found.url}: {len(items)} items, but no article could be fetched "
                             f"and extracted from the first {min(MAX_TRIES, len(items))}: "
                             f"{'; '.join(result['problems'])}"[:800])
    return result
