"""Starting Prefect for a CLI command without letting its start-up crash the run.

Without PREFECT_API_URL, Prefect 3 starts a temporary API server (a uvicorn subprocess) in
every process that runs a flow, and gives up after PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS
(Prefect's default: 20). Measured on the 2-core box with other work running (load 6-10) that
start took 15-45 s, and the first start of a fresh venv was over 20 s on an idle machine in
one of two tries (issue 14): `make demo` failed with a 50-line traceback. So the CLI

- sets a generous default (180 s) before Prefect is imported, unless the user set one (in the
  environment or in the active Prefect profile);
- starts the server itself, before the flow, saying "starting Prefect…" while it waits;
- turns a failed or timed-out start into one line with the remedy (PrefectStartError);
- when PREFECT_API_URL names a server, uses it (no boot) after checking that it answers.

Nothing here imports Prefect at module import time: `set_startup_defaults()` must run first.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from extractors.errors import WorkwatchError

STARTUP_TIMEOUT_VAR = "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"
DEFAULT_STARTUP_TIMEOUT = 180  # 4x the slowest start measured under load (45 s)
SLOW_START_HINT_AFTER = 10.0  # seconds; a start slower than this gets a hint to run a server
API_HEALTH_TIMEOUT = 10.0  # seconds to wait for a configured server's /health


class PrefectStartError(WorkwatchError):
    """Prefect's API could not be reached or its temporary server did not start."""


def _profile_sets(name: str) -> bool:
    """Whether the active Prefect profile file sets `name` (a cheap text check, no import)."""
    home = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()
    path = Path(os.environ.get("PREFECT_PROFILES_PATH") or home / "profiles.toml").expanduser()
    try:
        return name in path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False


def set_startup_defaults() -> None:
    """Environment defaults for Prefect; call before anything imports prefect."""
    if STARTUP_TIMEOUT_VAR not in os.environ and not _profile_sets(STARTUP_TIMEOUT_VAR):
        os.environ[STARTUP_TIMEOUT_VAR] = str(DEFAULT_STARTUP_TIMEOUT)
    # Prefect (and uvicorn's server) print a telemetry notice / send usage data otherwise.
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


REMEDY = (f"raise {STARTUP_TIMEOUT_VAR} (e.g. 300), or run `prefect server start` in another "
          "terminal and set PREFECT_API_URL=http://127.0.0.1:4200/api")


def ensure_prefect(console, *, quiet: bool = False) -> str | None:
    """Make sure the flow about to run has a Prefect API; returns its URL.

    A configured PREFECT_API_URL is checked (any HTTP answer counts: Prefect Cloud may answer
    401 on /health); otherwise the temporary server is started here, with a notice on
    `console` (stderr), so that the flow's own client finds it running."""
    from prefect.settings import (PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED,
                                  PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS)

    api = PREFECT_API_URL.value()
    if api:
        _check_reachable(api)
        return api
    if not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        raise PrefectStartError(
            "no Prefect API: PREFECT_API_URL is not set and the temporary server is disabled "
            "(PREFECT_SERVER_ALLOW_EPHEMERAL_MODE); set PREFECT_API_URL=http://127.0.0.1:4200/api "
            "after `prefect server start`")
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    if server.running and server.server_process is not None:
        return server.api_url
    timeout = PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value()
    message = "starting Prefect…"
    started = time.monotonic()
    try:
        if quiet:
            server.start()
        elif console.is_terminal:
            with console.status(f"{message} (a temporary local server; up to {timeout} s)"):
                server.start()
        else:
            console.print(f"{message} (a temporary local server; up to {timeout} s; "
                          "set PREFECT_API_URL to use a running one)",
                          markup=False, highlight=False)
            server.start()
    except Exception as exc:
        code = server.server_process.poll() if server.server_process is not None else None
        try:
            server.stop()  # never leave a half-started server behind
        except Exception:
            pass
        if code is not None:
            raise PrefectStartError(
                f"Prefect's temporary server exited with code {code} while starting; "
                f"{REMEDY}") from None
        if "Timed out" in str(exc):
            raise PrefectStartError(
                f"Prefect's temporary server did not start within {timeout} s ({STARTUP_TIMEOUT_VAR}); "
                f"{REMEDY}") from None
        raise PrefectStartError(f"Prefect's temporary server did not start ({type(exc).__name__}: "
                                f"{str(exc)[:200]}); {REMEDY}") from None
    took = time.monotonic() - started
    if took > SLOW_START_HINT_AFTER and not quiet:
        console.print(f"Prefect took {took:.0f} s to start; a running server (`prefect server "
                      "start`, PREFECT_API_URL) saves that on every command",
                      markup=False, highlight=False)
    return server.api_url


def _check_reachable(api: str) -> None:
    import httpx

    try:
        with httpx.Client(timeout=API_HEALTH_TIMEOUT) as client:
            client.get(api.rstrip("/") + "/health")
    except httpx.HTTPError as exc:
        raise PrefectStartError(
            f"no Prefect server answers at {api} (PREFECT_API_URL): {type(exc).__name__}; "
            "start it with `prefect server start`, or unset PREFECT_API_URL to use a "
            "temporary one") from None


def is_prefect_startup_failure(exc: BaseException) -> bool:
    """A start-up failure raised from inside Prefect (e.g. a second server start mid-run)."""
    return isinstance(exc, RuntimeError) and "ephemeral Prefect API server" in str(exc)


def _subclass_names(cls: type) -> set[str]:
    names = {cls.__name__}
    for sub in cls.__subclasses__():
        names |= _subclass_names(sub)
    return names


class _QuietFlowNotices:
    """Drop Prefect's records that repeat, with a traceback, what the CLI says in one line.

    - "Crash detected!" / "Finished in state Crashed": a run is "crashed" in Prefect's terms
      only by a BaseException (Ctrl-C, SIGTERM, a cancellation); the CLI says so itself
      (exit 130/143) and the exception still reaches it.
    - "Encountered exception during execution" / "Finished in state Failed(...: X: ...)" for a
      workwatch error X (a bad line in a --urls file, a busy warehouse): the CLI prints it as
      its one-line error. Other exceptions keep Prefect's records (and reach the CLI too).

    The run's state (Crashed, Failed) is still recorded on the Prefect server. Measured: one
    bad --urls line gave a 20-line traceback on stderr before the one-line error."""

    CRASH = ("Crash detected!", "Finished in state Crashed")

    def filter(self, record) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True
        if any(n in message for n in self.CRASH):
            return False
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None and isinstance(exc, WorkwatchError):
            return False
        if "Finished in state Failed" in message and "encountered an exception: " in message:
            name = message.split("encountered an exception: ", 1)[1].split(":", 1)[0]
            return name not in _subclass_names(WorkwatchError)
        return True


# Prefect's background services warn "Still processing items: N items remaining..." when the
# process ends before they drained their queue (seen at exit under load); the items are still
# sent, so it is progress, not a problem, in a one-shot CLI command.
DRAIN_NOTICE_LOGGERS = ("EventsWorker", "APILogWorker")


def quiet_crash_logs() -> None:
    import logging

    for name in ("prefect.flow_runs", "prefect.task_runs"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _QuietFlowNotices) for f in logger.filters):
            logger.addFilter(_QuietFlowNotices())
    for name in DRAIN_NOTICE_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)


# ---------------------------------------------------------------- the server `serve` runs

def serve_api_file(db_path: str | Path) -> Path:
    """Where `workwatch serve` (on its temporary server) writes that server's API URL, so that
    the trigger command it prints, and other workwatch commands on the same warehouse, reach
    it instead of booting a server of their own (8-45 s each on this kind of machine)."""
    return Path(str(db_path) + ".prefect-api")


def publish_serve_api(db_path: str | Path, api_url: str) -> Path:
    path = serve_api_file(db_path)
    path.write_text(f"{api_url}\n", encoding="utf-8")
    return path


_SERVE_API_CONTEXTS: list = []


def use_serve_api(db_path: str | Path, console=None) -> str | None:
    """When no PREFECT_API_URL is set and a `workwatch serve` of this warehouse is running on
    its temporary server, point this process's Prefect client there; returns the URL used."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    if PREFECT_API_URL.value():
        return None
    path = serve_api_file(db_path)
    try:
        url = path.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    if not url.startswith(("http://127.", "http://localhost")):
        return None
    try:
        _check_reachable(url)
    except PrefectStartError:
        return None  # left behind by a serve that was killed
    # Entered for the rest of this process: the flow about to run reports to serve's server.
    # The context manager is kept referenced: collected, its generator would restore the old
    # settings at once.
    context = temporary_settings(updates={PREFECT_API_URL: url})
    context.__enter__()
    _SERVE_API_CONTEXTS.append(context)
    if console is not None:
        console.print(f"using the Prefect server of `workwatch serve` at {url}",
                      markup=False, highlight=False)
    return url
