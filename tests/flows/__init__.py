"""Tests of `flows/` (tests/ mirrors the package layout; shared helpers stay in tests/)."""
