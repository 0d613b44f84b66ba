"""Tests of `classifiers/` (tests/ mirrors the package layout; shared helpers stay in tests/)."""
