"""Imported once by the extraction pool's fork server (flows.pipeline.make_pool).

Loading the language-identification model (~70 MB of arrays) and compiling the classifier's
lexicon here, before any worker is forked, lets every worker share those pages with the fork
server (copy-on-write) instead of loading its own copy, and a new worker starts ready.

Every worker forked from here ends when the command that started the pool ends, even by
`kill -9` (flows/lifeline.py); the fork server then exits too.
"""

from flows.extraction import warm_up_worker
from flows.lifeline import arm_forkserver

arm_forkserver()
warm_up_worker()
