"""`workwatch init [DIR]`: a commented feeds.toml and watches.toml to start from (issue 18)."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.base import app, err, handle_errors, out

FEEDS_TEMPLATE = '''\
# workwatch feeds: one [[feeds]] table per feed (written by `workwatch init`).
#
# Add feeds with `workwatch feeds add URL` (a feed's URL, or a site's homepage that names
# its feed) and try one with `workwatch feeds test NAME`; or edit this file by hand.
# Keys of a feed: name (unique; lower-case letters, digits, . _ -), url (http/https),
# outlet (the outlet's name, as it shows in queries and charts), language (default "en"),
# enabled (default true). An unknown key is an error naming its line.
#
# For example (remove the leading "# " to use it):
#
# [[feeds]]
# name = "theguardian-tech"
# url = "https://www.theguardian.com/uk/technology/rss"
# outlet = "The Guardian"
# language = "en"
# enabled = true

[fetch]
# Who we are, sent in the User-Agent: "workwatch/<version> (+<contact_url>)". Put a page
# about your monitor (or a mailto: URL) here, so that site owners can reach you.
contact_url = "https://github.com/workwatch/workwatch"
# Politeness: requests in flight per host, and the minimum gap between two to one host.
per_host_concurrency = 4
per_host_delay_s = 0.25
# A whole ingest run stops taking work after this many seconds (0: no limit):
# run_deadline_s = 600
# A link inside a feed may reach a non-public address only on the feed's own host and port;
# any other private place must be listed:
# private_allow = ["intranet.example:8080", "10.0.0.0/8"]

[schedule]
# When `workwatch serve` runs the daily ingest (cron, UTC).
cron = "0 6 * * *"
'''

WATCHES_TEMPLATE = '''\
# workwatch watches: saved searches matched against every new article (written by
# `workwatch init`). `workwatch watch test NAME --days 30` shows what one would have matched.
# This file is found beside feeds.toml, or with --watches PATH / WORKWATCH_WATCHES.
#
# A watch needs a name (letters, digits, . _ -) and at least one of: query (words, "a
# phrase", AND, OR, NOT, parentheses), topics (displacement, hiring, skills, adoption,
# policy, wages, careers), companies (named in a workforce event), outlets (the names
# stored in the warehouse: `workwatch query outlets`).
# ai_work_only (default true) keeps only AI×work stories; notify lists Apprise URLs
# (mailto://, json://, slack:// ...; kept in this file only); mode is "immediate" (default)
# or "digest" (one message a day: `workwatch digest`).
#
# For example (remove the leading "# " to use it):
#
# [[watches]]
# name = "hollywood-ai"
# query = '"writers guild" OR (actors AND strike)'
# topics = ["policy"]
# outlets = ["variety.com"]
# ai_work_only = true
# notify = ["json://127.0.0.1:8000/hook"]
# mode = "immediate"
#
# [[watches]]
# name = "layoffs"
# topics = ["displacement"]
# companies = ["Amazon", "IBM"]
# mode = "digest"
#
# Where spike and outage alerts and the daily digest go (optional):
#
# [alerts]
# notify = ["mailto://me@example.com"]
# spike_min_count = 5     # fewer stories than this are never a spike
# spike_p = 0.001         # how unlikely a count must be to be a spike
# outage_runs = 3         # a feed failing this many runs in a row is an outage
'''

FILES = {"feeds.toml": FEEDS_TEMPLATE, "watches.toml": WATCHES_TEMPLATE}


@app.command()
@handle_errors
def init(
    directory: Path = typer.Argument(Path("."), help="Where to write feeds.toml and watches.toml "
                                                     "(created if missing)."),
):
    """Write a commented feeds.toml and watches.toml to start from; never overwrites a file.

    Examples:

        workwatch init ~/workwatch && cd ~/workwatch

        workwatch init . && workwatch feeds add https://www.theguardian.com/uk/technology/rss
    """
    from extractors.errors import WorkwatchError

    targets = [directory / name for name in FILES]
    existing = [str(t) for t in targets if t.exists() or t.is_symlink()]
    if existing:
        raise WorkwatchError(f"{' and '.join(existing)} already exist{'s' if len(existing) == 1 else ''}; "
                             "init never overwrites (move it away, or give another directory)")
    if directory.exists() and not directory.is_dir():
        raise WorkwatchError(f"{directory} is not a directory")
    directory.mkdir(parents=True, exist_ok=True)
    for target in targets:
        try:
            with open(target, "x", encoding="utf-8") as fh:  # exclusive: never over a file
                fh.write(FILES[target.name])
        except FileExistsError:
            raise WorkwatchError(f"{target} appeared meanwhile; init never overwrites") from None
        except OSError as exc:
            raise WorkwatchError(f"{target}: cannot write ({exc.strerror or exc})") from None
    out.print(f"wrote {targets[0]} and {targets[1]}", markup=False, highlight=False)
    cd = "" if directory.resolve() == Path.cwd().resolve() else f"cd {directory}; "
    err.print(f"next: {cd}workwatch feeds add URL (a feed, or a site's homepage); workwatch "
              "feeds test NAME; workwatch ingest; workwatch dashboard", markup=False,
              highlight=False)
