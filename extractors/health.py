"""Feed health: failing feeds build up an error score and are checked less often.

Hard errors (404, not a feed, blocked) weigh more than transient ones (timeouts, 5xx). A
failing feed's next check is pushed back exponentially, capped at a few days, and it is never
dropped: one success resets the failures and halves the score.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

HARD_WEIGHT = 3.0
TRANSIENT_WEIGHT = 1.0
FIRST_BACKOFF = timedelta(hours=1)
MAX_BACKOFF = timedelta(days=3)


@dataclass(frozen=True)
class FeedHealth:
    error_score: float
    consecutive_failures: int
    next_check_at: datetime | None


def after_success(score: float, now: datetime) -> FeedHealth:
    return FeedHealth(error_score=round(score / 2, 3), consecutive_failures=0, next_check_at=now)


def after_failure(score: float, failures: int, kind: str | None, now: datetime) -> FeedHealth:
    weight = TRANSIENT_WEIGHT if kind == "transient" else HARD_WEIGHT
    failures += 1
    backoff = min(MAX_BACKOFF, FIRST_BACKOFF * (2 ** (failures - 1)))
    return FeedHealth(error_score=round(score + weight, 3), consecutive_failures=failures,
                      next_check_at=now + backoff)


def is_due(next_check_at: datetime | None, now: datetime) -> bool:
    return next_check_at is None or next_check_at <= now
