"""What `check` reports in CI: --diff-base and --baseline / --write-baseline filtering.

Fingerprints are computed once on the complete run, before any filtering, so the
occurrence counter (and with it every fingerprint) does not depend on which findings
a diff or a baseline hides."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from leaklint.ci.fingerprint import for_run, stable_path
from leaklint.report.names import as_text

if TYPE_CHECKING:  # imported when a diff base or a baseline is asked for: fast start
    from leaklint.ci import baseline, diffbase
    from leaklint.engine.discovery import Candidate


class GateError(Exception):
    pass


@dataclass
class Gate:
    prints: list[str]  # aligned with the findings still reported
    baselined: int = 0
    stale: int = 0
    written: int | None = None  # findings written by --write-baseline
    baseline_used: bool = False

    def summary(self, args) -> str:
        """A line after the text summary; other formats stay machine-readable."""
        if args.format not in ("text", "full") or args.quiet:
            return ""
        parts = []  # (what --write-baseline wrote is the run's summary line)
        if self.baseline_used:
            parts.append(
                f"Baseline: {self.baselined} known finding{'s' * (self.baselined != 1)} "
                f"hidden, {self.stale} stale entr{'ies' if self.stale != 1 else 'y'}"
                + (" (fixed since the baseline was written; refresh it with "
                   "--write-baseline)." if self.stale else ".")
            )
        return "".join(p + "\n" for p in parts)


def prepare(args) -> tuple[diffbase.ChangeSet | None, list[baseline.Entry] | None]:
    if not (getattr(args, "diff_base", None) or getattr(args, "baseline", None)):
        return None, None
    from leaklint.ci import baseline, diffbase

    try:
        changes = None
        if getattr(args, "diff_base", None):
            where = Path(args.paths[0]) if args.paths else Path(".")
            changes = diffbase.changes_since(args.diff_base, where)
        entries = baseline.load(args.baseline) if getattr(args, "baseline", None) else None
    except (diffbase.DiffBaseError, baseline.BaselineError) as exc:
        raise GateError(str(exc)) from None
    return changes, entries


def apply(args, result, files: list[Candidate], base: Path,
          changes: diffbase.ChangeSet | None,
          entries: list[baseline.Entry] | None) -> Gate:
    """Filters result.findings in place and returns their fingerprints."""
    from leaklint.ci import baseline, diffbase

    findings = result.findings
    prints = for_run(findings, base)
    gate = Gate(prints=prints)
    write_to = getattr(args, "write_baseline", None)
    if write_to is not None:
        paths = [stable_path(f.path, base) for f in findings]
        baseline.write(write_to, findings, prints, paths)
        gate.written = len(findings)
        # Everything found is now known: the run that writes a baseline passes.
        entries = [baseline.Entry(fp, f.rule_id, p) for f, fp, p in
                   zip(findings, prints, paths, strict=True)]
    keep = list(range(len(findings)))
    if changes is not None:
        keep = diffbase.keep(findings, changes)
    if entries is not None:
        analysed = {as_text(stable_path(str(c.path), base)) for c in files}
        # Matched on the whole run: a diff-only run must not call the rest stale.
        matched = baseline.match(entries, prints, analysed)
        new = set(matched.kept)
        keep = [i for i in keep if i in new]
        gate.baselined, gate.stale = matched.matched, len(matched.stale)
        gate.baseline_used = getattr(args, "baseline", None) is not None
    result.findings = [findings[i] for i in keep]
    gate.prints = [prints[i] for i in keep]
    return gate
