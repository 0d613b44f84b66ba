"""bench: the performance harness behind `workwatch bench` (a synthetic outlet site, the
naive baseline, query and reclassify timings). Only the CLI imports it."""
