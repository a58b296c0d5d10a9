"""flake8 plugin: `flake8 --select LL` runs leaklint's Python rules.

leaklint's own comments (`# leaklint: ignore LLxxx`, `# leaklint: file-ignore LLxxx`)
are applied here, so a file gets the same answer from flake8 as from `leaklint check`.
flake8 does the rest: `# noqa` (so `--disable-noqa` keeps its meaning), select/ignore,
output. The plugin never raises: an exception in a plugin aborts the user's whole
flake8 run, so a failure here yields nothing for the file instead.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterator
from pathlib import Path

from leaklint import __version__

# LL000 is left out: flake8 reports syntax errors itself (E999) and never calls
# tree plugins for a file it cannot parse.
FLAKE8_RULES = frozenset({"LL101", "LL102", "LL201", "LL301", "LL401", "LL402"})


@functools.lru_cache(maxsize=64)
def _settings(directory: str):
    """[tool.leaklint] models (wrappers) for files under a directory; defaults on error."""
    from leaklint.config import ConfigError, Settings, discover

    try:
        return discover(Path(directory))
    except (ConfigError, OSError):
        return Settings()


_DIRECTIVE = re.compile(r"#\s*leaklint:", re.IGNORECASE)


def leaklint_directives(lines: list[str]) -> str:
    """The source reduced to leaklint's own comments, line for line. Anything after the
    directive that starts another comment (`# noqa`, say) is cut off: flake8 applies
    `# noqa` itself, and must remain the only one that does."""
    kept = []
    for line in lines:
        m = _DIRECTIVE.search(line)
        if m is None:
            kept.append("")
            continue
        end = line.find("#", m.end())
        directive = line[m.start():end if end >= 0 else None].rstrip()
        # A comment on a line of its own also covers the next line: keep that distinction.
        kept.append(directive if line.lstrip().startswith("#") else f"pass  {directive}")
    return "\n".join(kept) + "\n"


class LeakLintChecker:
    name = "leaklint"
    version = __version__

    def __init__(self, tree: ast.AST, lines: list[str], filename: str) -> None:
        self.lines = lines
        self.filename = filename

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        try:
            found = self._findings()
        except Exception:  # a plugin must never abort flake8
            return
        for finding in found:
            yield (finding.span.line, finding.span.column - 1,
                   f"{finding.rule_id} {finding.message}", type(self))

    def _findings(self) -> list:
        from leaklint.context import RunContext
        from leaklint.python.analysis import analyse_file
        from leaklint.sources import SourceFile

        # The same bytes `leaklint check` analyses: UTF-8 without a byte-order mark.
        source = "".join(self.lines).removeprefix("\ufeff").encode("utf-8", "surrogatepass")
        path = Path(self.filename)
        settings = _settings(str(path.parent if self.filename not in ("-", "stdin") else "."))
        ctx = RunContext(settings=settings, enabled=FLAKE8_RULES)
        result = analyse_file(SourceFile(path, self.filename, source), ctx)
        findings = result.findings
        if findings and any("leaklint" in line for line in self.lines):
            from leaklint.suppress import scan

            ours = scan(leaklint_directives(self.lines), "python")
            findings = [f for f in findings if not ours.suppresses(f)]
        return sorted(findings, key=lambda f: (f.span.line, f.span.column, f.rule_id))
