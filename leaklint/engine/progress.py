"""A one-line progress count on stderr for runs long enough to wonder about.

Shown only once a run has taken DELAY seconds, on a terminal and outside CI (a CI log
or a pipe would keep every rewrite), unless asked for with --progress. The line is
rewritten in place with a carriage return and cleared at the end."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TextIO

DELAY = 2.0  # seconds before the first line: a short run shows nothing
INTERVAL = 0.1  # seconds between two rewrites, so drawing never costs the run time


def wanted(asked: bool, terminal: bool, env: Mapping[str, str]) -> bool:
    """--progress forces it; otherwise a terminal outside CI (CI is set by GitHub
    Actions, GitLab CI, CircleCI, Travis and most others)."""
    return asked or (terminal and not env.get("CI"))


class Progress:
    def __init__(self, total: int, stream: TextIO, *,
                 clock: Callable[[], float] = time.monotonic, delay: float | None = None) -> None:
        self.total = total
        self.done = 0
        self._stream = stream
        self._clock = clock
        self._start = clock()
        self._delay = DELAY if delay is None else delay
        self._drawn_at: float | None = None
        self._width = 0

    def advance(self, files: int) -> None:
        self.done += files
        now = self._clock()
        if now - self._start < self._delay:
            return
        if self._drawn_at is not None and now - self._drawn_at < INTERVAL \
                and self.done < self.total:
            return
        self._drawn_at = now
        line = f"leaklint: {self.done}/{self.total} files analysed"
        self._write("\r" + line.ljust(self._width))
        self._width = len(line)

    def close(self) -> None:
        """Clear the line (if one was drawn) so that the report starts on a clean one."""
        if self._drawn_at is not None:
            self._write("\r" + " " * self._width + "\r")

    def _write(self, text: str) -> None:
        try:
            self._stream.write(text)
            self._stream.flush()
        except (OSError, ValueError):  # a closed or broken stderr must not end the run
            pass
