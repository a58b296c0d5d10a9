"""Reads a Go file's header (package clause and import declarations) from its bytes.

Go requires every import before any other declaration, so the reading stops at the
first one and never looks at the rest of the file. The usual header (as gofmt writes
it) is read by regular expressions; anything else goes through a token scan; a header
neither understands is reported as None (callers then assume the worst).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# Every alternative can match a piece of text in one way only (a comment runs to its
# end, a name to its last letter): a header that does not fit fails at once, no
# backtracking.
_COMMENT = rb"//[^\n]*(?![^\n])|/\*(?:[^*]|\*(?!/))*\*/"
_STRING = rb'"(?:[^"\\\n]|\\.)*"|`[^`]*`'
_NAME = rb"[\w.\x80-\xff]+(?![\w.\x80-\xff])"
_SPACE = rb"\s+(?!\s)"
_GAP = rb"(?:" + _SPACE + rb"|" + _COMMENT + rb"|;)*"
_FAST_PACKAGE = re.compile(rb"(?:" + _SPACE + rb"|" + _COMMENT + rb")*package[ \t]+" + _NAME)
_FAST_IMPORT = re.compile(
    _GAP + rb"import[ \t]*(?:\(((?:" + _SPACE + rb"|" + _COMMENT + rb"|" + _NAME + rb"|" + _STRING
    + rb"|;)*)\)|((?:" + _NAME + rb"[ \t]+)?(?:" + _STRING + rb")))"
)
# An import spec: an optional name (alias, `.` or `_`) on the path's line, the path.
_FAST_SPECS = re.compile(_COMMENT + rb"|(?:(" + _NAME + rb")[ \t]+)?(" + _STRING + rb")")
_NEXT_IS_IMPORT = re.compile(_GAP + rb"import(?![\w\x80-\xff])")

# Go comments and string and rune literals: the words in them are not code. Shared by
# every byte-level reading that must skip them (leaklint.golang.inert, leaklint.golang.reach).
COMMENTS_AND_LITERALS = (rb"//[^\n]*|/\*.*?\*/|\"(?:[^\"\\\n]|\\.)*\"|`[^`]*`"
                         rb"|'(?:[^'\\\n]|\\.)*'")  # with re.DOTALL

_BOM = b"\xef\xbb\xbf"  # a UTF-8 byte order mark, which the analysis drops too
_TOKEN = re.compile(
    rb'\s+|//[^\n]*|/\*.*?\*/|"(?:[^"\\\n]|\\.)*"|`[^`]*`|[A-Za-z_\x80-\xff][A-Za-z0-9_\x80-\xff]*|.',
    re.DOTALL,
)


@dataclass(frozen=True)
class ImportSpec:
    name: str | None  # the alias, "." or "_" as written; None: the package's own name
    path: str


@dataclass(frozen=True)
class GoHeader:
    imports: list[ImportSpec]
    end: int  # byte offset where the declarations after the imports begin


def read_header(source: bytes) -> GoHeader | None:
    """The file's import specs and where its header ends; None when the header is not
    understood."""
    start = len(_BOM) if source.startswith(_BOM) else 0
    head = _FAST_PACKAGE.match(source, start)
    if head is not None:
        specs: list[ImportSpec] = []
        pos = head.end()
        while (found := _FAST_IMPORT.match(source, pos)) is not None:
            block, single = found.groups()
            for m in _FAST_SPECS.finditer(block if block is not None else single):
                if m.group(2):
                    specs.append(ImportSpec(_name(m.group(1)), _unquote(m.group(2))))
            pos = found.end()
        if not _NEXT_IS_IMPORT.match(source, pos):
            return GoHeader(specs, pos)
    return _scanned_header(source)


def go_imports(source: bytes) -> list[str] | None:
    """The import paths declared by a Go file, or None when the header is not understood
    (the caller then treats the file as relevant)."""
    header = read_header(source)
    return None if header is None else [spec.path for spec in header.imports]


def _scanned_header(source: bytes) -> GoHeader | None:
    tokens = _tokens(source, len(_BOM) if source.startswith(_BOM) else 0)
    package, name = next(tokens, (None, 0)), next(tokens, None)
    if package[0] != b"package" or name is None:
        return None
    specs: list[ImportSpec] = []
    end = name[1]  # after the last import (or the package clause)
    for tok, tok_end in tokens:
        if tok == b";":
            continue
        if tok != b"import":
            return GoHeader(specs, end)  # the first other declaration ends the section
        tok, tok_end = next(tokens, (None, 0))
        if tok == b"(":
            name = None
            for spec, spec_end in tokens:
                if spec == b")":
                    end = spec_end
                    break
                if spec[:1] in (b'"', b"`"):
                    specs.append(ImportSpec(_name(name), _unquote(spec)))
                    name = None
                else:
                    name = None if spec == b";" else spec
            else:
                return None  # unterminated import block
        else:
            name = None
            while tok is not None and tok[:1] not in (b'"', b"`"):
                name = tok  # an alias, `.` or `_`
                tok, tok_end = next(tokens, (None, 0))
            if tok is None:
                return None
            specs.append(ImportSpec(_name(name), _unquote(tok)))
            end = tok_end
    return GoHeader(specs, end)


def _tokens(source: bytes, start: int) -> Iterator[tuple[bytes, int]]:
    for match in _TOKEN.finditer(source, start):
        tok = match.group()
        if tok[:1].isspace() or tok.startswith((b"//", b"/*")):
            continue
        yield tok, match.end()


def _name(raw: bytes | None) -> str | None:
    return None if raw is None else raw.decode("utf-8", "replace")


def _unquote(literal: bytes) -> str:
    return literal[1:-1].decode("utf-8", "replace")
