"""Where CLI outputs go: `-` is stdout; a symlink or a device is written through; a regular
file is replaced atomically with the mode a plain `open()` would give it.

Issue 14 item 5: `classify -o LINK` replaced the symlink (or, as root, `/dev/stdout`) with a
regular file of mode 0600 (mkstemp's), and `-o -` wrote a file named `-`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import sys
import tempfile
from pathlib import Path
from typing import IO, Iterator

from extractors.errors import WorkwatchError

STDIO = "-"


def is_stdio(path: str | Path | None) -> bool:
    return path is not None and str(path) == STDIO


def input_path(path: str | Path) -> Path:
    """`-` (stdin) as a path the readers can open."""
    return Path("/dev/stdin") if is_stdio(path) else Path(path)


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def open_output(path: str | Path, *, binary: bool = False) -> Iterator[IO]:
    """A writable file for `path`:

    - `-`: stdout (not closed);
    - an existing non-regular file (a device such as /dev/stdout, a FIFO), directly or behind
      a symlink: opened and written through;
    - otherwise a temporary file beside the target (the symlink's target, when `path` is a
      symlink: the link stays) renamed over it when the block ends without an error, so a
      failure leaves the old file as it was. The file keeps the mode of the file it replaces,
      and a new file gets 0666 minus the umask.

    An OSError becomes a one-line WorkwatchError naming the path."""
    if is_stdio(path):
        stream = sys.stdout.buffer if binary else sys.stdout
        yield stream
        stream.flush()
        return
    mode = "wb" if binary else "w"
    kwargs = {} if binary else {"encoding": "utf-8", "newline": ""}
    try:
        try:
            st: os.stat_result | None = os.stat(path)  # follows symlinks
        except FileNotFoundError:
            st = None
        if st is not None and not stat.S_ISREG(st.st_mode):
            # a device or FIFO (/dev/stdout is a symlink to /proc/self/fd/1, which names a
            # pipe or a tty, not a path): opened by the name given, written through
            with open(path, mode, **kwargs) as fh:
                yield fh
            return
        target = Path(os.path.realpath(path))  # a symlink's target: the link stays
        if not target.parent.is_dir():
            raise WorkwatchError(f"{path}: no such folder {target.parent}")
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise WorkwatchError(f"{path}: cannot write ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
        os.chmod(tmp, stat.S_IMODE(st.st_mode) if st is not None else _new_file_mode())
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise WorkwatchError(f"{path}: cannot write ({exc.strerror or exc})") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def copy_to_output(source: str | Path, path: str | Path) -> None:
    """Copy a finished file (bytes) to `path` with open_output's rules."""
    with open(source, "rb") as src, open_output(path, binary=True) as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
