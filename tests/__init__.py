"""tests: pytest, one module per behaviour, real parts (loopback servers, DuckDB files,
Prefect flows). `make test` runs them all; `make test-fast` the quick ones (not `slow`,
see conftest.py)."""
