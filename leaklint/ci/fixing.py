"""`--fix` and `--diff`: apply or show the safe fixes attached to findings.

Edits are located by line and code-point column (leaklint.model.Edit). A file is
rewritten from its own bytes with only the edited ranges changed: a byte-order mark and
line endings elsewhere stay as they were. A fix whose edits overlap an earlier fix in
the same file is left for the next run. Only UTF-8 files are edited.
"""

from __future__ import annotations

import codecs
import contextlib
import difflib
import io
import itertools
import os
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from leaklint.model import Edit, Finding
from leaklint.report.names import shown


class FixError(Exception):
    pass


@dataclass
class FileFix:
    path: str
    before: bytes
    after: bytes
    findings: list[Finding] = field(default_factory=list)


def plan_fixes(findings: list[Finding]) -> list[FileFix]:
    """The new content of every file that has fixable findings, in path order."""
    by_path: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.fix is not None and finding.fix.edits:
            by_path[finding.path].append(finding)
    out = []
    for path in sorted(by_path):
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            raise FixError(f"{path}: cannot read for fixing: {exc.strerror or exc}") from exc
        fixed = _apply(raw, by_path[path])
        if fixed is not None:
            out.append(fixed)
    return out


def _apply(raw: bytes, findings: list[Finding]) -> FileFix | None:
    bom = codecs.BOM_UTF8 if raw.startswith(codecs.BOM_UTF8) else b""
    body = raw[len(bom):]
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    lines = body.split(b"\n")
    starts = list(itertools.accumulate((len(x) + 1 for x in lines), initial=0))
    taken: list[tuple[int, int]] = []
    chosen: list[tuple[int, int, bytes]] = []
    applied: list[Finding] = []
    for finding in sorted(findings, key=Finding.sort_key):
        ranges: list[tuple[int, int, bytes]] = []
        for edit in finding.fix.edits:  # type: ignore[union-attr]
            bounds = _offsets(lines, starts, edit)
            if bounds is None:
                break
            ranges.append((*bounds, edit.replacement.encode("utf-8")))
        if len(ranges) != len(finding.fix.edits):  # type: ignore[union-attr]
            continue  # the file changed since the analysis: nothing to trust
        if any(_overlaps(a, b, x, y) for a, b, _ in ranges for x, y in taken):
            continue  # the next run offers it again
        taken.extend((a, b) for a, b, _ in ranges)
        chosen.extend(ranges)
        applied.append(finding)
    if not applied:
        return None
    out = body
    for start, end, text in sorted(chosen, key=lambda r: (r[0], r[1]), reverse=True):
        out = out[:start] + text + out[end:]
    path = findings[0].path
    return FileFix(path, raw, bom + out, applied)


def _offsets(lines: list[bytes], starts: list[int], edit: Edit) -> tuple[int, int] | None:
    start = _offset(lines, starts, edit.span.line, edit.span.column)
    end = _offset(lines, starts, edit.span.end_line, edit.span.end_column)
    if start is None or end is None or end < start:
        return None
    return start, end


def _offset(lines: list[bytes], starts: list[int], line: int, column: int) -> int | None:
    """Byte offset of a 1-based line and 1-based code-point column."""
    if not 1 <= line <= len(lines) + 1:
        return None
    before = starts[line - 1]
    if line == len(lines) + 1:
        return before if column == 1 else None
    text = lines[line - 1].decode("utf-8")
    if column - 1 > len(text):
        return None
    return before + len(text[:column - 1].encode("utf-8"))


def _overlaps(a: int, b: int, x: int, y: int) -> bool:
    return (a < y and x < b) or a == b == x == y


def unified_diff(fix: FileFix) -> str:
    # Lines end at \n, \r\n or \r only, as for the parsers (not at a form feed or
    # U+2028, as splitlines() has it): the hunks' line numbers are the findings'.
    before = io.StringIO(fix.before.decode("utf-8-sig"), newline="").readlines()
    after = io.StringIO(fix.after.decode("utf-8-sig"), newline="").readlines()
    name = shown(fix.path)
    if name.startswith('"'):  # git's quoted form quotes the prefix too
        old, new = f'"a/{name[1:]}', f'"b/{name[1:]}'
    else:
        old, new = f"a/{name}", f"b/{name}"
    return "".join(difflib.unified_diff(before, after, old, new))


def write(fix: FileFix) -> None:
    """Replace the file atomically, keeping its permissions."""
    target = Path(fix.path)
    try:
        mode = target.stat().st_mode & 0o7777
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
