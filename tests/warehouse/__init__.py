"""Tests of `warehouse/` (tests/ mirrors the package layout; shared helpers stay in tests/)."""
