"""core: the few things every layer shares - the base errors (`core.errors`), process
identity for lock files and lifelines (`core.procs`) and the crash-test pause points
(`core.hooks`). Imports nothing of ours; everything may import it. Stage data types stay in
extractors/types.py (the design's arrows)."""
