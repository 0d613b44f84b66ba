"""What every `workwatch` command shares: the typer `app`, the exit codes, the common options
(--db, --feeds, --format), `handle_errors` (a typed error becomes one line on stderr and an
exit code) and the stdout/stderr consoles. The commands live in cli/cmd_*.py; cli/main.py
imports each of them and is the console script."""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import Callable

os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
from flows.prefect_start import set_startup_defaults  # noqa: E402

set_startup_defaults()  # before Prefect is imported: a start-up limit that fits a loaded box

import typer  # noqa: E402
from rich.console import Console  # noqa: E402

from extractors.errors import WorkwatchError  # noqa: E402
from cli.output import FORMATS  # noqa: E402

# ---------------------------------------------------------------- exit codes
# For cron and other automation; documented in README (Commands) and `workwatch --help`.
EXIT_OK = 0
EXIT_ERROR = 1  # a handled error: one line on stderr says what and what to do
EXIT_USAGE = 2  # bad arguments or filter values
EXIT_NOTHING_FETCHED = 3  # every enabled feed (outlet, article) failed or was skipped
EXIT_DEADLINE = 4  # the run deadline cut work short; the rest is deferred to the next run
EXIT_SIGINT = 130
EXIT_SIGTERM = 143

EXIT_CODES_HELP = (
    "Exit codes: 0 all good; 1 a handled error (one line on stderr); 2 bad arguments; "
    "3 every enabled feed failed or was skipped (backing off), or a backfill/reprocess did "
    "nothing but fail; 4 the run deadline cut work short (the rest is deferred to the next "
    "run); 130 interrupted (Ctrl-C, SIGINT); 143 terminated (SIGTERM).")


app = typer.Typer(
    name="workwatch",
    help="A news monitor for stories about AI and the workforce.\n\n"
         "Start with `workwatch demo` (offline), then `workwatch ingest` and `workwatch sql`.",
    epilog=EXIT_CODES_HELP,
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="markdown",
    pretty_exceptions_enable=False,
)
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, soft_wrap=True)


def package_version() -> str:
    """workwatch's installed version (the package metadata: pyproject.toml's version)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("workwatch")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed: pip install -e .)"


def _print_version(value: bool) -> None:
    if value:
        out.print(f"workwatch {package_version()}", markup=False, highlight=False)
        raise typer.Exit(EXIT_OK)


@app.callback()
def _top_level(
    version: bool = typer.Option(False, "--version", "-V", is_eager=True, callback=_print_version,
                                 help="Print workwatch's version and exit."),
) -> None:
    pass

DB_OPTION = typer.Option("data/workwatch.duckdb", "--db", envvar="WORKWATCH_DB",
                         help="Warehouse file (DuckDB).")
FEEDS_OPTION = typer.Option("feeds.toml", "--feeds", envvar="WORKWATCH_FEEDS",
                            help="Feed list (TOML).")
FORMAT_OPTION = typer.Option("table", "--format", "-f", help="Output format: table, csv or json.")


class UsageError(WorkwatchError):
    """Bad arguments (exit code 2)."""


class Terminated(BaseException):
    """SIGTERM arrived (raised by the CLI's handler; a BaseException like KeyboardInterrupt)."""


def _on_sigterm(signum, frame) -> None:
    raise Terminated()


def _signal_exit(exc: BaseException) -> int | None:
    """130/143 for an interrupt or termination, whoever raised it (Prefect's flow engine
    raises its own TerminationSignal on SIGTERM, a BaseException carrying the signal)."""
    import signal

    if isinstance(exc, KeyboardInterrupt):
        return EXIT_SIGINT
    if isinstance(exc, Terminated):
        return EXIT_SIGTERM
    if type(exc).__name__ == "TerminationSignal":
        return EXIT_SIGINT if getattr(exc, "signal", None) == signal.SIGINT else EXIT_SIGTERM
    return None


_EXIT_NOW: list[int] = []  # set on a signal: main() ends the process without finalization


def _release_frames(exc: BaseException) -> None:
    """Let go of the frames of a handled error. Measured (issue 14): an error raised inside a
    flow stays referenced by Prefect's run state; its traceback kept the frames of the run
    alive and with them closed DuckDB connection objects, so interpreter exit printed ~60
    lines of `nanobind: leaked ... instances` after the one-line error."""
    import gc

    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        exc.__traceback__ = None
        exc = exc.__cause__ or exc.__context__
    gc.collect()


def handle_errors(fn: Callable) -> Callable:
    """Turn workwatch's typed errors into one clean line on stderr."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from flows.prefect_start import REMEDY, is_prefect_startup_failure

        try:
            return fn(*args, **kwargs)
        except UsageError as exc:
            err.print(f"error: {exc}", markup=False, highlight=False)
            raise typer.Exit(EXIT_USAGE)
        except WorkwatchError as exc:
            err.print(f"error: {exc}", markup=False, highlight=False)
            _release_frames(exc)
            raise typer.Exit(EXIT_ERROR)
        except RuntimeError as exc:
            if not is_prefect_startup_failure(exc):
                raise
            err.print(f"error: Prefect's temporary server did not start; {REMEDY}",
                      markup=False, highlight=False)
            raise typer.Exit(EXIT_ERROR)
        except BaseException as exc:
            code = _signal_exit(exc)
            if code is None:
                raise
            what = "interrupted" if code == EXIT_SIGINT else "terminated"
            err.print(f"{what}; the warehouse keeps every batch that finished", markup=False,
                      highlight=False)
            _EXIT_NOW.append(code)
            raise typer.Exit(code)

    return wrapper


def require_warehouse(db: str | Path) -> Path:
    """Commands that only read a warehouse: a --db that does not exist is a mistake (a typo),
    not an empty warehouse (`feeds --db typo.duckdb` showed every feed "never checked")."""
    path = Path(db).expanduser()
    if not path.is_file():
        raise WorkwatchError(f"no warehouse at {path} (check --db / WORKWATCH_DB; "
                             "`workwatch ingest` or `workwatch demo` makes one)")
    return path


def _default_db_missing(db: str) -> bool:
    """--db left at its default (not given, no WORKWATCH_DB) and no warehouse there yet: a new
    user before the first ingest, not a typo."""
    ctx = typer.main.get_current_context(silent=True)  # typer's own click (typer._click)
    source = ctx.get_parameter_source("db") if ctx is not None else None
    return getattr(source, "name", None) == "DEFAULT" and not Path(db).exists()


def check_format(fmt: str, allowed=FORMATS) -> str:
    if fmt not in allowed:
        raise UsageError(f"unknown format {fmt!r}; choose one of {', '.join(allowed)}")
    return fmt


def start_prefect(db: str | None = None) -> None:
    """Start (or check) Prefect before a flow runs: a notice while it waits, one line if not.
    With no PREFECT_API_URL, a running `workwatch serve` of the same warehouse lends its
    server (no boot)."""
    from flows.prefect_start import ensure_prefect, quiet_crash_logs, use_serve_api

    if db is not None:
        use_serve_api(db, err)
    ensure_prefect(err)
    quiet_crash_logs()
