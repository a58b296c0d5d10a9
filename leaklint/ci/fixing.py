"""`--fix`, `--unsafe-fixes` and `--diff`: apply or show the fixes attached to findings.

Edits are located by line and code-point column (leaklint.model.Edit). A file is
rewritten from its own bytes: decoded as the analysis decoded it (UTF-8 with or without
a byte-order mark, UTF-16 with one, a Python file's PEP 263 encoding), edited, and
encoded back the same way, so line endings and everything outside the edited ranges
stay as they were. A fix whose edits overlap an earlier fix in the same file is left
for the next run; edits identical to one already chosen (the same import added by two
fixes) are applied once. A rewrite that would no longer parse is withheld.

Writing replaces the file atomically (a temporary file in the same directory, then a
rename). A symbolic link is followed: its target is rewritten and the link stays. A
file without write permission is not rewritten. A file that cannot be rewritten is
reported and the others are still fixed.
"""

from __future__ import annotations

import codecs
import contextlib
import difflib
import io
import os
import re
import stat
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from leaklint.model import Edit, Finding
from leaklint.report.names import shown

_LONE_CR = re.compile(r"\r(?!\n)")


class FixError(Exception):
    pass


@dataclass
class FileFix:
    path: str
    before: bytes
    after: bytes
    findings: list[Finding] = field(default_factory=list)


@dataclass
class FixPlan:
    fixes: list[FileFix] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # "path: reason", one per file


def applicable(finding: Finding, unsafe: bool) -> bool:
    fix = finding.fix
    return fix is not None and bool(fix.edits) and (fix.safe or unsafe)


def plan_fixes(findings: list[Finding], unsafe: bool = False) -> FixPlan:
    """The new content of every file that has applicable fixes, in path order."""
    by_path: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        if applicable(finding, unsafe):
            by_path[finding.path].append(finding)
    plan = FixPlan()
    for path in sorted(by_path):
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            plan.errors.append(f"{path}: cannot read for fixing: {exc.strerror or exc}")
            continue
        try:
            fixed = apply_to_bytes(path, raw, by_path[path])
        except FixError as exc:
            plan.errors.append(f"{path}: {exc}")
            continue
        if fixed is not None:
            plan.fixes.append(fixed)
    return plan


@dataclass(frozen=True)
class _Codec:
    bom: bytes
    encoding: str


def _codec(path: str, raw: bytes) -> _Codec | None:
    if raw.startswith(codecs.BOM_UTF8):
        return _Codec(codecs.BOM_UTF8, "utf-8")
    for bom, name in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if raw.startswith(bom):
            return _Codec(bom, name)
    if path.endswith((".py", ".pyi")):
        from leaklint.sources import _declared_encoding

        declared = _declared_encoding(raw)
        if declared not in (None, "utf-8"):
            return _Codec(b"", declared)
    return _Codec(b"", "utf-8")


def apply_to_bytes(path: str, raw: bytes, findings: list[Finding]) -> FileFix | None:
    """The file's bytes with the findings' edits applied (None: nothing applicable)."""
    codec = _codec(path, raw)
    assert codec is not None
    try:
        text = raw[len(codec.bom):].decode(codec.encoding)
    except (UnicodeDecodeError, LookupError):
        return None  # not what the analysis read: nothing to trust
    # Lines as the analysis numbered them: a lone CR ends one (same length as LF).
    lines = _LONE_CR.sub("\n", text).split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    # Files whose lines end in a lone CR get inserted lines ending the same way (the
    # analysis saw them as LF, which is what the fixes write).
    lone_cr = "\n" not in text and "\r" in text
    taken: dict[tuple[int, int], str] = {}
    applied: list[Finding] = []
    for finding in sorted(findings, key=Finding.sort_key):
        ranges: list[tuple[int, int, str]] = []
        for edit in finding.fix.edits:  # type: ignore[union-attr]
            bounds = _offsets(lines, starts, edit)
            if bounds is None:
                break
            ranges.append((*bounds, edit.replacement.replace("\n", "\r") if lone_cr
                           else edit.replacement))
        if len(ranges) != len(finding.fix.edits):  # type: ignore[union-attr]
            continue  # the file changed since the analysis
        new = [(a, b, t) for a, b, t in ranges if taken.get((a, b)) != t]
        if any(_overlaps(a, b, x, y) for a, b, _ in new for (x, y) in taken):
            continue  # the next run offers it again
        taken.update({(a, b): t for a, b, t in new})
        applied.append(finding)
    if not applied:
        return None
    out = text
    for (start, end), replacement in sorted(taken.items(), reverse=True):
        out = out[:start] + replacement + out[end:]
    try:
        after = codec.bom + out.encode(codec.encoding)
    except UnicodeEncodeError as exc:
        raise FixError(f"the fixed text cannot be written in {codec.encoding}") from exc
    if not _still_parses(path, text, out):
        raise FixError("fix withheld: the fixed file would not parse (please report this)")
    return FileFix(path, raw, after, applied)


def _still_parses(path: str, before: str, after: str) -> bool:
    """The rewrite parses wherever the original did (parsing only: nothing runs), with
    lines split as the analysis splits them."""
    before, after = _LONE_CR.sub("\n", before), _LONE_CR.sub("\n", after)
    from leaklint import languages

    name = languages.BY_SUFFIX.get(os.path.splitext(path)[1])
    if name is None:
        return True
    parses = languages.language(name).parses
    return parses(after) or not parses(before)


def _offsets(lines: list[str], starts: list[int], edit: Edit) -> tuple[int, int] | None:
    start = _offset(lines, starts, edit.span.line, edit.span.column)
    end = _offset(lines, starts, edit.span.end_line, edit.span.end_column)
    if start is None or end is None or end < start:
        return None
    return start, end


def _offset(lines: list[str], starts: list[int], line: int, column: int) -> int | None:
    """Offset in the text of a 1-based line and 1-based code-point column."""
    if not 1 <= line <= len(lines) + 1:
        return None
    if line == len(lines) + 1:
        return starts[line - 1] if column == 1 else None
    if column - 1 > len(lines[line - 1]):
        return None
    return starts[line - 1] + column - 1


def _overlaps(a: int, b: int, x: int, y: int) -> bool:
    return (a < y and x < b) or a == b == x == y


def unified_diff(fix: FileFix) -> str:
    codec = _codec(fix.path, fix.before) or _Codec(b"", "utf-8")
    # Lines end at \n, \r\n or \r only, as for the parsers (not at a form feed or
    # U+2028, as splitlines() has it): the hunks' line numbers are the findings'.
    before = io.StringIO(fix.before[len(codec.bom):].decode(codec.encoding),
                         newline="").readlines()
    after = io.StringIO(fix.after[len(codec.bom):].decode(codec.encoding),
                        newline="").readlines()
    name = shown(fix.path)
    if name.startswith('"'):  # git's quoted form quotes the prefix too
        old, new = f'"a/{name[1:]}', f'"b/{name[1:]}'
    else:
        old, new = f"a/{name}", f"b/{name}"
    return "".join(difflib.unified_diff(before, after, old, new))


def write(fix: FileFix) -> None:
    """Replace the file atomically, keeping its permissions. Through a symbolic link the
    target is replaced and the link kept. A read-only file is refused."""
    target = Path(os.path.realpath(fix.path))
    try:
        info = target.stat()
        if not stat.S_ISREG(info.st_mode):
            raise FixError(f"{fix.path}: not rewritten: not a regular file")
        mode = info.st_mode & 0o7777
        if not mode & 0o222 or not os.access(target, os.W_OK):
            raise FixError(f"{fix.path}: not rewritten: the file is read-only")
        if target.read_bytes() != fix.before:
            raise FixError(f"{fix.path}: not rewritten: it changed during the run")
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(fix.after)
            os.chmod(temp, mode)
            os.replace(temp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
    except OSError as exc:
        raise FixError(f"{fix.path}: cannot write the fix: {exc.strerror or exc}") from exc
