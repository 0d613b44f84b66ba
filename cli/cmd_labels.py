"""`workwatch label` and `workwatch labels export`: analysts' labels in the warehouse
(issue 17; warehouse/labels.py). `workwatch eval --warehouse` scores against them and
`workwatch train` learns from them."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Optional

import typer

from cli.base import DB_OPTION, UsageError, app, err, handle_errors, require_warehouse

labels_app = typer.Typer(
    help="Analysts' labels stored in the warehouse (add one with `workwatch label`).\n\n"
         "Example:\n\n    workwatch labels export --output my-labels.jsonl",
    no_args_is_help=True)
app.add_typer(labels_app, name="labels")


def current_user() -> str:
    from warehouse.labels import default_labeller

    return default_labeller()


def parse_yes_no(value: str, option: str) -> bool:
    v = value.strip().lower()
    if v in ("yes", "y", "1", "true"):
        return True
    if v in ("no", "n", "0", "false"):
        return False
    raise UsageError(f"{option} must be yes or no, got {value!r}")


@app.command()
@handle_errors
def label(
    article_id: str = typer.Argument(..., help="The article's id (stories.article_id)."),
    ai_work: str = typer.Option(..., "--ai-work", help="yes: a story about AI and work; no: not."),
    topics: Optional[str] = typer.Option(
        None, "--topics", help="Comma-separated topics (AI×work stories only): displacement, "
                               "hiring, skills, adoption, policy, wages, careers."),
    note: Optional[str] = typer.Option(None, "--note", help="Why (optional, free text)."),
    who: Optional[str] = typer.Option(None, "--who", help="Your name (default: WORKWATCH_USER, "
                                                          "else the login name)."),
    db: str = DB_OPTION,
):
    """Label a story (correct the classifier): the latest label per article wins, the history
    is kept. `stories` shows the label over the classifier's verdict (is_labelled says so);
    `workwatch train` learns from the labels and `workwatch eval --warehouse` scores against
    them.

    Examples:

        workwatch label 3f9a0c1d2e4b5a69 --ai-work yes --topics displacement,policy

        workwatch label 3f9a0c1d2e4b5a69 --ai-work no --note "chip exports, not jobs"
    """
    from warehouse.labels import BadTopicError, add_label

    aw = parse_yes_no(ai_work, "--ai-work")
    wanted = [t for t in (topics or "").split(",") if t.strip()]
    path = require_warehouse(db)
    try:
        saved = add_label(path, article_id.strip(), aw, wanted, who or current_user(), note)
    except BadTopicError as exc:
        raise UsageError(str(exc)) from None
    shown = f"AI×work ({', '.join(saved.topics) or 'no topics'})" if saved.ai_work else "not AI×work"
    err.print(f"labelled {saved.article_id}: {shown}, by {saved.labelled_by}",
              markup=False, highlight=False)


@labels_app.command("export")
@handle_errors
def labels_export(
    output: Path = typer.Option(..., "--output", "-o", help="JSON-lines file to write; - is stdout."),
    db: str = DB_OPTION,
):
    """Write the latest label of every labelled story as JSON lines, in the format of the
    shared label files (id, title, summary, text, url, outlet, published, ai_work, topics;
    plus labelled_by, labelled_at, note), for `workwatch eval` and `workwatch train`.

    Examples:

        workwatch labels export --output my-labels.jsonl

        workwatch labels export -o - | jq -c '{id, ai_work, topics, labelled_by}'
    """
    from cli.outfiles import copy_to_output, is_stdio
    from warehouse.labels import export_labels

    path = require_warehouse(db)
    with tempfile.TemporaryDirectory(prefix="workwatch-labels-") as folder:
        result = Path(folder) / "labels.jsonl"
        count = export_labels(path, result)
        copy_to_output(result, output)
    shown = "stdout" if is_stdio(output) else output
    err.print(f"{count} labels -> {shown}", markup=False, highlight=False)


def evaluate_warehouse(db_path: Path, classifier=None) -> dict:
    """classifiers.evaluate's report, against the warehouse's current labels."""
    from classifiers.evaluate import evaluate
    from extractors.errors import WorkwatchError
    from warehouse.labels import export_labels

    with tempfile.TemporaryDirectory(prefix="workwatch-eval-") as folder:
        labels_file = Path(folder) / "labels.jsonl"
        count = export_labels(db_path, labels_file)
        if count == 0:
            raise WorkwatchError(f"no labels in {db_path} yet (`workwatch label ARTICLE_ID "
                                 "--ai-work yes|no` adds one)")
        report = evaluate(labels_file, classifier)
    report["labels"] = f"{db_path} (warehouse labels: {count})"
    return report
