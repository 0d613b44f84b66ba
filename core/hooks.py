"""Named points where a crash test may hold a run: `pause_point("extract")` (in an extraction
worker) and `pause_point("commit")` (in a batch's load transaction, just before COMMIT).

In normal use `pause_point` is an empty function: the test implementation (core/testhooks.py)
is not even imported. Only when the environment variable WORKWATCH_TEST_PAUSE_AT is set when
this module is first imported - the crash tests start `workwatch ingest` as a subprocess with
it; extraction workers inherit it - does `pause_point` become the real hook. Deciding once, at
import, keeps a test-only module off the production import path and costs nothing per call.
"""

from __future__ import annotations

import os

ENV = "WORKWATCH_TEST_PAUSE_AT"

if os.environ.get(ENV):
    from core.testhooks import pause_point  # noqa: F401  (crash tests only)
else:
    def pause_point(name: str) -> None:
        """No test asked for a pause: nothing to do."""
