"""The data every analysis produces and every reporter consumes."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Level(str, Enum):
    """SARIF result levels, lowest first."""

    NOTE = "note"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, order=True)
class Span:
    """A source range. Lines are 1-based. Columns are 1-based and counted twice:
    in Unicode code points (text, JSON, flake8) and in UTF-16 code units (SARIF).
    Build spans with leaklint.positions, never by hand."""

    line: int
    column: int
    end_line: int
    end_column: int
    column_utf16: int = 0
    end_column_utf16: int = 0


@dataclass(frozen=True)
class Related:
    """A secondary place of a finding: the leaking exit, the error check, ...; in
    another file of the same package when path (as displayed) is set."""

    span: Span
    message: str
    path: str | None = None


@dataclass(frozen=True)
class Edit:
    """Replace the text between two spans' (line, code-point column) bounds."""

    span: Span
    replacement: str


@dataclass(frozen=True)
class Fix:
    """A repair of one finding. A safe fix keeps the program's behaviour apart from
    the leak (`--fix` applies it); an unsafe one may change it (`--unsafe-fixes`).
    Which fixes exist, and whether each is safe, is the catalogue's word (rules/*.toml):
    leaklint.emit sets `safe` from it."""

    description: str
    edits: tuple[Edit, ...]
    safe: bool = True


@dataclass(frozen=True)
class Scope:
    """The function a finding sits in (for fingerprints and diff-only runs)."""

    name: str
    start_line: int
    end_line: int


@dataclass(frozen=True)
class Finding:
    rule_id: str
    path: str  # as shown to the user: relative to the working directory when possible
    span: Span
    message: str
    related: tuple[Related, ...] = ()
    fix: Fix | None = None
    scope: Scope | None = None
    # Text of the primary line, stripped: feeds line-move-proof fingerprints.
    snippet: str = ""

    def sort_key(self) -> tuple:
        return (self.path, self.span.line, self.span.column, self.rule_id, self.message)


@dataclass(frozen=True)
class FileProblem:
    """A file that could not be read or analysed: reported, never fatal."""

    path: str
    reason: str
    kind: str = "unreadable"  # unreadable | unparsable | skipped


@dataclass
class FileResult:
    """What the analysis of one file (or one Go package's file) produced."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)
