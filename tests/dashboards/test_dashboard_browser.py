"""The dashboard in a real browser: `workwatch dashboard` serves the hand-made warehouse on
loopback, headless Chromium (Debian's package) loads it through Playwright, the charts
draw, the headline numbers and story titles appear, and a `<script>` title stays text."""

from __future__ import annotations

import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests import dashboard_fixture as fx

CHROMIUM = os.environ.get("WORKWATCH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
START_TIMEOUT_S = 60
CHART = ".vega-embed canvas, .vega-embed svg"


@pytest.fixture
def chromium() -> str:
    """Debian's Chromium; the test skips (before starting anything) without it."""
    path = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if not path:
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium chromium-driver)")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def workwatch_command() -> list[str]:
    script = Path(sys.executable).with_name("workwatch")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from cli.main import main; main()"]


def read_url(proc: subprocess.Popen, timeout: float) -> str:
    """The URL the command prints once the server answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"workwatch dashboard exited early: {proc.stderr.read()}")
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if ready:
            line = proc.stdout.readline()
            if line.startswith("workwatch dashboard: "):
                return line.split(": ", 1)[1].strip()
    raise AssertionError("workwatch dashboard printed no URL in time")


@pytest.fixture
def dashboard(chromium, tmp_path):
    db = fx.build_warehouse(tmp_path / "w.duckdb")
    port = free_port()
    proc = subprocess.Popen(workwatch_command() + ["dashboard", "--db", str(db), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=tmp_path, start_new_session=True)
    try:
        url = read_url(proc, START_TIMEOUT_S)
        assert url == f"http://127.0.0.1:{port}/"
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the group this test started
            proc.wait()
    with socket.socket() as sock:  # the Streamlit server stopped with the command
        assert sock.connect_ex(("127.0.0.1", port)) != 0


def test_dashboard_in_chromium(chromium, dashboard, tmp_path):
    from playwright.sync_api import sync_playwright

    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1300})
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

            page.goto(dashboard)
            page.wait_for_function(f"document.querySelectorAll({CHART!r}).length >= 2", timeout=30_000)
            values = page.get_by_test_id("stMetricValue").all_inner_texts()
            assert [v.strip() for v in values] == [str(fx.STORIES), str(fx.AI_WORK), fx.SHARE, "2", "1"]
            page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)
            assert page.get_by_text("Download CSV").count() >= 1  # each chart's data (issue 18)

            page.goto(dashboard + "overview")  # the first page under its name (issue 18)
            page.wait_for_function(f"document.querySelectorAll({CHART!r}).length >= 2", timeout=30_000)
            assert page.get_by_text("Page not found").count() == 0

            page.goto(dashboard + "stories")
            shown = page.get_by_test_id("stText")  # st.text: what the story view writes
            shown.filter(has_text="Careers in the age of AI: a field guide").first.wait_for(
                timeout=30_000)  # the newest story, opened below the list
            search = page.get_by_placeholder("words in the title, summary or text")
            search.fill("<script>")
            search.press("Enter")
            title = shown.filter(has_text=re.compile("^" + re.escape(fx.SCRIPT_TITLE) + "$"))
            title.wait_for(timeout=30_000)
            assert title.inner_text() == fx.SCRIPT_TITLE
            page.wait_for_timeout(300)
            assert page.locator("script", has_text="alert(1)").count() == 0
            page.screenshot(path=str(tmp_path / "story.png"), full_page=True)
        finally:
            browser.close()
    assert dialogs == []
    assert (tmp_path / "overview.png").stat().st_size > 10_000
