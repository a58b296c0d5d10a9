"""Suppression comments, one implementation for both languages (SPEC §4).

Go:     //nolint  //nolint:leaklint  //nolint:LL101,LL102  // leaklint:ignore LL101 -- why
        on the finding's line or the line before; // leaklint:file-ignore LL301 anywhere.
Python: # noqa  # noqa: LL101,LL402 (flake8 semantics: that line only);
        # leaklint: ignore LL101 on the line or the line before; # leaklint: file-ignore LL301.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

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


@dataclass
class Suppressions:
    by_line: dict[int, tuple[str, ...]] = field(default_factory=dict)
    file_level: tuple[str, ...] = ()

    def _add(self, line: int, codes: tuple[str, ...]) -> None:
        if codes:
            self.by_line[line] = self.by_line.get(line, ()) + codes

    def suppresses(self, finding: Finding) -> bool:
        rule_id = finding.rule_id
        if matches(self.file_level, rule_id):
            return True
        codes = self.by_line.get(finding.span.line, ())
        return matches(codes, rule_id)


def scan(text: str, language: str) -> Suppressions:
    result = Suppressions()
    if "nolint" not in text and "leaklint" not in text and "noqa" not in text.lower():
        return result
    file_codes: list[str] = []
    # Lines end at \n (lone CRs were made \n on reading; a CRLF leaves a \r): never
    # splitlines(), which also ends a line at a form feed, \v, U+0085 or U+2028.
    for index, line in enumerate(text.split("\n"), start=1):
        if "//" not in line and "#" not in line:
            continue
        if (m := _FILE_IGNORE.search(line)) is not None:
            file_codes.extend(_codes(m.group("codes")))
            continue
        if (m := _IGNORE.search(line)) is not None:
            codes = _codes(m.group("codes"))
            result._add(index, codes)
            if line.lstrip().startswith(("//", "#")):  # a comment line covers the next
                result._add(index + 1, codes)
        if language == "go":
            if (m := _GO_NOLINT.search(line)) is not None:
                raw = m.group("codes")
                if raw is None:
                    codes = ALL
                else:
                    names = [c.strip() for c in raw.split(",")]
                    ours = [n for n in names if n.upper().startswith("LL")]
                    if any(n.lower() == "leaklint" for n in names):
                        codes = ALL
                    else:  # //nolint:gosec names other linters only: not ours
                        codes = _codes(" ".join(ours)) if ours else ()
                result._add(index, codes)
                if line.lstrip().startswith("//"):
                    result._add(index + 1, codes)
        elif (m := _NOQA.search(line)) is not None:
            result._add(index, _codes(m.group("codes")))
    result.file_level = tuple(file_codes)
    return result
