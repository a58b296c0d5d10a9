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


class RefusedEncoding(UnreadableSource):
    """A Python file whose coding declaration Python itself refuses (an unknown codec,
    one that is not a text encoding or not ASCII-compatible, or content that does not
    decode): it cannot be run, which is an LL000 at the declaration's line."""

    def __init__(self, reason: str, line: int, raw: bytes) -> None:
        super().__init__(reason)
        self.line = line
        # Something to point at: the bytes as UTF-8, undecodable ones replaced.
        self.shown = raw.decode("utf-8", "replace").encode("utf-8")


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
    """The codec of a PEP 263 declaration (`# -*- coding: latin-1 -*-`) on line 1 or 2,
    read as Python reads it; None when there is none. RefusedEncoding when Python would
    refuse it."""
    for number, line in enumerate(raw.split(b"\n", 2)[:2], start=1):
        m = _CODING.match(line)
        if m is None:
            continue
        name = m.group(1).decode("ascii", "replace")
        try:
            info = codecs.lookup(name)
        except LookupError:
            raise RefusedEncoding(f"unknown encoding: {name}", number, raw) from None
        if not getattr(info, "_is_text_encoding", True):
            raise RefusedEncoding(f"{name!r} is not a text encoding", number, raw)
        # Python reads the declaration before it knows the codec: a codec that does not
        # read ASCII as ASCII (utf-16, EBCDIC) cannot be the encoding of its own
        # declaration, and Python reads such a file as garbage or not at all.
        probe = bytes(b for b in m.group(0) if b < 0x80)
        try:
            same = probe.decode(info.name) == probe.decode("ascii")
        except (UnicodeError, ValueError):
            same = False
        if not same:
            raise RefusedEncoding(f"encoding problem: {name} is not ASCII-compatible, so "
                                  "Python cannot read its own declaration", number, raw)
        return info.name
    return None


def decode(raw: bytes, python: bool = False) -> bytes:
    """Normalise raw file bytes to UTF-8 without BOM, or raise UnreadableSource. Python
    files may declare another encoding (PEP 263); it is honoured as Python does."""
    if python and not raw.startswith(codecs.BOM_UTF8):
        declared = _declared_encoding(raw)
        if declared not in (None, "utf-8"):
            try:
                raw = raw.decode(declared).encode("utf-8")
            except (UnicodeError, ValueError, LookupError) as exc:
                line = raw.count(b"\n", 0, exc.start) + 1 if isinstance(
                    exc, UnicodeDecodeError) else 1
                raise RefusedEncoding(f"not valid {declared} as it declares ({exc})", line,
                                      raw) from None
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
