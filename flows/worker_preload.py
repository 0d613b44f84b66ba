"""Imported once by the extraction pool's fork server (flows.pipeline.make_pool).

Loading the language-identification model (~70 MB of arrays) and compiling the classifier's
lexicon here, before any worker is forked, lets every worker share those pages with the fork
server (copy-on-write) instead of loading its own copy, and a new worker starts ready.
"""

from flows.extraction import warm_up_worker

warm_up_worker()
