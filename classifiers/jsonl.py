"""Classify a JSON-lines file of items: the engine behind ``workwatch classify``.

Input: one JSON object per line, ``{"id", "title", "summary", "text"}``; a missing (or null)
field counts as "". Blank lines are skipped. ``.gz`` input is read transparently.
Output: one JSON object per input item, in input order::

    {"id", "is_ai_work", "ai_score", "work_score", "topics", "evidence", "probability"}

with ``evidence`` a list of ``{"signal", "term", "field", "start", "end", "weight"}``.
``probability`` is the calibrated P(ai_work) of the learned stage (null for rules only).
The output file is written to a temporary file and renamed into place at the end, so a bad
input line leaves no partial output behind.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import IO

from classifiers.base import Classifier, get_classifier
from extractors.text import CONTROL_RE
from extractors.types import Classification, TextItem

_FIELDS = ("id", "title", "summary", "text")


class JsonlInputError(ValueError):
    """A line of the input file is not a valid item; the message names the line number."""

    def __init__(self, path: str, line_no: int, reason: str) -> None:
        self.path = path
        self.line_no = line_no
        self.reason = reason
        super().__init__(f"{path}: line {line_no}: {reason}")


def _open_text(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8")
    return open(path, encoding="utf-8")


def item_from_record(record: object, *, path: str = "<input>", line_no: int = 0) -> TextItem:
    """A TextItem from one decoded JSON line (missing/null fields -> "")."""
    if not isinstance(record, dict):
        raise JsonlInputError(path, line_no, f"expected a JSON object, got {type(record).__name__}")
    values: dict[str, str] = {}
    for key in _FIELDS:
        v = record.get(key)
        if v is None:
            values[key] = ""
        elif isinstance(v, str):
            # Control characters and lone surrogates ("\ud800" is valid JSON) are removed
            # here: a surrogate made the UTF-8 output writer fail with a traceback.
            values[key] = CONTROL_RE.sub("", v)
        elif isinstance(v, (int, float)) and not isinstance(v, bool) and key == "id":
            values[key] = str(v)
        else:
            raise JsonlInputError(
                path, line_no, f"field {key!r} must be a string, got {type(v).__name__}"
            )
    return TextItem(id=values["id"], title=values["title"], summary=values["summary"], text=values["text"])


def read_items(input_path: str | Path) -> Iterator[TextItem]:
    """Yield the items of a JSON-lines file; raises JsonlInputError naming a bad line."""
    path = Path(input_path)
    with _open_text(path) as fh:
        line_no = 0
        while True:
            try:
                line = fh.readline()
            except UnicodeDecodeError as exc:
                raise JsonlInputError(str(path), line_no + 1, f"not UTF-8: {exc}") from None
            if not line:
                break
            line_no += 1
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise JsonlInputError(str(path), line_no, f"invalid JSON: {exc.msg}") from None
            except RecursionError:
                raise JsonlInputError(str(path), line_no, "JSON nested too deeply") from None
            yield item_from_record(record, path=str(path), line_no=line_no)


def classification_record(c: Classification) -> dict:
    """The output line for one classification."""
    return {
        "id": c.item_id,
        "is_ai_work": c.is_ai_work,
        "ai_score": c.ai_score,
        "work_score": c.work_score,
        "topics": list(c.topics),
        "evidence": [asdict(e) for e in c.evidence],
        "probability": c.probability,
    }


def classify_file(
    input_path: str | Path,
    output_path: str | Path,
    classifier: Classifier | None = None,
    *,
    batch_size: int = 500,
) -> int:
    """Classify every item of `input_path` into `output_path`; returns the number of items.

    Raises JsonlInputError (a ValueError) naming the line number of a bad input line, and
    OSError when a file cannot be read or written; in both cases no output file is left.
    """
    clf = classifier if classifier is not None else get_classifier()
    out = Path(output_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    count = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            batch: list[TextItem] = []

            def flush() -> None:
                nonlocal count
                for c in clf.classify(batch):
                    fh.write(json.dumps(classification_record(c), ensure_ascii=False))
                    fh.write("\n")
                count += len(batch)
                batch.clear()

            for item in read_items(input_path):
                batch.append(item)
                if len(batch) >= batch_size:
                    flush()
            if batch:
                flush()
        os.replace(tmp_name, out)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except OSError:
            pass
        raise
    return count
