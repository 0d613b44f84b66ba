"""core: the few things every layer shares - the base error (`core.errors`) and the
crash-test pause points (`core.hooks`). Nothing of ours is imported here; everything may
import it. Stage data types stay in extractors/types.py (the design's arrows)."""
