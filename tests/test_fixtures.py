"""Fixture-driven test in the style of analysistest.

Every fixture line carrying `// want LL101 ...` (Go) or `# want LL101 ...` (Python) must be
reported with exactly those rules on that line, and nothing may be reported anywhere else.
The engine runs in process over fixtures/ with every rule enabled, the opt-in LL103 and
LL001 included.
Only the public pipeline is used (discover -> run), never the analysis internals.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import pytest
from conftest import FIXTURES, GO_FIXTURES, REPO_ROOT

from leaklint import catalogue
from leaklint.config import Settings
from leaklint.context import RunContext
from leaklint.engine.discovery import Candidate, discover
from leaklint.engine.runner import run
from leaklint.golang.parse import parse as parse_go
from leaklint.model import FileProblem, Finding, Span
from leaklint.selection import enabled_rules

_IDS = r"(?P<ids>LL[0-9]{3}(?:[\s,]+LL[0-9]{3})*)"
WANT = {
    "go": re.compile(r"//\s*want\s+" + _IDS),
    "python": re.compile(r"#\s*want\s+" + _IDS),
}
# Fixture functions are cases: badXxx must be reported somewhere, goodXxx nowhere.
CASE_NAME = re.compile(r"^(?P<kind>bad|good)(?=[A-Z0-9_])", re.IGNORECASE)
STUBS = GO_FIXTURES / "stubs"  # stand-ins for third-party modules: analysed, never cases


def wants_of(text: str, language: str) -> Counter[tuple[int, str]]:
    found: Counter[tuple[int, str]] = Counter()
    pattern = WANT[language]
    for number, line in enumerate(text.splitlines(), start=1):
        m = pattern.search(line)
        if m is not None:
            for rule_id in re.split(r"[\s,]+", m.group("ids")):
                found[(number, rule_id)] += 1
    return found


@lru_cache(maxsize=1)
def _candidates() -> tuple[Candidate, ...]:
    import pathspec

    # fixtures/fixes holds before/after pairs of the fixes: tests/test_fix_fixtures.py
    # checks their annotations (an after file keeps the comments of its before file).
    fix_pairs = pathspec.GitIgnoreSpec.from_lines(["/fixes/"])
    found = discover([str(FIXTURES)], cwd=REPO_ROOT, exclude=fix_pairs)
    assert not found.problems, f"discovery problems under fixtures/: {found.problems}"
    return tuple(found.files)


@dataclass
class EngineRun:
    findings: dict[str, list[Finding]]
    problems: dict[str, list[FileProblem]]
    error: BaseException | None = None


@cache
def _engine(language: str) -> EngineRun:
    """One in-process run per language, so a crash in one analysis spares the other."""
    settings = Settings(select=("ALL",), extend_select=("LL103", "LL001"))
    enabled = enabled_rules(settings.select, settings.ignore, settings.extend_select)
    ctx = RunContext(settings=settings, enabled=enabled)
    files = [c for c in _candidates() if c.language == language]
    out = EngineRun({}, {})
    try:
        result = run(files, ctx)
    except Exception as exc:  # reported by every test of that language
        out.error = exc
        return out
    for finding in result.findings:
        out.findings.setdefault(finding.path, []).append(finding)
    for problem in result.problems:
        out.problems.setdefault(problem.path, []).append(problem)
    return out


def _files(language: str) -> list[Candidate]:
    return [c for c in _candidates() if c.language == language]


def differences(
    display: str, text: str, expected: Counter[tuple[int, str]], findings: list[Finding],
    problems: list[FileProblem],
) -> list[str]:
    """One line per missing or unexpected (line, rule) and per file problem, with the
    source line and, for unexpected findings, the message the user would see."""
    source = text.splitlines()

    def shown(line: int) -> str:
        return source[line - 1].strip() if 0 < line <= len(source) else ""

    actual = Counter((f.span.line, f.rule_id) for f in findings)
    out = [
        f"  missing    {display}:{line}: {rule_id}    | {shown(line)}"
        for line, rule_id in sorted((expected - actual).elements())
    ]
    for line, rule_id in sorted((actual - expected).elements()):
        messages = sorted({f.message for f in findings if (f.span.line, f.rule_id) ==
                           (line, rule_id)})
        out.append(f"  unexpected {display}:{line}: {rule_id} {' / '.join(messages)}    | "
                   f"{shown(line)}")
    wants_ll000 = any(rule_id == "LL000" for _, rule_id in expected)
    out += [
        f"  problem    {display}: {p.kind}: {p.reason}"
        for p in problems if not (p.kind == "unparsable" and wants_ll000)
    ]
    return out


def _compare(candidate: Candidate) -> None:
    engine = _engine(candidate.language)
    if engine.error is not None:
        raise AssertionError(f"the {candidate.language} analysis crashed") from engine.error
    text = candidate.path.read_text("utf-8")
    lines = differences(
        candidate.display, text, wants_of(text, candidate.language),
        engine.findings.get(candidate.display, []), engine.problems.get(candidate.display, []),
    )
    if lines:  # the listing says it all; a traceback of this helper would only add noise
        pytest.fail("findings differ from the want annotations:\n" + "\n".join(lines),
                    pytrace=False)


@pytest.mark.parametrize("candidate", _files("go"), ids=lambda c: c.display)
def test_go_fixture(candidate: Candidate) -> None:
    _compare(candidate)


@pytest.mark.parametrize("candidate", _files("python"), ids=lambda c: c.display)
def test_python_fixture(candidate: Candidate) -> None:
    _compare(candidate)


def test_no_finding_outside_the_fixture_files() -> None:
    known = {c.display for c in _candidates()}
    stray = []
    for language in ("go", "python"):
        engine = _engine(language)
        stray += [f"{path}: {len(fs)} finding(s)" for path, fs in engine.findings.items()
                  if path not in known]
    assert not stray, f"findings on files discovery did not return: {stray}"


def test_want_annotations_name_known_rules() -> None:
    known = set(catalogue.load())
    bad = []
    for candidate in _candidates():
        text = candidate.path.read_text("utf-8")
        for (line, rule_id), _ in wants_of(text, candidate.language).items():
            if rule_id not in known:
                bad.append(f"{candidate.display}:{line}: {rule_id}")
            elif candidate.language not in catalogue.load()[rule_id].languages:
                bad.append(f"{candidate.display}:{line}: {rule_id} has no {candidate.language}")
    assert not bad, f"want annotations naming no such rule: {bad}"


def _finding(line: int, rule_id: str, message: str = "msg") -> Finding:
    return Finding(rule_id, "f.go", Span(line, 1, line, 2), message)


def test_differences_go_both_ways() -> None:
    text = "a\nb // want LL101\nc // want LL101 LL402\nd\n"
    expected = wants_of(text, "go")
    exact = [_finding(2, "LL101"), _finding(3, "LL402"), _finding(3, "LL101")]
    assert differences("f.go", text, expected, exact, []) == []
    found = [_finding(2, "LL101"), _finding(2, "LL101"), _finding(4, "LL202", "defer in loop")]
    report = differences("f.go", text, expected, found, [])
    assert "  missing    f.go:3: LL101    | c // want LL101 LL402" in report
    assert "  missing    f.go:3: LL402    | c // want LL101 LL402" in report
    assert "  unexpected f.go:2: LL101 msg    | b // want LL101" in report  # reported twice
    assert "  unexpected f.go:4: LL202 defer in loop    | d" in report
    assert len(report) == 4


def test_differences_problems() -> None:
    broken = FileProblem("f.go", "syntax error", "unparsable")
    unreadable = FileProblem("f.go", "binary", "unreadable")
    assert differences("f.go", "x // want LL000\n", Counter({(1, "LL000"): 1}),
                       [_finding(1, "LL000")], [broken]) == []
    assert differences("f.go", "x\n", Counter(), [], [broken]) == [
        "  problem    f.go: unparsable: syntax error"]
    assert differences("f.go", "x\n", Counter(), [], [unreadable]) == [
        "  problem    f.go: unreadable: binary"]


def test_want_annotation_parser() -> None:
    text = "a\nx := 1 // want LL101 LL402\ny //nolint:gosec // want LL101\n# want LL102\n"
    assert wants_of(text, "go") == Counter({(2, "LL101"): 1, (2, "LL402"): 1, (3, "LL101"): 1})
    assert wants_of(text, "python") == Counter({(4, "LL102"): 1})
    assert wants_of("// wanted LL101\n// want LL1\n", "go") == Counter()


# --- Go fixtures as Go code: parse cleanly, cover every rule, count the cases ---------------

def _go_parser():
    import tree_sitter_go
    from tree_sitter import Language, Parser

    return Parser(Language(tree_sitter_go.language()))


def _go_fixture_files() -> list[Path]:
    return sorted(GO_FIXTURES.rglob("*.go"))


def _expects_ll000(path: Path) -> bool:
    return any(rule_id == "LL000" for _, rule_id in wants_of(path.read_text("utf-8"), "go"))


def _first_syntax_error(tree) -> tuple[int, int, str] | None:
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            kind = "MISSING" if node.is_missing else "ERROR"
            return node.start_point[0] + 1, node.start_point[1] + 1, kind
        if node.has_error:
            stack.extend(reversed(node.children))
    return None


def test_go_fixtures_parse_without_error_nodes() -> None:
    broken = []
    ll000 = []
    for path in _go_fixture_files():
        # leaklint's own entry point: it also reads Go 1.26's new(expr).
        error = _first_syntax_error(parse_go(path.read_bytes()))
        rel = path.relative_to(REPO_ROOT).as_posix()
        if _expects_ll000(path):
            ll000.append(rel)
            if error is None:
                broken.append(f"{rel}: expects LL000 but parses cleanly")
            continue
        if error is not None:
            line, column, kind = error
            broken.append(f"{rel}:{line}:{column}: {kind} node")
    assert ll000, "no fixture exercises LL000"
    assert all("/_" in f"/{p}" for p in ll000), (
        f"LL000 fixtures must sit in a directory go build ignores ('_' prefix): {ll000}"
    )
    assert not broken, "Go fixtures with syntax errors:\n" + "\n".join(broken)


@dataclass(frozen=True)
class Case:
    path: str
    name: str
    kind: str  # bad | good
    start: int
    end: int
    wants: int


def _go_cases() -> list[Case]:
    parser = _go_parser()
    cases = []
    for path in _go_fixture_files():
        if STUBS in path.parents:
            continue
        source = path.read_bytes()
        want_lines = {line for line, _ in wants_of(source.decode("utf-8"), "go")}
        stack = [parser.parse(source).root_node]
        while stack:
            node = stack.pop()
            stack.extend(node.children)
            if node.type not in ("function_declaration", "method_declaration"):
                continue
            name_node = node.child_by_field_name("name")
            name = name_node.text.decode() if name_node is not None else ""
            m = CASE_NAME.match(name)
            if m is None:
                continue
            start, end = node.start_point[0] + 1, node.end_point[0] + 1
            cases.append(Case(
                path.relative_to(REPO_ROOT).as_posix(), name, m.group("kind").lower(), start,
                end, sum(1 for line in want_lines if start <= line <= end),
            ))
    return cases


def test_go_cases_are_many_and_mostly_clean() -> None:
    cases = _go_cases()
    clean = [c for c in cases if c.wants == 0]
    assert len(cases) >= 100, f"only {len(cases)} Go cases (badXxx/goodXxx functions)"
    assert len(clean) / len(cases) >= 0.45, (
        f"only {len(clean)} of {len(cases)} Go cases are clean-but-tempting"
    )


def test_go_case_names_match_their_annotations() -> None:
    wrong = [
        f"{c.path}:{c.start}: {c.name} "
        + ("has no want line" if c.kind == "bad" else "has a want line")
        for c in _go_cases()
        if (c.kind == "bad") != (c.wants > 0)
    ]
    assert not wrong, "badXxx must expect a finding, goodXxx none:\n" + "\n".join(wrong)


def test_go_cases_say_why() -> None:
    undocumented = []
    for case in _go_cases():
        lines = (REPO_ROOT / case.path).read_text("utf-8").splitlines()
        above = lines[case.start - 2].strip() if case.start >= 2 else ""
        if not above.startswith("//"):
            undocumented.append(f"{case.path}:{case.start}: {case.name}")
    assert not undocumented, "cases without a comment saying why:\n" + "\n".join(undocumented)


def test_go_fixtures_cover_every_go_rule() -> None:
    go_rules = {r.id for r in catalogue.load().values() if "go" in r.languages}
    seen = set()
    for path in _go_fixture_files():
        seen |= {rule_id for _, rule_id in wants_of(path.read_text("utf-8"), "go")}
    assert go_rules <= seen, f"Go rules without a fixture: {sorted(go_rules - seen)}"
