"""Tests of `core/` (tests/ mirrors the package layout; shared helpers stay in tests/)."""
