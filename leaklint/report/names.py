"""File names as reports show them.

Names are kept as the operating system gives them (str, with undecodable bytes as
surrogate escapes) so that every file opens again under its own name. A report shows a
name as it is, unless it holds bytes that are not UTF-8, characters that are not
printable (controls, line separators), quotes or backslashes: then it is shown in
git's C-quoted form (`"caf\\351.go"`, octal escapes for the raw bytes), which gives the
exact bytes back and cannot be mistaken for a plain name. Non-ASCII UTF-8 names stay
readable (as with git's core.quotePath=false).

Formats whose strings hold any text (JSON, GitHub's escaped properties) keep every name
that is valid UTF-8 as it is, so tools open it by that name; only the others (and a
name that starts with a quote, which could be taken for one) are C-quoted there.
"""

from __future__ import annotations

_ESCAPES = {"\a": "\\a", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\v": "\\v", "\f": "\\f",
            "\r": "\\r", '"': '\\"', "\\": "\\\\"}


def _plain(name: str) -> bool:
    return name.isprintable() and '"' not in name and "\\" not in name


def shown(name: str) -> str:
    """`name` as a report prints it: as it is, or C-quoted (lossless, always valid
    UTF-8)."""
    if _plain(name):
        return name
    out = ['"']
    for char in name:
        code = ord(char)
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif 0xDC80 <= code <= 0xDCFF:  # a byte that is not UTF-8 (surrogateescape)
            out.append(f"\\{code - 0xDC00:03o}")
        elif not char.isprintable():  # control, line separator, other surrogate...
            out.extend(f"\\{byte:03o}" for byte in char.encode("utf-8", "surrogatepass"))
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def as_text(name: str) -> str:
    """`name` for a format that holds any valid text: as it is when it is UTF-8 (and
    does not start with a quote), else C-quoted as `shown` does."""
    if name.startswith('"'):
        return shown(name)
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return shown(name)
    return name
