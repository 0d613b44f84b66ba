"""`workwatch eval-events FILE`: precision and recall of the workforce-event extractor."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from cli.base import app, handle_errors, out


@app.command("eval-events")
@handle_errors
def eval_events(
    file: Path = typer.Argument(..., help="Labelled items (JSON lines): title, summary, text, "
                                          "published, split, events."),
    split: Optional[str] = typer.Option(None, help="Only this split of the file (e.g. test)."),
    json_out: bool = typer.Option(False, "--json", help="Print the report as one JSON object."),
    errors: bool = typer.Option(False, "--errors", help="Also list missed and spurious events."),
):
    """Score the workforce-event extractor: company+action precision/recall, headcount,
    percent and AI attribution, per split of the file.

    Examples:

        workwatch eval-events tests/data/events-eval.jsonl

        workwatch eval-events tests/data/events-eval.jsonl --split test --json
    """
    from classifiers.events_eval import evaluate_file, format_report

    report = evaluate_file(file, split)
    if not errors:
        report.pop("errors", None)
    if json_out:
        out.print(json.dumps(report, ensure_ascii=False), markup=False, highlight=False, soft_wrap=True)
        return
    out.print(format_report(report), markup=False, highlight=False)
    for e in report.get("errors", []):
        out.print(json.dumps(e, ensure_ascii=False), markup=False, highlight=False)
