"""Tests of `cli/` (tests/ mirrors the package layout; shared helpers stay in tests/)."""
