"""Suppression comments, one implementation for both languages (SPEC §4).

Go:     //nolint  //nolint:leaklint  //nolint:LL101,LL102  // leaklint:ignore LL101 -- why
        on the finding's line or the line before; // leaklint:file-ignore LL301 anywhere.
Python: # noqa  # noqa: LL101,LL402 (flake8 semantics: that line only);
        # leaklint: ignore LL101 on the line or the line before; # leaklint: file-ignore LL301.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from leaklint import catalogue
from leaklint.model import Finding
from leaklint.selection import matches

_CODES = r"(?P<codes>(?:[A-Za-z]+[0-9]*)(?:[\s,]+[A-Za-z]+[0-9]*)*)"
_GO_NOLINT = re.compile(r"//\s*nolint(?::(?P<codes>[\w,\- ]+))?", re.IGNORECASE)
_IGNORE = re.compile(r"(?://|#)\s*leaklint:\s*ignore\b\s*" + _CODES + "?", re.IGNORECASE)
_FILE_IGNORE = re.compile(
    r"(?://|#)\s*leaklint:\s*file-ignore\b\s*" + _CODES + "?", re.IGNORECASE
)
# flake8's own pattern, so `# noqa:LL101` and `# NOQA: LL101, LL102` behave identically.
_NOQA = re.compile(r"#\s*noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.IGNORECASE)

ALL = ("ALL",)


def _codes(raw: str | None) -> tuple[str, ...]:
    """Rule prefixes named in a directive; ALL when none (or 'leaklint') is named."""
    if not raw:
        return ALL
    names = [c for c in re.split(r"[\s,]+", raw.split("--")[0].strip()) if c]
    codes = []
    for name in names:
        upper = name.upper()
        if upper == "LEAKLINT":
            return ALL
        if re.fullmatch(r"LL[0-9]{0,3}", upper):
            codes.append(upper)
    return tuple(codes)


@dataclass(eq=False)
class Directive:
    """One suppression comment and what it names."""

    line: int  # 1-based line of the comment
    start: int  # 0-based code-point columns of the directive on that line
    end: int
    codes: tuple[str, ...]  # rule prefixes, or ALL
    covers: tuple[int, ...]  # the lines it silences; () for the whole file
    # Names leaklint or its rules. A bare noqa or nolint comment also serves other
    # tools, whose findings leaklint cannot see: it is never called unused.
    ours: bool
    used: set[str] = field(default_factory=set)  # codes that silenced a finding


@dataclass
class Suppressions:
    directives: list[Directive] = field(default_factory=list)
    by_line: dict[int, list[Directive]] = field(default_factory=dict)
    file_level: list[Directive] = field(default_factory=list)

    def _add(self, directive: Directive) -> None:
        if not directive.codes:
            return
        self.directives.append(directive)
        if not directive.covers:
            self.file_level.append(directive)
        for line in directive.covers:
            self.by_line.setdefault(line, []).append(directive)

    def unused(self, language: str, enabled: frozenset[str],
               text: str) -> list[tuple[Directive, tuple[str, ...]]]:
        """Each directive of ours with the codes it names that silenced nothing, among
        the codes every rule of which ran (a code for a rule that did not run may be
        needed in a run where it does: it is not judged). In Python, only directives in
        real comments are judged: the text of a string is nobody's suppression."""
        out = []
        comments = _python_comments(text) if language == "python" else None
        for directive in self.directives:
            if not directive.ours:
                continue
            if comments is not None and not any(
                    start <= directive.start for start in comments.get(directive.line, ())):
                continue
            idle = tuple(code for code in directive.codes if code not in directive.used
                         and _judged(code, language, enabled))
            if idle:
                out.append((directive, idle))
        return out

    def suppresses(self, finding: Finding) -> bool:
        """Whether a directive silences the finding; every one that does is marked
        used. An unused-suppression finding is silenced only by a directive that names
        its rule id in full (a blanket directive cannot hide its own report)."""
        rule_id = finding.rule_id
        hit = False
        for directive in (*self.file_level, *self.by_line.get(finding.span.line, ())):
            for code in directive.codes:
                if code == rule_id or (rule_id != UNUSED_RULE and matches((code,), rule_id)):
                    directive.used.add(code)
                    hit = True
        return hit


UNUSED_RULE = "LL001"


def _judged(code: str, language: str, enabled: frozenset[str]) -> bool:
    """Whether every rule `code` can silence in this language ran (never the
    unused-suppression rule itself: naming it is how one keeps a directive on purpose)."""
    covered = [r.id for r in catalogue.load().values()
               if language in r.languages and r.id != UNUSED_RULE and matches((code,), r.id)]
    return bool(covered) and all(rule_id in enabled for rule_id in covered)


def _python_comments(text: str) -> dict[int, list[int]]:
    """Where each comment of a Python file starts: {line: [0-based columns]}. None
    when the file does not tokenize: then nothing is judged ({})."""
    import io
    import tokenize

    starts: dict[int, list[int]] = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                starts.setdefault(token.start[0], []).append(token.start[1])
    except (tokenize.TokenError, SyntaxError, ValueError):
        return {}
    return starts


def _end(m: re.Match[str]) -> int:
    return m.start() + len(m.group(0).rstrip())


def scan(text: str, language: str) -> Suppressions:
    result = Suppressions()
    if "nolint" not in text and "leaklint" not in text and "noqa" not in text.lower():
        return result
    # Lines as the rest of leaklint counts them: on LF only (sources.decode has made a
    # lone CR one), never on the other breaks str.splitlines knows.
    for index, line in enumerate(text.split("\n"), start=1):
        if "//" not in line and "#" not in line:
            continue
        comment_line = line.lstrip().startswith(("//", "#"))  # it also covers the next
        if (m := _FILE_IGNORE.search(line)) is not None:
            result._add(Directive(index, m.start(), _end(m), _codes(m.group("codes")), (),
                                  ours=True))
            continue
        if (m := _IGNORE.search(line)) is not None:
            covers = (index, index + 1) if comment_line else (index,)
            result._add(Directive(index, m.start(), _end(m), _codes(m.group("codes")),
                                  covers, ours=True))
        if language == "go":
            if (m := _GO_NOLINT.search(line)) is not None:
                raw = m.group("codes")
                ours = True
                if raw is None:
                    codes, ours = ALL, False
                else:
                    names = [c.strip() for c in raw.split(",")]
                    mine = [n for n in names if n.upper().startswith("LL")]
                    if any(n.lower() == "leaklint" for n in names):
                        codes = ALL
                    else:  # //nolint:gosec names other linters only: not ours
                        codes = _codes(" ".join(mine)) if mine else ()
                covers = (index, index + 1) if comment_line and line.lstrip().startswith(
                    "//") else (index,)
                result._add(Directive(index, m.start(), _end(m), codes, covers, ours=ours))
        elif (m := _NOQA.search(line)) is not None:
            raw = m.group("codes")
            result._add(Directive(index, m.start(), _end(m), _codes(raw), (index,),
                                  ours=raw is not None))
    return result
