"""`workwatch bench`: the extraction ceiling, a naive pipeline and workwatch's ingest, on the
same loopback site in the same run, with Prefect's start-up, memory and a second run.

Phases, one after another so that they do not compete for the cores:
  a. ceiling  — trafilatura alone, one process per core (bench/ceiling.py)
  b. naive    — sequential feedparser/httpx/trafilatura/one INSERT per article (bench/naive.py)
  c. workwatch — `flows.ingest.daily_ingest` into a fresh DuckDB file, in a process of its
                 own (bench/ingest_run.py), then again with nothing new (feeds answer 304)
  d. named-query latencies on a synthetic warehouse (bench/queries.py), when present
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from bench.ceiling import extraction_ceiling
from bench.naive import DEFAULT_LIMIT, naive_pipeline
from bench.pages import ROOT, load_pages
from bench.proctree import TreeRecorder
from bench.report import summarise
from bench.site import BenchSite, SiteSpec
from extractors.errors import WorkwatchError

QUERY_ARTICLES = 100_000


class BenchError(WorkwatchError):
    """The benchmark could not run."""


@dataclass(frozen=True)
class BenchOptions:
    articles: int = 1000
    latency_ms: float = 100.0
    feeds: int = 50
    naive_limit: int = DEFAULT_LIMIT
    workers: int | None = None
    cold_start: bool = True  # also time Prefect's first start with an empty Prefect home
    query_articles: int = QUERY_ARTICLES  # 0: skip the named queries
    keep_dir: str | None = None  # keep the warehouses and archives here
    prefect_api_url: str | None = None  # a running Prefect API instead of a temporary server
    dask: str | None = None  # run phase c's extraction on Dask ("local": a LocalCluster)


def run_bench(options: BenchOptions, note: Callable[[str], None] = lambda _m: None) -> dict[str, Any]:
    """Run every phase; return the report (plain JSON-able dict)."""
    if options.articles < 1 or options.feeds < 1:
        raise BenchError("--articles and --feeds must be at least 1")
    feeds = min(options.feeds, options.articles)
    workdir = Path(options.keep_dir or tempfile.mkdtemp(prefix="workwatch-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    pages = load_pages()
    report: dict[str, Any] = {
        "articles": options.articles, "latency_ms": options.latency_ms, "feeds": feeds,
        "cores": os.cpu_count(), "pages": pages.source, "page_templates": len(pages.templates),
        "mean_page_kb": round(pages.total_bytes / len(pages.templates) / 1024, 1),
    }
    try:
        spec = SiteSpec(articles=options.articles, feeds=feeds, latency_ms=options.latency_ms)
        with BenchSite(spec) as site:
            note(f"site: {options.articles} articles on {feeds} loopback ports, "
                 f"{options.latency_ms:g} ms per response ({pages.source} pages)")
            note("a. extraction ceiling (trafilatura alone, one process per core)")
            ceiling = extraction_ceiling(options.articles, options.workers)
            report["ceiling"] = {"seconds": ceiling.seconds, "workers": ceiling.workers,
                                 "rate": round(ceiling.rate, 1), "extracted": ceiling.extracted,
                                 "cpu_s": ceiling.cpu_s}
            note(f"b. naive sequential pipeline (first {min(options.naive_limit, options.articles)}"
                 " articles, extrapolated)")
            naive = naive_pipeline([site.feed_url(n) for n in range(feeds)],
                                   workdir / "naive.duckdb", options.naive_limit)
            report["naive"] = {
                "measured": naive.measured, "feeds_s": naive.feeds_s,
                "articles_s": naive.articles_s, "extrapolated_s": round(naive.extrapolated_s, 2),
                "rate": round(naive.rate, 2), "extrapolated": naive.measured < naive.articles}
            note("c. workwatch ingest (Prefect flow, fresh warehouse), then a second run")
            before = site.stats()
            report["workwatch"] = _ingest(site, workdir, options, note)
            report["workwatch"]["dask"] = options.dask
            after = site.stats()
            report["site"] = {"cpu_s_during_ingest": round(after.cpu_s - before.cpu_s, 2),
                              "feeds_304": after.feeds_304 - before.feeds_304,
                              "pages_served": after.pages - before.pages}
        report["queries"] = _queries(workdir, options, note)
        summarise(report)
    finally:
        if not options.keep_dir:
            shutil.rmtree(workdir, ignore_errors=True)
    return report


def _ingest(site: BenchSite, workdir: Path, options: BenchOptions,
            note: Callable[[str], None]) -> dict[str, Any]:
    feeds_file = workdir / "feeds.toml"
    feeds_file.write_text(site.feeds_toml(), encoding="utf-8")
    env = _child_env(workdir / "prefect", options.prefect_api_url)
    args = {"feeds": str(feeds_file), "db": str(workdir / "workwatch.duckdb"),
            "data_dir": str(workdir / "data"), "workers": options.workers,
            "dask": options.dask}
    result: dict[str, Any] = {}
    if options.cold_start and not options.prefect_api_url:
        note("   Prefect's first start (empty Prefect home: database created)")
        cold = _child(dict(args, probe_only=True), env, workdir)
        result["prefect_cold_startup_s"] = cold["prefect_startup_s"]
    if not options.prefect_api_url:  # the child's flow boots one: 8-45 s of silence otherwise
        note("   starting Prefect… (a temporary local server for the measured run; up to 180 s)")
    result.update(_child(args, env, workdir))
    return result


def _child_env(prefect_home: Path, api_url: str | None = None) -> dict[str, str]:
    """A private, temporary Prefect (never the user's server unless asked for): what a cron
    run without a Prefect server does."""
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    if api_url:
        env["PREFECT_API_URL"] = api_url
    env.update({
        "PREFECT_HOME": str(prefect_home), "PREFECT_LOGGING_LEVEL": "WARNING",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
    })
    return env


def _child(args: dict, env: dict[str, str], workdir: Path) -> dict[str, Any]:
    """Run bench/ingest_run.py in a session of its own; its report comes back in a file (a
    pipe could be held open by a grandchild, such as Prefect's server); whatever of its
    process group outlives it is stopped."""
    report, log = workdir / "ingest-report.json", workdir / "ingest-run.log"
    report.unlink(missing_ok=True)
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "bench.ingest_run", json.dumps(args),
                                 str(report)], env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            with TreeRecorder(proc.pid) as recorder:
                code = proc.wait(timeout=3600)
        finally:
            _stop_group(proc)
    if code != 0 or not report.exists():
        tail = log.read_text(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise BenchError(f"the ingest run failed (exit {code}): {tail[0]}")
    result = json.loads(report.read_text())
    for label in ("first", "second"):
        if label in result:
            result[label].update(recorder.window(*result[label].pop("window")))
    return result


def _stop_group(proc: subprocess.Popen) -> None:
    """Stop what is left of the child's process group (it is the group's leader)."""
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        pass


def _queries(workdir: Path, options: BenchOptions, note: Callable[[str], None]) -> dict[str, Any] | None:
    if options.query_articles <= 0:
        return None
    try:
        from bench.queries import build_synthetic_warehouse, time_named_queries
    except ImportError:
        return None
    note(f"d. named queries on a synthetic warehouse of {options.query_articles:,} articles")
    path = workdir / "queries.duckdb"
    started = time.perf_counter()
    build_synthetic_warehouse(path, options.query_articles)
    build_s = time.perf_counter() - started
    return {"articles": options.query_articles, "build_s": round(build_s, 1),
            "median_ms": time_named_queries(path)}
