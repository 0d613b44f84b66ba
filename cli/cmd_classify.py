"""`workwatch classify` (a JSON-lines file through the classifier) and `workwatch eval`
(precision, recall and F1 on labelled items, a file or the warehouse's labels)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Optional

import typer

from cli.base import (DB_OPTION, FEEDS_OPTION, UsageError, app, err, handle_errors, out,
                      require_warehouse)
from extractors.errors import WorkwatchError


# ---------------------------------------------------------------- classifier


@app.command()
@handle_errors
def classify(
    input: Path = typer.Option(..., "--input", "-i",
                               help="JSON lines: {id, title, summary, text}; - is stdin."),
    output: Path = typer.Option(..., "--output", "-o",
                                help="Where to write the results (JSON lines); - is stdout."),
    classifier: Optional[str] = typer.Option(
        None, "--classifier", help="rules, learned, or llm (the LLM judge for the candidates; "
                                   "needs WORKWATCH_LLM_BASE_URL or feeds.toml [classifier.llm])."),
    db: str = DB_OPTION,
    feeds: str = FEEDS_OPTION,
):
    """Classify items from a JSON-lines file (no warehouse needed; --classifier llm caches
    the model's answers in the --db warehouse).

    The output is written whole at the end: a bad input line leaves no partial output. A
    symlink or a device (/dev/stdout) is written through, never replaced.

    Examples:

        workwatch classify --input items.jsonl --output scored.jsonl

        cat items.jsonl | workwatch classify -i - -o - | jq .is_ai_work

        WORKWATCH_LLM_BASE_URL=http://127.0.0.1:8080/v1 WORKWATCH_LLM_MODEL=qwen2.5-7b \
          workwatch classify --classifier llm -i items.jsonl -o judged.jsonl
    """
    from classifiers.jsonl import classify_file
    from flows.llm_setup import judge_line, resolve_classifier
    from cli.outfiles import copy_to_output, input_path, is_stdio

    if not is_stdio(input) and not input.exists():
        raise WorkwatchError(f"{input}: no such file")
    # classify_file writes a whole file (temporary, renamed into place); it writes into a
    # private folder here and the CLI puts the result where --output says (stdout, through
    # a symlink or device, or a new file with the umask's mode).
    with tempfile.TemporaryDirectory(prefix="workwatch-classify-") as folder:
        result = Path(folder) / "classified.jsonl"
        try:
            clf = resolve_classifier(classifier, feeds, db)
            count = classify_file(input_path(input), result, clf)
        except ValueError as exc:
            raise WorkwatchError(str(exc)) from None
        except OSError as exc:
            raise WorkwatchError(f"{input}: cannot read ({exc.strerror or exc})") from None
        copy_to_output(result, output)
    shown = "stdout" if is_stdio(output) else output
    err.print(f"classified {count} items -> {shown}", markup=False, highlight=False)
    if judge_line(clf):
        err.print(judge_line(clf), markup=False, highlight=False, emoji=False)


@app.command(name="eval")
@handle_errors
def eval_(
    labels: Optional[list[Path]] = typer.Argument(None, help="Labelled items (JSON lines with ai, work, ai_work, topics); several files are pooled with --folds."),
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    folds: Optional[int] = typer.Option(
        None, "--folds", "-k", min=2,
        help="Stratified K-fold cross-validation over the pooled files: the learned stage is "
             "trained inside each fold only; rules-only and rules + learned are reported as "
             "mean ± sd."),
    extra_train: Optional[list[Path]] = typer.Option(
        None, "--extra-train",
        help="With --folds: extra labelled items added to every TRAINING fold only (the test "
             "folds stay the given files); id-only lines, as classifiers/labels/extra-2023.jsonl, "
             "take their text from ../shared/corpus/replay-2023.jsonl.gz. Repeatable."),
    extra_for: str = typer.Option(
        "topics", "--extra-for",
        help="Which heads the --extra-train items train: 'topics' (as `workwatch train` "
             "uses them) or 'all'."),
    classifier: Optional[str] = typer.Option(
        None, "--classifier", help="Classifier to evaluate without --folds (default: the default "
                                   "one): rules, learned, or llm (the LLM judge)."),
    warehouse: bool = typer.Option(
        False, "--warehouse", help="Score against the analysts' labels stored in the --db "
                                   "warehouse (`workwatch label`) instead of a file."),
    db: str = DB_OPTION,
    feeds: str = FEEDS_OPTION,
):
    """Precision, recall and F1 of the classifier on labelled items.

    Examples:

        workwatch eval ../shared/corpus/labels/dev.jsonl

        workwatch eval --classifier rules ../shared/corpus/labels/dev.jsonl

        workwatch eval --folds 5 ../shared/corpus/labels/train-2023.jsonl ../shared/corpus/labels/dev.jsonl

        workwatch eval --folds 5 --extra-train classifiers/labels/extra-2023.jsonl ../shared/corpus/labels/train-2023.jsonl ../shared/corpus/labels/dev.jsonl

        workwatch eval --classifier llm ../shared/corpus/labels/dev.jsonl

        workwatch eval --warehouse
    """
    from classifiers.evaluate import evaluate, format_report
    from flows.llm_setup import judge_line, resolve_classifier

    labels = labels or []
    if warehouse:
        if labels or folds is not None:
            raise UsageError("--warehouse scores the stored labels: give no labels file or --folds")
        from cli.cmd_labels import evaluate_warehouse  # here: --help order (cli/main.py)

        clf = resolve_classifier(classifier, feeds, db)
        report = evaluate_warehouse(require_warehouse(db), clf)
        if json_out:
            out.file.write(json.dumps(report, default=str) + "\n")
        else:
            out.print(format_report(report), markup=False, highlight=False, emoji=False)
        if judge_line(clf):
            err.print(judge_line(clf), markup=False, highlight=False, emoji=False)
        return
    if not labels:
        raise UsageError("give a labels file (or several with --folds K), or --warehouse")
    if extra_train and folds is None:
        raise UsageError("--extra-train needs --folds K (it adds to the training folds only)")
    for path in [*labels, *(extra_train or [])]:
        if not path.exists():
            raise WorkwatchError(f"{path}: no such file")
    try:
        if folds is not None:
            from classifiers.crossval import cross_validate, format_cv
            from classifiers.train import load_extra_labels

            extra_rows: list = []
            for path in extra_train or []:
                joined = load_extra_labels(path)
                if joined.note:
                    err.print(joined.note, markup=False, highlight=False, emoji=False)
                extra_rows += joined.rows
            report = cross_validate(labels, folds, extra_train=extra_rows, extra_for=extra_for)
            text = format_cv(report)
        else:
            if len(labels) != 1:
                raise UsageError("give one labels file, or several with --folds K")
            clf = resolve_classifier(classifier, feeds, db)
            report = evaluate(labels[0], clf)
            text = format_report(report)
            if judge_line(clf):
                report["llm"] = clf.stats.as_dict()
                err.print(judge_line(clf), markup=False, highlight=False, emoji=False)
    except ValueError as exc:
        raise WorkwatchError(str(exc)) from None
    if json_out:
        out.file.write(json.dumps(report, default=str) + "\n")
    else:
        out.print(text, markup=False, highlight=False, emoji=False)
