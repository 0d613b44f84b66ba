"""`workwatch feeds import FILE.opml` and `workwatch feeds export --output F.opml` (issue 20).

They live in the `feeds` group (cli/cmd_feeds.py); the first names, `feeds-import` and
`feeds-export`, keep working as hidden aliases (extractors/opml.py holds the logic)."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.base import FEEDS_OPTION, app, err, handle_errors, out
from cli.cmd_feeds import feeds_app


@feeds_app.command("import")
@app.command("feeds-import", hidden=True)
@handle_errors
def feeds_import(
    file: Path = typer.Argument(..., help="An OPML subscription list (e.g. a feed reader's export)."),
    feeds: str = FEEDS_OPTION,
    dry_run: bool = typer.Option(False, "--dry-run", help="Report what would be added; change nothing."),
):
    """Append the OPML file's feeds to feeds.toml (comments and order kept), reporting
    duplicates and bad entries.

    Examples:

        workwatch feeds import subscriptions.opml

        workwatch feeds import reader-export.opml --feeds ~/workwatch/feeds.toml --dry-run
    """
    from extractors.opml import import_opml

    report = import_opml(file, feeds, dry_run=dry_run)
    verb = "would add" if dry_run else "added"
    for name, url in report.added:
        out.print(f"{verb} {name}: {url}", markup=False, highlight=False)
    for url in report.duplicates:
        out.print(f"duplicate (already configured): {url}", markup=False, highlight=False)
    for line in report.bad:
        out.print(f"bad entry: {line}", markup=False, highlight=False)
    err.print(f"{len(report.added)} {verb}, {len(report.duplicates)} duplicates, "
              f"{len(report.bad)} bad entries" + (f" -> {feeds}" if report.written else ""),
              markup=False, highlight=False)


@feeds_app.command("export")
@app.command("feeds-export", hidden=True)
@handle_errors
def feeds_export(
    output: Path = typer.Option(..., "--output", "-o", help="OPML file to write (- is stdout)."),
    feeds: str = FEEDS_OPTION,
):
    """Write the configured feeds as OPML 2.0 (feed passwords are never written).

    Examples:

        workwatch feeds export --output feeds.opml

        workwatch feeds export -o - | less
    """
    from extractors.opml import export_opml
    from cli.outfiles import is_stdio, open_output

    text = export_opml(feeds)
    if is_stdio(output):
        out.file.write(text)
        return
    with open_output(output) as fh:
        fh.write(text)
    err.print(f"{text.count('<outline')} feeds -> {output}", markup=False, highlight=False)
