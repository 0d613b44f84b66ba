"""flows: orchestration - the Prefect flows (`ingest.daily_ingest`, `backfill.backfill`; their
entrypoints are file paths in prefect.yaml, so this package stays at the top level), the
streaming ingest and batch pipeline, reprocess/reclassify, alerts and digests, and for now
the `workwatch` CLI (`cli.py`, `cmd_*.py`). Logic is plain functions tests call without
Prefect; SQL and transactions belong to `warehouse`."""

# Prefect's temporary server ends with the workwatch process that started it, even after a
# `kill -9` (an import hook; nothing is imported until Prefect imports its server module).
from flows.lifeline import install as _install_lifeline

_install_lifeline()
