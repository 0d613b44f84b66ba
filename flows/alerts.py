"""Alerts (issue 20): watch hits, topic spikes and feed outages, sent through Apprise.

After each ingest (`after_ingest`, called at the end of flows/ingest.py daily_ingest) the
watches are synced from watches.toml and caught up on the run's articles, messages are
queued in `alert_deliveries` (one per message and destination) and every undelivered one is
sent - new ones and those that failed in earlier runs (retried up to MAX_ATTEMPTS runs).
Nothing here can fail a run: `after_ingest` logs a warning and returns. A backfill that loaded
articles ends with `after_backfill`: the same for watch alerts only.

Messages:
- watch (mode "immediate"): one message per watch listing its new story clusters;
- spike: a topic or evidence term unusually frequent this week (warehouse/spikes.py);
  a key alerts at most once per SPIKE_QUIET_DAYS;
- outage: a feed that failed `outage_runs` runs in a row (once, when it reaches that), or a
  run in which no feed was fetched OK.
Spike and outage alerts go to [alerts] notify in watches.toml.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Sequence
from urllib.parse import urlsplit

import duckdb

from warehouse import alerting as store
from warehouse.db import utcnow
from warehouse.watches import WatchConfig

log = logging.getLogger("workwatch.alerts")
MAX_ATTEMPTS = 10
SPIKE_QUIET_DAYS = 7
MAX_STORIES_PER_MESSAGE = 50


@dataclass(frozen=True)
class Delivery:
    delivery_id: str
    kind: str
    subject: str
    target_hash: str
    title: str
    body: str
    attempts: int


def target_hash(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


def redact(url: str) -> str:
    """`scheme://host` of an Apprise URL: its tokens and passwords are never stored or shown."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(unreadable URL)"
    return f"{parts.scheme}://{host}{port}"


def all_targets(config: WatchConfig) -> dict[str, str]:
    """hash -> URL of every destination watches.toml names."""
    urls = list(config.alerts.notify) + [u for w in config.watches for u in w.notify]
    return {target_hash(u): u for u in urls}


# ------------------------------------------------------------------ queueing


def queue(con: duckdb.DuckDBPyConnection, kind: str, subject: str, title: str, body: str,
          urls: Sequence[str], run_id: str | None) -> int:
    now = utcnow()
    for url in dict.fromkeys(urls):
        store.insert_delivery(con, kind, subject, target_hash(url), redact(url), title, body, now,
                              run_id)
    return len(set(urls))


def story_line(outlet: str | None, title: str | None, url: str, topics: Sequence[str] | None) -> str:
    tags = f" [{', '.join(topics)}]" if topics else ""
    return f"- {outlet or '?'}: {title or '(no title)'} - {url}{tags}"


def queue_watch_alerts(con: duckdb.DuckDBPyConnection, config: WatchConfig, run_id: str | None) -> int:
    """One message per immediate watch with new hits; the hits are marked notified."""
    queued = 0
    now = utcnow()
    for watch in config.watches:
        rows = store.unnotified_hits(con, watch.name)
        if not rows or watch.mode != "immediate":
            continue
        if watch.notify:
            lines = [story_line(r[1], r[2], r[3], r[4]) for r in rows[:MAX_STORIES_PER_MESSAGE]]
            if len(rows) > MAX_STORIES_PER_MESSAGE:
                lines.append(f"... and {len(rows) - MAX_STORIES_PER_MESSAGE} more "
                             f"(workwatch digest lists them all)")
            title = f"workwatch: {len(rows)} new {'story' if len(rows) == 1 else 'stories'} for {watch.name}"
            queued += queue(con, "watch", watch.name, title, "\n".join(lines), watch.notify, run_id)
        store.mark_hits_notified(con, watch.name, [r[0] for r in rows], now)
    return queued


def queue_outage_alerts(con: duckdb.DuckDBPyConnection, config: WatchConfig, run_id: str) -> int:
    if not config.alerts.notify:
        return 0
    queued = 0
    statuses = store.run_fetch_statuses(con, run_id)
    if statuses and all(s == "error" for s in statuses):
        queued += queue(con, "outage", "run", "workwatch: no feed was fetched OK",
                        f"Run {run_id}: all {len(statuses)} feeds fetched failed.",
                        config.alerts.notify, run_id)
    n = config.alerts.outage_runs
    rows = store.feeds_failing_since(con, run_id, n)
    for feed, error in rows:  # exactly n failures in a row: alert once, when it starts
        queued += queue(con, "outage", feed, f"workwatch: feed {feed} failed {n} runs in a row",
                        f"Last error: {error or 'unknown'}", config.alerts.notify, run_id)
    return queued


def queue_spike_alerts(con: duckdb.DuckDBPyConnection, config: WatchConfig, run_id: str | None,
                       now: datetime | None = None) -> int:
    from warehouse.spikes import find_spikes

    if not config.alerts.notify:
        return 0
    now = now or utcnow()
    spikes = find_spikes(con, now, min_count=config.alerts.spike_min_count, p=config.alerts.spike_p)
    queued = 0
    for s in spikes:
        subject = f"{s.kind}:{s.key}"
        recent = store.deliveries_since(con, "spike", subject,
                                        now - timedelta(days=SPIKE_QUIET_DAYS))
        if recent:
            continue
        body = "\n".join([f"{s.count} stories in the last 7 days against {s.expected} a week before "
                          f"(Poisson p = {s.p_value:.1e})."] +
                         [story_line(o, t, u, None) for o, t, u in s.stories])
        queued += queue(con, "spike", subject, f"workwatch: spike in {s.kind} {s.key!r}", body,
                        config.alerts.notify, run_id)
    return queued


DIGEST_EVERY = timedelta(hours=20)  # a daily schedule that drifts a little still sends one a day


def queue_daily_digest(con: duckdb.DuckDBPyConnection, config: WatchConfig, run_id: str | None,
                       now: datetime | None = None) -> int:
    """The last day's digest (Markdown) to [alerts] notify and the digest-mode watches'
    destinations, at most once per DIGEST_EVERY; digest-mode hits are marked notified."""
    from flows.digest import build_digest, render

    urls = list(config.alerts.notify) + [u for w in config.watches if w.mode == "digest"
                                         for u in w.notify]
    if not urls:
        return 0
    now = now or utcnow()
    recent = store.deliveries_since(con, "digest", "daily", now - DIGEST_EVERY)
    if recent:
        return 0
    text = render(build_digest(con, now - timedelta(days=1), now), "markdown")
    queued = queue(con, "digest", "daily", f"workwatch digest {now:%Y-%m-%d}", text, urls, run_id)
    store.mark_watches_notified(con, [w.name for w in config.watches if w.mode == "digest"], now)
    return queued


# ------------------------------------------------------------------ sending


def send(url: str, title: str, body: str, body_format: str | None = None) -> str | None:
    """Send one message; None when delivered, else the reason (one line)."""
    import apprise

    sender = apprise.Apprise()
    if not sender.add(url):
        return f"not a valid Apprise URL ({redact(url)})"
    with apprise.LogCapture(level=logging.WARNING) as captured:
        ok = sender.notify(title=title, body=body, body_format=body_format)
        text = captured.getvalue()
    if ok:
        return None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return (lines[-1] if lines else "delivery failed")[:500]


def deliver_pending(con: duckdb.DuckDBPyConnection, targets: dict[str, str]) -> tuple[int, int]:
    """Send every undelivered message (new, or failed in earlier runs); returns (sent, failed)."""
    rows = store.pending_deliveries(con, MAX_ATTEMPTS)
    sent = failed = 0
    for row in rows:
        d = Delivery(*row)
        url = targets.get(d.target_hash)
        now = utcnow()
        if url is None:
            error = "destination no longer in watches.toml: not retried"
            store.give_up_delivery(con, d.delivery_id, MAX_ATTEMPTS, error, now)
            failed += 1
            continue
        try:
            error = send(url, d.title, d.body)
        except Exception as exc:  # a plugin's own bug must not stop the others
            error = f"{type(exc).__name__}: {exc}"[:500]
        if error is None:
            sent += 1
        else:
            failed += 1
        store.record_attempt(con, d.delivery_id, error, now)
    return sent, failed


# ------------------------------------------------------------------ the post-run hook


def after_ingest(db_path: str | Path, feeds_path: str | Path, run_id: str,
                 watches: str | None = None) -> dict | None:
    """Watches, alerts and deliveries after an ingest run. Never raises: an alert that cannot
    be queued or sent is logged (and, when queued, retried next run)."""
    return _never_raising(db_path, feeds_path, run_id, watches, watch_only=False)


def after_backfill(db_path: str | Path, feeds_path: str | Path, run_id: str,
                   watches: str | None = None) -> dict | None:
    """Watch alerts at the end of a backfill that loaded articles: its hits of immediate
    watches are sent now (not at the next ingest), pending deliveries retried. Spike, outage
    and digest alerts stay with the daily ingest. Never raises."""
    return _never_raising(db_path, feeds_path, run_id, watches, watch_only=True)


def _never_raising(db_path: str | Path, feeds_path: str | Path, run_id: str,
                   watches: str | None, watch_only: bool) -> dict | None:
    try:
        return run_alerts(db_path, feeds_path, run_id, watches, watch_only=watch_only)
    except Exception as exc:  # noqa: BLE001 - by design: a run never fails because of alerts
        log.warning("alerts skipped after run %s: %s", run_id, str(exc).splitlines()[0] if str(exc) else exc)
        return None


def run_alerts(db_path: str | Path, feeds_path: str | Path, run_id: str,
               watches: str | None = None, watch_only: bool = False) -> dict:
    from warehouse.db import write_connection
    from warehouse.tx import transaction
    from warehouse.watches import load_watches, match_run, sync_watches, watches_path

    config = load_watches(watches_path(watches, feeds_path), missing_ok=True)
    if not config.watches and not config.alerts.notify and not _stored_watches(db_path):
        # nothing to match or send: no write (its checkpoint and snapshot copy cost 0.2-4 s)
        return {"hits": 0, "queued": 0, "sent": 0, "failed": 0}
    with write_connection(db_path) as con:
        sync_watches(con, config.watches)
        hits = match_run(con, config.watches, run_id)
        with transaction(con):
            queued = queue_watch_alerts(con, config, run_id)
            if not watch_only:
                queued += queue_outage_alerts(con, config, run_id)
                queued += queue_spike_alerts(con, config, run_id)
                queued += queue_daily_digest(con, config, run_id)
        sent, failed = deliver_pending(con, all_targets(config))
    if failed:
        log.warning("%d alert deliveries failed (retried next run; see table alert_deliveries)", failed)
    return {"hits": hits, "queued": queued, "sent": sent, "failed": failed}


def _stored_watches(db_path: str | Path) -> int:
    """Watches the warehouse still holds (the file was emptied or removed: they must go)."""
    from warehouse.db import read_connection

    with read_connection(db_path) as con:
        return store.stored_watch_count(con)
