"""A rich progress display for the CLI (feeds fetched, articles processed)."""

from __future__ import annotations

import contextlib
from typing import Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from flows.progress import set_reporter


class RichReporter:
    def __init__(self, progress: Progress):
        self.progress = progress
        self.tasks: dict[str, int] = {}

    def start(self, stage: str, total: int) -> None:
        if stage in self.tasks:
            self.progress.update(self.tasks[stage], total=total, completed=0)
        else:
            self.tasks[stage] = self.progress.add_task(stage, total=total)

    def advance(self, stage: str, amount: int = 1) -> None:
        if stage in self.tasks:
            self.progress.advance(self.tasks[stage], amount)

    def note(self, message: str) -> None:
        self.progress.console.print(message, markup=False, highlight=False)


@contextlib.contextmanager
def progress_display(console: Console, enabled: bool = True) -> Iterator[None]:
    if not enabled or not console.is_terminal:
        yield
        return
    columns = (TextColumn("{task.description:>9}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        set_reporter(RichReporter(progress))
        try:
            yield
        finally:
            set_reporter(None)
