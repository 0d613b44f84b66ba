"""Processes that end with the workwatch process that started them (issue 14, item 7).

A `kill -9` of a command reaches one process; POSIX does not pass it on. Without help its
helpers would live on, orphaned (parent pid 1), holding memory and pipes:

fork-pool workers (replay, reclassify, reprocess)
    `die_with_parent` is their pool initializer: Linux's parent-death signal
    (prctl PR_SET_PDEATHSIG, SIGTERM with the default action) ends each worker when the
    command does. They ignore Ctrl-C: the command handles it and stops its pool.
extraction workers (the forkserver pool of flows/pipeline.py)
    Their parent is the fork server, not the command, and the fork server only exits when
    every holder of its "alive" pipe has closed it - the workers hold it too, so neither
    would ever leave. flows/worker_preload.py (imported once in the fork server) calls
    `arm_forkserver`: each worker it forks watches the command through a pidfd and exits
    when the command has gone; then the fork server sees EOF and exits as well.
a served flow run (`python -m prefect.engine`, started by `workwatch serve`'s runner)
    `install` (below), imported with the flow, watches the runner: when it has gone, the
    run is stopped as by SIGTERM (it commits what is done) and exits after 30 s at most.
the temporary Prefect server (`python -m uvicorn ...`, ~230 MB)
    Prefect starts it with a plain Popen and stops it at exit - which a `kill -9` skips.
    `install` (called from flows/__init__.py) adds an import hook: once Prefect's server
    module is imported, its `python -m uvicorn ...` is started through `serve_watched`,
    which runs uvicorn in the same process with a thread that stops it (SIGTERM, then exit
    after 5 s) when the command has gone.

Linux only; elsewhere these are no-ops and behaviour is as before.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

from core.procs import is_running, start_time  # noqa: F401  (also used here)

PR_SET_PDEATHSIG = 1
_SERVER_MODULE = "prefect.server.api.server"
_GRACE_S = 5.0
_RUN_GRACE_S = 30.0  # a flow run whose runner died: time to commit what is done


def _prctl_death_signal(sig: int) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


# ---------------------------------------------------------------- fork pools


def die_with_parent(parent_pid: int, then=None, *args) -> None:
    """Fork-pool initializer: end this worker when parent_pid (the command) ends; then call
    `then(*args)` (the pool's own initializer, if any). Use:
    ProcessPoolExecutor(initializer=die_with_parent, initargs=(os.getpid(), init, arg)).
    Linux sends the death signal when the *thread* that forked the worker ends: create and
    shut down the pool in one thread (as replay and reclassify do)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a handler inherited by fork must not run
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the command's to handle
    if not _prctl_death_signal(signal.SIGTERM):
        _watch(parent_pid, start_time(parent_pid), _exit_now)
    if os.getppid() != parent_pid:  # the parent died before the death signal was armed
        os._exit(1)
    if then is not None:
        then(*args)


# ---------------------------------------------------------------- the fork server


def arm_forkserver() -> None:
    """Called in the fork server (flows/worker_preload.py): every worker it forks ends when
    the command that started the fork server ends (see the module docstring). Does nothing
    outside a fork server."""
    if not _in_forkserver():
        return
    command = os.getppid()
    fd = _pidfd(command)
    started = start_time(command)

    def in_worker() -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _prctl_death_signal(signal.SIGTERM)  # and when the fork server itself is killed
        _watch(command, started, _exit_now, fd)

    os.register_at_fork(after_in_child=in_worker)


def _in_forkserver() -> bool:
    frame = sys._getframe()
    while frame is not None:
        code = frame.f_code
        if code.co_name == "main" and code.co_filename.endswith(os.path.join("multiprocessing", "forkserver.py")):
            return True
        frame = frame.f_back
    return False


def _exit_now() -> None:
    os._exit(1)


def _pidfd(pid: int) -> int | None:
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None


def _watch(pid: int, started: int | None, on_exit, fd: int | None = None) -> threading.Thread:
    """A daemon thread that calls on_exit() once process (pid, started) has ended."""
    fd = fd if fd is not None else _pidfd(pid)

    def run() -> None:
        if fd is not None:
            import select

            poller = select.poll()
            poller.register(fd, select.POLLIN)
            while not poller.poll():
                pass
        else:
            import time

            while is_running(pid, started):
                time.sleep(0.5)
        on_exit()

    thread = threading.Thread(target=run, name=f"workwatch-lifeline-{pid}", daemon=True)
    thread.start()
    if not is_running(pid, started):  # gone before the pidfd was opened
        on_exit()
    return thread


# ---------------------------------------------------------------- Prefect's temporary server


def install() -> None:
    """Have Prefect's temporary server started through this module, and a served flow run
    end with its runner (see the docstring). Cheap: nothing is imported until Prefect
    imports its server module."""
    if not sys.platform.startswith("linux"):
        return
    _watch_runner()
    if any(isinstance(f, _ServerImportHook) for f in sys.meta_path):
        return
    if _SERVER_MODULE in sys.modules:
        _patch(sys.modules[_SERVER_MODULE])
    else:
        sys.meta_path.insert(0, _ServerImportHook())


_runner_watched = False


def _watch_runner() -> None:
    """In a flow-run process that a Prefect runner started (`python -m prefect.engine`, for
    `workwatch serve` or a `prefect worker`): when the runner dies (kill -9, OOM), stop this
    run as a SIGTERM would (it commits what is done), and exit after a grace period."""
    global _runner_watched
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if (_runner_watched or getattr(spec, "name", None) != "prefect.engine"
            or not os.environ.get("PREFECT__FLOW_RUN_ID")):
        return
    runner = os.getppid()
    if runner <= 1:
        return
    _runner_watched = True

    def stop() -> None:
        try:  # (its output may have gone to the runner, through a pipe nobody reads now)
            print(f"the process that started this flow run (pid {runner}) has gone: "
                  "stopping the run", file=sys.stderr, flush=True)
        except (OSError, ValueError):
            pass
        os.kill(os.getpid(), signal.SIGTERM)
        timer = threading.Timer(_RUN_GRACE_S, _exit_now)
        timer.daemon = True
        timer.start()

    _watch(runner, start_time(runner), stop)


class _ServerImportHook:
    """Finds nothing itself; wraps the loader of Prefect's server module to patch it."""

    def find_spec(self, name, path=None, target=None):
        if name != _SERVER_MODULE:
            return None
        import importlib.machinery

        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        loader = spec.loader
        original = loader.exec_module

        def exec_module(module):
            original(module)
            _patch(module)

        loader.exec_module = exec_module
        return spec


class _WatchedSubprocess:
    """Stands for the `subprocess` module inside Prefect's server module: its Popen starts
    `python -m uvicorn ...` under `python -m flows.lifeline --watch`."""

    def __init__(self, real):
        self._real = real

    def __getattr__(self, name):
        return getattr(self._real, name)

    def Popen(self, args, *rest, **kwargs):  # noqa: N802 - the module's name
        args = list(args)
        if args[1:3] == ["-m", "uvicorn"]:
            me = os.getpid()
            args = [args[0], "-c", "import sys; from flows.lifeline import serve_watched; "
                    "serve_watched(sys.argv[1:])", "--watch", f"{me}:{start_time(me) or 0}",
                    "--", *args[1:]]
            env = dict(kwargs.get("env") or os.environ)
            root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
            env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
            kwargs["env"] = env
        return self._real.Popen(args, *rest, **kwargs)


def _patch(module) -> None:
    import subprocess

    if isinstance(getattr(module, "subprocess", None), type(subprocess)):
        module.subprocess = _WatchedSubprocess(module.subprocess)


def serve_watched(argv: list[str]) -> None:
    """`python -c '...serve_watched(...)' --watch PID:START -- -m MODULE ARGS...`: run MODULE as
    __main__ in this process; when process PID (started at START) ends, SIGTERM this one,
    and exit after a grace period if that did not end it."""
    import runpy

    if len(argv) < 5 or argv[0] != "--watch" or argv[2] != "--" or argv[3] != "-m":
        sys.exit("usage: serve_watched(['--watch', 'PID:START', '--', '-m', MODULE, ARGS...])")
    pid_text, _, started_text = argv[1].partition(":")
    pid, started = int(pid_text), int(started_text or 0) or None

    def stop() -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        timer = threading.Timer(_GRACE_S, _exit_now)
        timer.daemon = True
        timer.start()

    _watch(pid, started, stop)
    module = argv[4]
    sys.argv = [module, *argv[5:]]
    runpy.run_module(module, run_name="__main__", alter_sys=True)
