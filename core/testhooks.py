"""Test hook: hold a run at a named point so that a crash test can SIGKILL it there.

Imported by core/hooks.py only when WORKWATCH_TEST_PAUSE_AT is set. Only active when the environment variable WORKWATCH_TEST_PAUSE_AT is set (never in normal
use). Its value is `<point>` or `<point>@<n>` (the n-th time the point is reached in this
process; default the first). Points: `extract` (inside an extraction worker) and `commit`
(inside a batch's load transaction, just before COMMIT). When a run reaches the point it
writes "<point> <pid>" to the file named by WORKWATCH_TEST_PAUSE_FILE (if set) and sleeps
until it is killed (at most WORKWATCH_TEST_PAUSE_S seconds, default 600).
"""

from __future__ import annotations

import os
import time
from collections import Counter

ENV = "WORKWATCH_TEST_PAUSE_AT"
_reached: Counter[str] = Counter()


def pause_point(name: str) -> None:
    """Block here if the crash-test hook asks for this point; otherwise return at once."""
    wanted = os.environ.get(ENV)
    if not wanted:
        return
    point, _, nth = wanted.partition("@")
    if point != name:
        return
    _reached[name] += 1
    if _reached[name] != int(nth or 1):
        return
    marker = os.environ.get("WORKWATCH_TEST_PAUSE_FILE")
    if marker:
        with open(marker, "a", encoding="utf-8") as fh:
            fh.write(f"{name} {os.getpid()}\n")
    time.sleep(float(os.environ.get("WORKWATCH_TEST_PAUSE_S", "600")))
