"""Tests of `bench/` (tests/ mirrors the package layout; shared helpers stay in tests/)."""
