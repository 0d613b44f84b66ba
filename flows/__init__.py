"""flows: orchestration - the Prefect flows (`ingest.daily_ingest`, `backfill.backfill`; their
entrypoints are file paths in prefect.yaml, so this package stays at the top level), the
streaming ingest and batch pipeline, reprocess/reclassify, replay, alerts and digests. Logic
is plain functions tests call without Prefect; SQL and transactions belong to `warehouse`; the
command line that calls them is `cli` (flows never import it)."""

# Prefect's temporary server ends with the workwatch process that started it, even after a
# `kill -9` (an import hook; nothing is imported until Prefect imports its server module).
from flows.lifeline import install as _install_lifeline

_install_lifeline()
