"""Tests of `dashboards/` (tests/ mirrors the package layout; shared helpers stay in tests/)."""
