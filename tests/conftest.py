"""Shared fixtures: a temporary PREFECT_HOME, one Prefect test harness per session, the
sample outlets on loopback, and the path of the shared corpus (tests skip without it)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

_PREFECT_HOME = tempfile.mkdtemp(prefix="workwatch-prefect-")
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.pop("PREFECT_API_URL", None)
# Prefect's temporary server took 15-45 s to start on a loaded 2-core box (issue 14), over
# Prefect's 20 s default: every test process and every `workwatch` subprocess a test spawns
# (they inherit this environment) waits up to 180 s. A test that wants a failing start sets
# its own value.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
os.environ.setdefault("DO_NOT_TRACK", "1")

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"


def corpus_path(*parts: str) -> Path:
    """A path inside ../shared/corpus; skips the test when it is absent."""
    path = CORPUS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared corpus not available ({path})")
    return path


@pytest.fixture(scope="session")
def prefect_harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture
def outlets_copy(tmp_path) -> Path:
    """A private copy of the bundled sample outlets that a test may change."""
    from flows.sample_site import bundled_root

    target = tmp_path / "outlets"
    shutil.copytree(bundled_root(), target)
    return target


@pytest.fixture
def sample_site(outlets_copy):
    from flows.sample_site import SampleSite

    with SampleSite(outlets_copy) as site:
        yield site


@pytest.fixture
def sample_feeds(sample_site, tmp_path) -> Path:
    path = tmp_path / "feeds.toml"
    path.write_text(sample_site.feeds_toml(), encoding="utf-8")
    return path


# `make test-fast` runs `pytest -m "not slow"`: the unit tests, in under a minute. A test is
# slow when it needs Prefect's server (the prefect_harness fixture: 15-45 s to start on the
# 2-core box), or lives in a module that starts `workwatch` subprocesses, servers or a
# browser, or whose tests take seconds (SLOW_MODULES); a slow test elsewhere says
# @pytest.mark.slow itself (anything over ~1 s: `pytest -m "not slow" --durations=20`).
# Marking the slow ones (not the fast ones) keeps `make test` the whole suite with no marker
# at all, and a new test counts as quick unless it takes one of these paths.
SLOW_FIXTURES = {"prefect_harness"}
SLOW_MODULES = {
    # subprocesses, Prefect, servers, a browser
    "test_crash", "test_locks_and_orphans", "test_serve", "test_dashboard_browser", "test_bench",
    "test_scaleout", "test_robust_cli", "test_cli", "test_alerts", "test_ingest",
    "test_streaming_ingest", "test_hardening_ingest", "test_backfill", "test_backfill_offline",
    "test_backfill_sitemaps", "test_llm_judge", "test_http", "test_first_minutes",
    # most tests here take 0.5-2 s (a CLI run, a dashboard page, a trained model, the corpus)
    "test_watches", "test_dashboard", "test_labels", "test_sql_door", "test_input_door",
    "test_opml", "test_extraction_corpus", "test_classifier_learned",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        module = getattr(item, "module", None)
        name = module.__name__.rsplit(".", 1)[-1] if module else ""
        if name in SLOW_MODULES or SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_PREFECT_HOME, ignore_errors=True)
