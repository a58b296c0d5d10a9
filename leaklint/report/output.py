"""Writing a report: atomically to a file (temp file, then rename) or to stdout."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path


class OutputError(Exception):
    pass


def _write_in_place(path: Path, text: str) -> None:
    # A device or FIFO (/dev/stdout, a pipe) cannot be replaced by a rename, and must
    # never be: write into it as it is.
    try:
        with path.open("w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
    except OSError as exc:
        raise OutputError(f"{path}: cannot write output: {exc.strerror or exc}") from None


def write_atomic(path: Path, text: str) -> None:
    if path.is_dir():
        raise OutputError(f"{path}: cannot write output: is a directory")
    if path.exists() and not path.is_file():
        _write_in_place(path, text)
        return
    # Through a symlink, replace the file it points to, not the link.
    path = Path(os.path.realpath(path)) if path.is_symlink() else path
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write output: {exc.strerror or exc}") from None
    try:
        # mkstemp creates the file 0600; give it the mode a plain open() would have.
        os.chmod(tmp, _final_mode(path))
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise OutputError(f"{path}: cannot write output: {exc.strerror or exc}") from None
        raise


def _final_mode(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def emit(text: str, output: Path | None) -> None:
    if output is None:
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except BrokenPipeError:  # `leaklint check | head`
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
    else:
        write_atomic(output, text)
