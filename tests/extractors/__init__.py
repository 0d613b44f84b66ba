"""Tests of `extractors/` (tests/ mirrors the package layout; shared helpers stay in tests/)."""
