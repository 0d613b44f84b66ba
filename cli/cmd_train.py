"""`workwatch train`: fit the learned classifier stage on labelled items (issue 13)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from extractors.errors import WorkwatchError
from cli.base import DB_OPTION, app, err, handle_errors, out


@app.command()
@handle_errors
def train(
    labels: Optional[list[Path]] = typer.Argument(
        None, help="Labelled items (JSON lines, as for `eval`); default: the shared "
                   "corpus's train-2023.jsonl and dev.jsonl."),
    output: Optional[Path] = typer.Option(
        None, "--output", "-o",
        help="Model file to write (default: the one shipped in the package, "
             "classifiers/model/ai_work.json.gz)."),
    db: str = DB_OPTION,
    extra_labels: bool = typer.Option(
        True, "--extra-labels/--no-extra-labels",
        help="Also train on the package's extra labels (classifiers/labels/extra-2023.jsonl: "
             "ids + labels only, joined by id with ../shared/corpus/replay-2023.jsonl.gz; "
             "skipped with a note when that corpus file is absent)."),
    warehouse_labels: bool = typer.Option(
        True, "--warehouse-labels/--no-warehouse-labels",
        help="Also train on the analysts' labels in the warehouse `labels` table, if any."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
):
    """Train the learned stage (rules + n-grams -> logistic regression) and write the model.

    Trains on the labels files (default: train-2023.jsonl + dev.jsonl), the extra labels
    shipped in classifiers/labels/ (see --no-extra-labels) and the warehouse's analyst labels.

    Deterministic: the same labelled items give a byte-identical model file. The model's
    content hash becomes part of the classifier version, so a retrained model is a new
    version in the warehouse. Check it first with `workwatch eval --folds 5`.

    Examples:

        workwatch train

        workwatch train ../shared/corpus/labels/train-2023.jsonl my-labels.jsonl -o model.json

        workwatch train --no-warehouse-labels --json
    """
    from classifiers.evaluate import LabelsError
    from classifiers.train import DEFAULT_LABELS, EXTRA_LABELS, TrainingError
    from classifiers.train import train as run_train

    try:
        summary = run_train(labels or DEFAULT_LABELS, output,
                            db_path=db if warehouse_labels else None,
                            extra=EXTRA_LABELS if extra_labels else None)
    except (TrainingError, LabelsError) as exc:
        raise WorkwatchError(str(exc)) from None
    except OSError as exc:
        raise WorkwatchError(f"{exc.filename or output}: {exc.strerror}") from None
    for note in summary["notes"]:
        err.print(note, markup=False, highlight=False)
    if json_out:
        out.file.write(json.dumps(summary) + "\n")
    else:
        err.print(f"trained on {summary['items']} items ({summary['ai_work']} AI×work) from "
                  f"{', '.join(summary['sources'])} in {summary['seconds']}s -> {summary['output']} "
                  f"({summary['bytes']} bytes, sha256 {summary['sha256'][:12]})",
                  markup=False, highlight=False)
