"""One .gitignore file, matched as git matches it during a directory walk.

The walk asks about each directory before entering it and about each file in a
directory it entered, so a path is judged by the patterns that match the path itself:
the last of them decides (a `!` line re-includes). A pattern that matches only a parent
directory has already been applied to that parent. pathspec's GitIgnoreSpec answers a
different question (is a path ignored, given only its string?) and, to answer it,
ranks file-pattern matches above directory-pattern matches whatever their order: with
`*` then `!*/` it calls every directory ignored where git enters them all, and a walk
that trusted it would skip whole projects silently. pathspec still parses each line and
builds its regular expression; the order and the meaning of a match are decided here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pathspec


@dataclass(frozen=True, slots=True)
class _Rule:
    include: bool  # True ignores, False re-includes (a `!` line)
    directory_only: bool  # the line ends in `/`
    regex: re.Pattern[str]
    marks_directory: bool  # the regex has pathspec's `ps_d` group ("inside a directory")


class GitIgnore:
    """The patterns of one .gitignore, relative to the directory holding it."""

    def __init__(self, lines: list[str]) -> None:
        self._rules = [rule for pattern in gitignore_spec(lines).patterns
                       if (rule := _rule_of(pattern)) is not None]

    def verdict(self, relative: str, is_dir: bool) -> bool | None:
        """Whether git ignores `relative` (a path below this file's directory, with `/`
        separators and no trailing slash) by this file: True or False as the last
        pattern matching it says, None when none does."""
        verdict = None
        for rule in self._rules:
            if rule.directory_only and not is_dir:
                continue
            match = rule.regex.search(relative)
            if match is None:
                continue
            if rule.marks_directory and match.group("ps_d") is not None:
                continue  # matched a parent directory, judged when the walk met it
            verdict = rule.include
        return verdict


def _rule_of(pattern: pathspec.Pattern) -> _Rule | None:
    if pattern.include is None:  # a blank line or a comment
        return None
    line = getattr(pattern, "pattern", None)
    if not isinstance(line, str):
        return None
    body = line.removeprefix("!") if line.startswith("!") else line
    body = _strip_trailing_spaces(body)
    directory_only = body.endswith("/") and not body.endswith("\\/")
    if directory_only:
        # `foo/` matches a directory named as `foo` would; the walk passes directories
        # without their trailing slash, so the line is compiled without it.
        body = body.rstrip("/")
        if not body:
            return None
        pattern = type(pattern)(body)
        if pattern.include is None:
            return None
    regex = pattern.regex
    if regex is None:
        return None
    return _Rule(include=line[:1] != "!", directory_only=directory_only, regex=regex,
                 marks_directory="ps_d" in regex.groupindex)


def _strip_trailing_spaces(line: str) -> str:
    """git drops trailing spaces unless escaped with a backslash."""
    stripped = line.rstrip(" ")
    if stripped.endswith("\\") and len(stripped) < len(line):
        return stripped + " "
    return stripped


def gitignore_spec(lines: list[str]) -> pathspec.PathSpec:
    """The lines of a .gitignore, parsed as git reads them. git takes every line; a
    line the pattern library refuses is read as git's matcher reads it: a reversed
    range (`[z-a]`) matches its first character, and what git cannot match with at all
    (`foo\\`, a lone `!`) matches nothing."""
    import pathspec

    try:
        return pathspec.GitIgnoreSpec.from_lines(lines)
    except (ValueError, re.error):
        pass
    kept = []
    for line in lines:
        for candidate in (line, _reversed_ranges_as_git_reads(line)):
            try:
                pathspec.GitIgnoreSpec.from_lines([candidate])
            except (ValueError, re.error):
                continue
            kept.append(candidate)
            break
    return pathspec.GitIgnoreSpec.from_lines(kept)


def _reversed_ranges_as_git_reads(pattern: str) -> str:
    """`[z-a]` -> `[z]`: git's wildmatch compares the range's first character before it
    sees the range, and the range itself is empty."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        char = pattern[i]
        if char == "\\":
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if char != "[":
            out.append(char)
            i += 1
            continue
        j = i + 1
        if j < n and pattern[j] in "!^":
            j += 1
        start = j
        if j < n and pattern[j] == "]":
            j += 1
        while j < n and pattern[j] != "]":
            j += 2 if pattern[j] == "\\" else 1
        if j >= n:  # no closing bracket: left as it is
            out.append(pattern[i:])
            break
        body, k = [], start
        while k < j:
            if k + 2 < j and pattern[k + 1] == "-" and pattern[k] != "\\":
                low, high = pattern[k], pattern[k + 2]
                body.append(low if high < low else pattern[k:k + 3])
                k += 3
            else:
                body.append(pattern[k])
                k += 1
        out.append(pattern[i:start] + "".join(body) + "]")
        i = j + 1
    return "".join(out)
