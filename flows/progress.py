"""Progress reporting for long work. The CLI installs a rich display; elsewhere it is silent."""

from __future__ import annotations

from typing import Protocol


class Reporter(Protocol):
    def start(self, stage: str, total: int) -> None: ...
    def advance(self, stage: str, amount: int = 1) -> None: ...
    def note(self, message: str) -> None: ...


class SilentReporter:
    def start(self, stage: str, total: int) -> None:
        pass

    def advance(self, stage: str, amount: int = 1) -> None:
        pass

    def note(self, message: str) -> None:
        pass


_reporter: Reporter = SilentReporter()


def reporter() -> Reporter:
    return _reporter


def set_reporter(value: Reporter | None) -> None:
    global _reporter
    _reporter = value or SilentReporter()
