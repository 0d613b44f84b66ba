"""The `workwatch` console script (pyproject.toml: `workwatch = "cli.main:main"`).

Each command module is imported here by name, in the order `workwatch --help` lists them
(typer keeps registration order); a module registers its commands on `cli.base.app` when
imported. Nothing below the CLI imports `cli`."""

from __future__ import annotations

import os
import sys

from cli.base import EXIT_SIGINT, _EXIT_NOW, _on_sigterm, _print_version, _signal_exit, app, err
from cli import cmd_ingest  # noqa: F401  ingest, demo
from cli import cmd_sql  # noqa: F401
from cli import cmd_classify  # noqa: F401  classify, eval
from cli import cmd_backfill  # noqa: F401  backfill, reprocess ...
from cli import cmd_bench  # noqa: F401
from cli import cmd_dashboard  # noqa: F401
from cli import cmd_digest  # noqa: F401
from cli import cmd_events  # noqa: F401
from cli import cmd_feeds  # noqa: F401
from cli import cmd_init  # noqa: F401
from cli import cmd_labels  # noqa: F401
from cli import cmd_opml  # noqa: F401
from cli import cmd_query  # noqa: F401
from cli import cmd_replay  # noqa: F401
from cli import cmd_search  # noqa: F401
from cli import cmd_serve  # noqa: F401
from cli import cmd_train  # noqa: F401
from cli import cmd_watch  # noqa: F401


@app.command()  # registered last: listed at the end of --help
def version() -> None:
    """Print workwatch's version (the same as `workwatch --version` and `-V`).

    Example:

        workwatch version
    """
    _print_version(True)


def main() -> None:
    import signal

    # SIGTERM (systemd, docker stop, kill) ends a command like Ctrl-C does: one line, exit
    # 143, never a traceback. During a flow Prefect installs its own handler (raising its
    # TerminationSignal) and restores this one afterwards; handle_errors maps both.
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        app()
    except SystemExit:
        if _EXIT_NOW:
            _exit_now(_EXIT_NOW[0])
        raise
    except BaseException as exc:  # a signal outside any command (start-up, typer parsing)
        code = _signal_exit(exc)
        if code is None:
            raise
        err.print("interrupted" if code == EXIT_SIGINT else "terminated", markup=False)
        _exit_now(code)


def _exit_now(code: int) -> None:
    """End the process after a signal: atexit handlers run (they stop Prefect's temporary
    server), interpreter finalization does not. Measured (issue 14): a run interrupted mid-flow
    still holds DuckDB objects in its interrupted frames and threads blocked in fetches, so a
    normal exit printed ~60 lines of `nanobind: leaked ... instances` at finalization and could
    wait on those threads."""
    import atexit

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    atexit._run_exitfuncs()
    os._exit(code)


if __name__ == "__main__":
    main()
