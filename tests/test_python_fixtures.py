"""Every `# want LLxxx` line in fixtures/python is reported with that rule, nothing else.

The fixture run enables every rule (ALL plus the opt-in LL103)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from leaklint import catalogue
from leaklint.config import Settings
from leaklint.context import RunContext
from leaklint.python.analysis import analyse_file
from leaklint.sources import read

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "python"
WANT = re.compile(r"#\s*want\s+(LL\d{3}(?:[\s,]+LL\d{3})*)")
ALL_RULES = frozenset(catalogue.load())


def expected(path: Path) -> Counter:
    want: Counter = Counter()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        found = WANT.search(line)
        if found:
            for rule in re.split(r"[\s,]+", found.group(1)):
                want[(number, rule)] += 1
    return want


def reported(path: Path) -> Counter:
    source = read(path, path.name)
    result = analyse_file(source, RunContext(Settings(), ALL_RULES))
    return Counter((f.span.line, f.rule_id) for f in result.findings)


FILES = sorted(FIXTURES.glob("*.py"))


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_fixture(path: Path) -> None:
    want, got = expected(path), reported(path)
    assert got - want == Counter(), f"unexpected findings in {path.name}"
    assert want - got == Counter(), f"missed findings in {path.name}"


def _cases() -> tuple[int, int]:
    """(flagged, clean) cases: functions and module-level assignments with a want
    comment are flagged cases; the others that call an HTTP API are clean ones."""
    flagged = clean = 0
    for path in FILES:
        text = path.read_text(encoding="utf-8")
        for block in re.split(r"\n(?=(?:async )?def |class |[A-Z_]+ = )", text):
            if not re.search(r"requests|httpx|aiohttp|urlopen|urllib3|http\.client|HTTP", block):
                continue
            if WANT.search(block):
                flagged += 1
            elif block.lstrip().startswith(("def ", "async def ", "class ")) or re.match(
                r"[A-Z_]+ = ", block
            ):
                clean += 1
    return flagged, clean


def test_fixture_corpus_size_and_balance() -> None:
    flagged, clean = _cases()
    assert flagged + clean >= 110
    assert clean >= (flagged + clean) / 2


def test_syntax_error_fixture_is_one_ll000() -> None:
    got = reported(FIXTURES / "ll000_syntax_error.py")
    assert [rule for _, rule in got] == ["LL000"]
