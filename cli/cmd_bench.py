"""`workwatch bench`: how fast the ingest is, next to the extraction ceiling and a naive
pipeline, on a loopback site."""

from __future__ import annotations

import json
from typing import Optional

import typer

from cli.base import UsageError, app, err, handle_errors, out


@app.command()
@handle_errors
def bench(
    articles: int = typer.Option(1000, "--articles", "-n", help="Article pages to serve and ingest."),
    latency_ms: float = typer.Option(100.0, "--latency-ms", help="Latency added to every response (ms)."),
    feeds: int = typer.Option(50, "--feeds", help="Feeds, each on its own loopback port (host)."),
    naive_limit: int = typer.Option(200, "--naive-limit",
                                    help="Articles the naive pipeline runs on (the rest is extrapolated)."),
    workers: Optional[int] = typer.Option(None, help="Extraction processes (default: one per core)."),
    query_articles: int = typer.Option(100_000, "--query-articles",
                                       help="Synthetic warehouse size for the named-query timings (0: skip)."),
    cold_start: bool = typer.Option(True, "--cold-start/--no-cold-start",
                                    help="Also time Prefect's first start with an empty Prefect home."),
    keep: Optional[str] = typer.Option(None, "--keep", help="Keep the warehouses and archives in this folder."),
    prefect_api_url: Optional[str] = typer.Option(
        None, "--prefect-api-url",
        help="Run the flows against this Prefect API (e.g. `workwatch serve`'s) instead of a "
             "temporary server; start-up is then only the connection."),
    json_out: bool = typer.Option(False, "--json", help="Print the report as one JSON object."),
    dask: Optional[str] = typer.Option(
        None, "--dask", help="Run workwatch's extraction on Dask: 'local' (a LocalCluster of "
                             "one worker per core) or a scheduler address."),
):
    """Measure ingest speed: extraction ceiling, naive pipeline and workwatch, side by side.

    Serves N article pages (the corpus's real pages when ../shared/corpus is there) from F
    loopback hosts with L ms of latency per response, then times, one after another:
    trafilatura alone in one process per core (the ceiling), a naive sequential pipeline,
    and workwatch's real ingest flow into a fresh warehouse (plus a second run in which
    every feed answers 304). Prints articles/s, the ratios, Prefect's start-up, peak memory.

    Examples:

        workwatch bench

        workwatch bench --articles 5000 --latency-ms 100 --json > bench.json

        workwatch bench -n 200 --latency-ms 20 --feeds 10 --query-articles 0

        workwatch bench --dask local      # the same figures, extraction on a LocalCluster
    """
    if articles < 1 or feeds < 1 or latency_ms < 0 or naive_limit < 1 or query_articles < 0:
        raise UsageError("--articles, --feeds and --naive-limit must be positive; "
                         "--latency-ms and --query-articles not negative")
    from bench.harness import BenchOptions, run_bench
    from bench.report import format_report

    options = BenchOptions(articles=articles, latency_ms=latency_ms, feeds=feeds,
                           naive_limit=naive_limit, workers=workers, cold_start=cold_start,
                           query_articles=query_articles, keep_dir=keep,
                           prefect_api_url=prefect_api_url, dask=dask)
    report = run_bench(options, note=lambda m: err.print(m, markup=False, highlight=False))
    if json_out:
        out.file.write(json.dumps(report, default=str) + "\n")
    else:
        out.print(format_report(report), markup=False, highlight=False)
