"""`workwatch dashboard`: the Streamlit dashboard over the warehouse (dashboards/app.py)."""

from __future__ import annotations

import ipaddress
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import typer

from core.errors import WorkwatchError
from warehouse.errors import WarehouseError
from cli.base import DB_OPTION, UsageError, app, err, handle_errors, out

APP_PATH = Path(__file__).resolve().parents[1] / "dashboards" / "app.py"
READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0


class DashboardError(WorkwatchError):
    """The dashboard server could not start or stopped on its own."""


@app.command()
@handle_errors
def dashboard(
    db: str = DB_OPTION,
    port: int = typer.Option(8501, "--port", "-p", help="Port to serve on."),
    host: str = typer.Option("127.0.0.1", "--host",
                             help="Address to bind; the default serves this machine only."),
):
    """Serve the dashboard (Streamlit) over the warehouse, read-only; prints its URL.

    Charts of AI×work stories per week, topics, outlets and feed health, and a story
    browser. It reads through short-lived read-only connections, so it can stay open while
    `workwatch ingest` runs. Stop it with Ctrl+C.

    Examples:

        workwatch dashboard

        workwatch dashboard --db data/demo.duckdb --port 8600
    """
    check_port(port)
    db_path = Path(db).expanduser().resolve()
    if not db_path.exists():
        raise WarehouseError(f"{db}: no warehouse here yet (run `workwatch ingest` or `workwatch demo`)")
    check_port_free(host, port)
    if not is_loopback(host):
        err.print(f"warning: serving on {host}: anyone who can reach it can read the warehouse "
                  "(the dashboard has no login)", markup=False, highlight=False)
    serve(db_path, host, port)


def check_port(port: int) -> None:
    if not 1 <= port <= 65535:
        raise UsageError(f"--port {port}: choose a port between 1 and 65535")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_port_free(host: str, port: int) -> None:
    """Fail early, with a clear message, when the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise DashboardError(f"cannot serve on {host}:{port} ({exc.strerror}); "
                                 "choose another --port or --host") from None


def streamlit_command(host: str, port: int) -> list[str]:
    return [sys.executable, "-m", "streamlit", "run", str(APP_PATH),
            "--server.headless", "true",
            "--server.address", host,
            "--server.port", str(port),
            "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none",
            "--server.runOnSave", "false",
            "--global.developmentMode", "false",
            "--client.toolbarMode", "viewer"]


def dashboard_url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def serve(db_path: Path, host: str, port: int) -> None:
    """Run Streamlit in a child process until Ctrl+C / SIGTERM; its log goes to stderr."""
    env = {**os.environ, "WORKWATCH_DB": str(db_path),
           "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    url = dashboard_url(host, port)
    proc = subprocess.Popen(streamlit_command(host, port), env=env, stdin=subprocess.DEVNULL,
                            stdout=sys.stderr.fileno(), preexec_fn=_die_with_parent)
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        wait_until_ready(proc, url)
        out.print(f"workwatch dashboard: {url}", markup=False, highlight=False)
        err.print(f"reading {db_path} (read-only); Ctrl+C stops it", markup=False, highlight=False)
        code = proc.wait()
        if code != 0:
            raise DashboardError(f"the dashboard server stopped (exit code {code})")
    except KeyboardInterrupt:
        err.print("dashboard stopped", markup=False)
    finally:
        signal.signal(signal.SIGTERM, previous)
        stop(proc)


def wait_until_ready(proc: subprocess.Popen, url: str, timeout: float = READY_TIMEOUT_S) -> None:
    """Poll Streamlit's health endpoint until it answers."""
    import httpx

    deadline = time.monotonic() + timeout
    with httpx.Client(trust_env=False, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise DashboardError(f"the dashboard server exited at start (exit code {proc.returncode})")
            try:
                if client.get(url + "_stcore/health").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
    raise DashboardError(f"the dashboard did not answer on {url} within {timeout:.0f}s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _raise_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _die_with_parent() -> None:
    """Linux: the server gets SIGTERM if this command dies without stopping it."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
