"""cli: the `workwatch` command line, the edge of the program: it parses arguments, calls every
layer (flows, warehouse, classifiers, bench) and turns their typed errors into one-line
messages and exit codes. Nothing below it imports `cli` (flows are orchestration, not UI)."""
