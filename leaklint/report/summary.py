"""A run's counts, and the summary line every console report ends with."""

from __future__ import annotations

from dataclasses import dataclass

from leaklint.model import Finding


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


@dataclass(frozen=True)
class Summary:
    findings: int
    files_with_findings: int
    files_checked: int
    suppressed: int
    fixable: int
    written: int | None = None  # findings recorded by --write-baseline

    @classmethod
    def of(cls, findings: list[Finding], *, files_checked: int, suppressed: int,
           written: int | None = None) -> Summary:
        return cls(
            findings=len(findings),
            files_with_findings=len({f.path for f in findings}),
            files_checked=files_checked,
            suppressed=suppressed,
            fixable=sum(1 for f in findings if f.fix is not None),
            written=written,
        )

    def as_dict(self) -> dict:
        return {
            "findings": self.findings,
            "files_with_findings": self.files_with_findings,
            "files_checked": self.files_checked,
            "suppressed": self.suppressed,
            "fixable": self.fixable,
        }

    def lines(self, baseline_file: object = None) -> list[str]:
        """What a person reads at the end of a run: the count, then what --fix can do."""
        checked = _plural(self.files_checked, "file") + " checked"
        extra = f", {self.suppressed} suppressed" if self.suppressed else ""
        if self.written is not None:
            # The findings went into the baseline, not past it: no "All clear" here.
            return [f"Wrote {_plural(self.written, 'finding')} to the baseline "
                    f"{baseline_file} ({checked}{extra})."]
        if not self.findings:
            return [f"All clear: {checked}{extra}."]
        out = [f"Found {_plural(self.findings, 'problem')} in "
               f"{_plural(self.files_with_findings, 'file')} ({checked}{extra})."]
        if self.fixable:
            out.append(f"[*] {self.fixable} fixable with --fix.")
        return out
