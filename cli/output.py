"""Rendering query results as a table, CSV or JSON (for `sql`, `feeds`, `query`)."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

FORMATS = ("table", "csv", "json")
# C0/C1 control characters (ESC, OSC, CSI, BEL...): a stored title must never drive the
# analyst's terminal. Shown as visible escapes in tables, and in CSV/JSON sent to a terminal.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def escape_controls(text: str) -> str:
    """`text` with every control character but tab and newline shown as \\xNN."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, bytes):
        return value.hex()
    return value


def _cell(value: Any, width: int = 80) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(v) for v in value)
    text = escape_controls(str(_plain(value)).replace("\n", " "))
    return text if len(text) <= width else text[: width - 1] + "…"


def render(columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str, console: Console,
           title: str | None = None) -> None:
    if fmt == "json":
        data = [{c: _plain(v) for c, v in zip(columns, row)} for row in rows]
        text = json.dumps(data, ensure_ascii=False, indent=None) + "\n"
        console.file.write(escape_controls(text) if console.is_terminal else text)
    elif fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_csv_cell(v) for v in row])
        console.file.write(escape_controls(buf.getvalue()) if console.is_terminal else buf.getvalue())
    else:
        table = Table(title=title, show_lines=False, header_style="bold")
        for c in columns:
            table.add_column(c, overflow="fold")
        for row in rows:
            table.add_row(*[Text(_cell(v)) for v in row])  # data, never markup
        console.print(table, markup=False, highlight=False)


def _csv_cell(value: Any) -> Any:
    value = _plain(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value
