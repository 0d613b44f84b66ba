"""Scale-out: extraction and classification of article batches on a Dask cluster, through
prefect-dask's DaskTaskRunner. Without it nothing changes (the local process pool stays).

The warehouse stays a single writer: Dask workers only return batches; the flow's own load
step writes them.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from prefect import Flow, task
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext

from flows import pipeline
from flows.extraction import extract_and_classify
from flows.pipeline import Runtime

DASK_ENV = "WORKWATCH_DASK_ADDRESS"


@task(name="extract-classify-chunk", cache_policy=NO_CACHE, persist_result=False, retries=1)
def extract_chunk_task(pages: list, classifier_name: str, settings) -> tuple:
    """Runs on a Dask worker: extract a chunk of pages and classify the articles."""
    return extract_and_classify(pages, classifier_name, settings)


def dask_task_runner(address: str, workers: int | None = None):
    """A DaskTaskRunner for `address`: a scheduler ("tcp://host:8786") or "local" for a
    temporary LocalCluster of one single-threaded worker process per core."""
    from prefect_dask import DaskTaskRunner

    if address == "local":
        return DaskTaskRunner(cluster_class="distributed.LocalCluster", cluster_kwargs={
            "n_workers": workers or pipeline.default_workers(), "threads_per_worker": 1,
            "processes": True, "dashboard_address": None, "host": "127.0.0.1"})
    return DaskTaskRunner(address=address)


def with_dask(flow: Flow, address: str | None, workers: int | None = None) -> Flow:
    """The flow itself, or a copy running its `.submit()`-ed tasks on Dask."""
    address = address or os.environ.get(DASK_ENV) or None
    if not address:
        return flow
    return flow.with_options(task_runner=dask_task_runner(address, workers))


def runner_is_dask() -> bool:
    """Is the current flow run on a DaskTaskRunner?"""
    runner = getattr(FlowRunContext.get(), "task_runner", None)
    return runner is not None and type(runner).__name__ == "DaskTaskRunner"


def use_task_runner_for_extraction(rt: Runtime) -> bool:
    """When the flow runs on a DaskTaskRunner, send extraction chunks there."""
    if not runner_is_dask():
        return False

    async def remote(chunk: list) -> tuple[Any, Any, Any]:
        future = extract_chunk_task.submit(chunk, rt.classifier_name, rt.extract)
        return await asyncio.to_thread(future.result)

    rt.remote_extract = remote
    return True
