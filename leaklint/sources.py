"""Reading analysed files: bytes in, decoded text or a clear reason out. Never raises."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from pathlib import Path

from leaklint.positions import LineTable

# Beyond this a file is reported and skipped: it is data, not code a person wrote.
MAX_FILE_BYTES = 20 * 1024 * 1024
_LONE_CR = re.compile(rb"\r(?!\n)")


class UnreadableSource(Exception):
    """The file cannot be analysed; the message names the reason (not the path)."""


@dataclass
class SourceFile:
    path: Path  # the path on disk
    display: str  # the path shown to the user
    source: bytes  # UTF-8, BOM removed: what the parsers see
    _lines: LineTable | None = field(default=None, repr=False)

    @property
    def lines(self) -> LineTable:
        if self._lines is None:
            self._lines = LineTable(self.source)
        return self._lines

    @property
    def text(self) -> str:
        return self.source.decode("utf-8")


_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")


def _declared_encoding(raw: bytes) -> str | None:
    """A PEP 263 declaration (`# -*- coding: latin-1 -*-`) on line 1 or 2, as Python
    reads it; None when there is none or it names no codec."""
    for line in raw.split(b"\n", 2)[:2]:
        m = _CODING.match(line)
        if m is not None:
            name = m.group(1).decode("ascii", "replace")
            try:
                return codecs.lookup(name).name
            except LookupError:
                return None
    return None


def decode(raw: bytes, python: bool = False) -> bytes:
    """Normalise raw file bytes to UTF-8 without BOM, or raise UnreadableSource. Python
    files may declare another encoding (PEP 263); it is honoured as Python does."""
    if python and not raw.startswith(codecs.BOM_UTF8):
        declared = _declared_encoding(raw)
        if declared not in (None, "utf-8"):
            try:
                raw = raw.decode(declared).encode("utf-8")
            except (UnicodeDecodeError, LookupError) as exc:
                raise UnreadableSource(f"not valid {declared} as it declares ({exc})") from None
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            raw = raw.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError as exc:
            raise UnreadableSource(f"invalid UTF-16 at byte {exc.start}") from None
    if b"\0" in raw:
        raise UnreadableSource("binary content (contains a NUL byte)")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise UnreadableSource(f"not valid UTF-8 (byte {exc.start}, line {line})") from None
    if b"\r" in raw:
        # A lone CR ends a line for editors and for Python, not for a byte split on LF:
        # make it LF (same length, so byte offsets stay put) so every layer agrees on lines.
        raw = _LONE_CR.sub(b"\n", raw)
    return raw


def read(path: Path, display: str) -> SourceFile:
    try:
        if not path.is_file():
            raise UnreadableSource("not a regular file")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise UnreadableSource(
                f"file too large ({size // (1024 * 1024)} MiB; the limit is "
                f"{MAX_FILE_BYTES // (1024 * 1024)} MiB)"
            )
        with path.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except PermissionError:
        raise UnreadableSource("permission denied") from None
    except OSError as exc:
        raise UnreadableSource(exc.strerror or str(exc)) from None
    return SourceFile(path, display, decode(raw, python=path.suffix in (".py", ".pyi")))
