"""Property-based tests (hypothesis) of the whole engine on arbitrary and mutated input.

(a) No input makes any rule raise, and the SARIF of any run is schema-valid.
(b) A file's findings are deterministic and do not depend on the other files of the run.
(c) Blank lines or comments above a finding move its line and nothing else, whatever
    line separators the comments hold besides \n (form feeds, U+2028...).
(d) Any file name, UTF-8 or not, round-trips: analysed under its own name, shown in
    every report in a form that gives its bytes back.

The analyses are called directly, without the runner's guard, so that an exception in a
check fails here instead of being turned into a notification. tests/fuzz/ runs the same
properties with far more examples.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from leaklint import catalogue
from leaklint.config import Settings
from leaklint.context import RunContext
from leaklint.engine.discovery import Candidate
from leaklint.engine.guard import nesting
from leaklint.model import Finding
from leaklint.sources import SourceFile, UnreadableSource, decode

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
SETTINGS = dict(max_examples=40, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

LANGUAGE = {".go": "go", ".py": "python"}


def all_rules_context() -> RunContext:
    # Every rule, opt-in ones included, so every check runs.
    return RunContext(settings=Settings(), enabled=frozenset(catalogue.load()))


def fixture_files() -> list[Path]:
    return sorted(p for p in FIXTURES.rglob("*") if p.suffix in LANGUAGE and p.is_file())


# Fragments that stress parsers and checks where they are fragile: unbalanced brackets,
# strings and comments left open, keywords out of place, the APIs the rules look for.
TOKENS = [
    "{", "}", "(", ")", "[", "]", ":", ";", ",", ".", "\n", "\t", "    ", "\r\n", "\\",
    '"', "'", "`", '"""', "/*", "*/", "//", "#", "# noqa", "//nolint:LL101",
    "defer ", "go ", "return ", "return\n", "func() {", "for {", "if err != nil {", "else",
    "resp, err := http.Get(u)", "defer resp.Body.Close()", "resp.Body.Close()", "nil",
    "panic(err)", "select {", "case <-ch:", "switch x {", "goto L", "L:", "break", "...",
    "&http.Transport{}", "http.Client{Timeout: 0}", "client.Do(req)", "tr.CloseIdleConnections()",
    "def ", "async ", "await ", "with ", "as ", "lambda: ", "yield ", "class C:", "try:",
    "except Exception:", "finally:", "import requests", "from httpx import AsyncClient as C",
    "requests.get(url)", "requests.Session()", "s.close()", "urlopen(url)", "**kw", "*args",
    "r = requests.get(u, stream=True)", "with closing(r):", "@decorator", "match x:",
    "\u00e9", "\U0001F600", "\u200b", "\ufeff",
]
# What str.splitlines() ends a line at besides \n, \r\n and \r; no parser does.
SEPARATORS = ["\f", "\v", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
TOKENS += SEPARATORS + [f"# noqa{s}" for s in SEPARATORS[:2]] + [f"//nolint{s}"
                                                                 for s in SEPARATORS[-2:]]


def analyse(files: dict[Path, bytes]) -> tuple[list[Finding], list]:
    """Analyse files (path -> raw bytes) straight through the analyses; any exception
    propagates. Unreadable (undecodable) files are left out, as the runner does."""
    from leaklint.golang.analysis import analyse_package
    from leaklint.python.analysis import analyse_file

    ctx = all_rules_context()
    findings: list[Finding] = []
    problems: list = []
    go: dict[Path, list[SourceFile]] = {}
    for path, raw in files.items():
        try:
            source = SourceFile(path, path.name, decode(raw))
        except UnreadableSource:
            continue
        if nesting(source.source, LANGUAGE[path.suffix]).line:
            continue  # refused before parsing, as the runner does (libcst would crash)
        if LANGUAGE[path.suffix] == "python":
            result = analyse_file(source, ctx)
            findings += result.findings
            problems += result.problems
        else:
            go.setdefault(path.parent, []).append(source)
    for sources in go.values():
        for result in analyse_package(sources, ctx):
            findings += result.findings
            problems += result.problems
    return findings, problems


@cache
def _validator():
    from test_sarif_schema import schema_validator  # the project's shared SARIF helper

    return schema_validator()


def assert_sarif_valid(findings: list[Finding], problems: list) -> None:
    from leaklint.report.sarif import build

    log = build(findings, problems, base=REPO, warn=lambda _msg: None)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
              for e in _validator().iter_errors(log)]
    assert not errors, "\n".join(errors)


# A catalogue placeholder left unfilled in a message.
_PLACEHOLDER = re.compile(r"\{(reason|callee|where|kind|var|call|what|function|missing|detail)\}")


def assert_spans_sane(findings: list[Finding], raw: bytes) -> None:
    """Spans inside the file as the analyses saw it (BOM gone, lone CR made LF)."""
    try:
        lines = decode(raw).split(b"\n")
    except UnreadableSource:
        lines = []
    for f in findings:
        assert 1 <= f.span.line <= f.span.end_line <= max(1, len(lines)), f
        assert f.span.column >= 1 and f.span.end_column >= 1, f
        assert f.rule_id in catalogue.load()
        assert f.message and not _PLACEHOLDER.search(f.message), f.message


# --- (a) nothing raises, SARIF stays valid -----------------------------------------------


@cache
def fixture_snapshot() -> dict[Path, str]:
    """The fixtures' text, read once: generation must not change while fixtures are edited."""
    return {p: p.read_text(encoding="utf-8") for p in fixture_files()}


@st.composite
def mutated(draw, files: dict[Path, str]) -> tuple[Path, bytes]:
    """A fixture with lines deleted, duplicated, swapped and tokens inserted."""
    path = draw(st.sampled_from(sorted(files)))
    lines = files[path].split("\n")
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "truncate"]))
        i = draw(st.integers(0, max(0, len(lines) - 1)))
        if op == "delete" and len(lines) > 1:
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(0, max(0, len(lines) - 1)))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "insert":
            line = lines[i]
            k = draw(st.integers(0, len(line)))
            lines[i] = line[:k] + draw(st.sampled_from(TOKENS)) + line[k:]
        elif op == "truncate":  # a file cut off mid-way, as an editor might save it
            lines = lines[: i + 1]
            lines[-1] = lines[-1][: draw(st.integers(0, len(lines[-1])))]
    return path, "\n".join(lines).encode("utf-8")


# A header naming the APIs, so the prefilters let the text through to the parsers.
HEADERS = {
    ".go": ["", 'package p\n\nimport "net/http"\n\n',
            'package p\n\nimport (\n\th "net/http"\n\t"net"\n)\n\n'],
    ".py": ["", "import requests\n\n", "import httpx, aiohttp, urllib3\n"
                                        "from urllib.request import urlopen\n\n"],
}


def arbitrary_text(suffix: str) -> st.SearchStrategy[str]:
    pieces = st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=6)), max_size=80)
    return st.tuples(st.sampled_from(HEADERS[suffix]), pieces).map(
        lambda t: t[0] + "".join(t[1]))


@pytest.mark.parametrize("suffix", [".go", ".py"])
@settings(**SETTINGS)
@given(data=st.data())
def test_arbitrary_text_never_raises(suffix: str, data, tmp_path: Path) -> None:
    text = data.draw(arbitrary_text(suffix))
    path = tmp_path / f"arbitrary{suffix}"
    raw = text.encode("utf-8", "surrogatepass")
    findings, problems = analyse({path: raw})
    assert_spans_sane(findings, raw)
    assert_sarif_valid(findings, problems)


@settings(**SETTINGS)
@given(data=st.data())
def test_mutated_fixtures_never_raise(data) -> None:
    files = fixture_snapshot()
    if not files:
        pytest.skip("no fixtures yet")
    path, raw = data.draw(mutated(files))
    # The mutated file replaces the original inside its own package.
    package = {p: p.read_bytes() for p in path.parent.glob(f"*{path.suffix}")
               if path.suffix == ".go"}
    package[path] = raw
    findings, problems = analyse(package)
    assert_spans_sane([f for f in findings if f.path == path.name], raw)
    assert_sarif_valid(findings, problems)


def test_every_fixture_analyses_cleanly_as_is() -> None:
    # The unmutated starting points must pass too (and there must be some).
    files = fixture_files()
    assert files, "fixtures/ holds no Go or Python files"
    for path in files:
        findings, problems = analyse({path: path.read_bytes()})
        assert_sarif_valid(findings, problems)


# --- (b) deterministic, independent of the other files -----------------------------------


def _units() -> list[list[Path]]:
    """Units of analysis: one Python file, or one Go package (a directory's .go files)."""
    units: dict[Path, list[Path]] = {}
    out: list[list[Path]] = []
    for p in fixture_files():
        if p.suffix == ".go":
            units.setdefault(p.parent, []).append(p)
        else:
            out.append([p])
    return out + list(units.values())


def _run(paths: list[Path]) -> list[tuple]:
    from leaklint.engine.runner import run

    candidates = [Candidate(p, p.relative_to(REPO).as_posix(), LANGUAGE[p.suffix])
                  for p in paths]
    result = run(candidates, all_rules_context(), jobs=1, cache=None)
    return sorted((f.path, f.span, f.rule_id, f.message, f.related) for f in result.findings)


@settings(**{**SETTINGS, "max_examples": 25})
@given(data=st.data())
def test_findings_do_not_depend_on_the_rest_of_the_run(data) -> None:
    units = _units()
    assume(len(units) >= 2)
    # Indices, not sampled_from: fixtures may be added while the tests run.
    picks = data.draw(st.lists(st.integers(0, 10**6), min_size=1, max_size=7))
    target = units[picks[0] % len(units)]
    others = [units[i % len(units)] for i in picks[1:]]
    others = [u for i, u in enumerate(others) if u != target and u not in others[:i]]
    combined = [p for unit in [*others, target] for p in unit]
    random.Random(data.draw(st.integers(0, 2**32 - 1))).shuffle(combined)
    own = {p.relative_to(REPO).as_posix() for p in target}

    alone = _run(list(target))
    together = [f for f in _run(combined) if f[0] in own]
    assert together == alone
    assert _run(list(target)) == alone  # and the same run twice gives the same answer


# --- (c) blank lines and comments above a finding move only its line ----------------------

_LINE_REF = re.compile(r"\bline (\d+)")


def _shift_message(message: str, at: int, by: int) -> str:
    return _LINE_REF.sub(
        lambda m: f"line {int(m.group(1)) + by if int(m.group(1)) >= at else m.group(1)}",
        message)


def _shape(findings, at: int = 0, by: int = 0) -> list[tuple]:
    def move(line: int) -> int:
        return line + by if line >= at else line

    out = []
    for f in findings:
        s = f.span
        out.append((
            f.rule_id, move(s.line), s.column, move(s.end_line), s.end_column,
            _shift_message(f.message, at, by),
            # A related location in another file of the package (an LL301 factory's
            # callers) stays where it is.
            tuple((move(r.span.line) if r.path is None else r.span.line, r.span.column,
                   _shift_message(r.message, at, by) if r.path is None else r.message)
                  for r in f.related),
        ))
    return sorted(out)


@cache
def _with_findings() -> list[Path]:
    return [p for p in fixture_files() if analyse({p: p.read_bytes()})[0]]


@settings(**{**SETTINGS, "max_examples": 30})
@given(data=st.data())
def test_lines_above_a_finding_move_only_its_line(data, tmp_path_factory) -> None:
    candidates = _with_findings()
    if not candidates:
        pytest.skip("no fixture has a finding yet")
    # Indices, not sampled_from: the choices must not depend on what the analysis finds.
    path = candidates[data.draw(st.integers(0, 10**6)) % len(candidates)]
    directory = tmp_path_factory.mktemp("moved") / path.parent.name
    shutil.copytree(path.parent, directory)
    copy = directory / path.name
    original = copy.read_text(encoding="utf-8")
    before, _ = _analyse_package_of(copy)

    lines = original.split("\n")
    finding_lines = sorted({f.span.line for f in before if f.path == copy.name})
    # A file whose finding sits elsewhere when its whole package is analysed (the call
    # of a factory defined in a sibling file) has nothing to move.
    assume(finding_lines)
    target = finding_lines[data.draw(st.integers(0, 10**6)) % len(finding_lines)]
    # Insert at the top of the file, or right above the finding's line (in its indent).
    at = data.draw(st.sampled_from([1, target]))
    indent = re.match(r"[ \t]*", lines[at - 1]).group(0)
    comment = "//" if copy.suffix == ".go" else "#"
    separator = data.draw(st.sampled_from(SEPARATORS))
    extra = data.draw(st.lists(
        st.sampled_from(["", indent, f"{indent}{comment} a note about the code below",
                         f"{comment} unrelated",
                         f"{indent}{comment} a note{separator}split where \\n is not"]),
        min_size=1, max_size=5))
    lines[at - 1:at - 1] = extra
    if at == 1 and original.startswith("\ufeff"):
        # A byte order mark belongs at the very start: keep it there, above the new lines.
        lines[len(extra)] = lines[len(extra)].lstrip("\ufeff")
        lines[0] = "\ufeff" + lines[0]
    copy.write_text("\n".join(lines), encoding="utf-8")
    after, _ = _analyse_package_of(copy)

    own = [f for f in before if f.path == copy.name]
    moved = [f for f in after if f.path == copy.name]
    assert _shape(moved) == _shape(own, at, len(extra))
    others_before = [f for f in before if f.path != copy.name]
    others_after = [f for f in after if f.path != copy.name]
    assert _shape(others_after) == _shape(others_before)
    # SARIF fingerprints do not change when only the line moves.
    assert _prints(moved) == _prints(own)


def _analyse_package_of(path: Path):
    files = ({p: p.read_bytes() for p in path.parent.glob("*.go")} if path.suffix == ".go"
             else {path: path.read_bytes()})
    return analyse(files)


def _prints(findings: list[Finding]) -> list[str]:
    from leaklint.ci.fingerprint import fingerprints

    ordered = sorted(findings, key=Finding.sort_key)  # source order, as fingerprints need
    return sorted(fingerprints(ordered, [f.path for f in ordered]))


# --- (c') separators in comments move no suppression --------------------------------------


@settings(**{**SETTINGS, "max_examples": 20})
@given(data=st.data())
def test_separators_in_comments_move_no_suppression(data, tmp_path_factory) -> None:
    """Through the runner, suppressions included: with suppression comments on some
    finding lines, a comment holding a form feed or a Unicode line separator at the top
    of the file shifts every finding, and every suppression below it, by one line."""
    from leaklint.engine.runner import run

    paths = [p for p in _with_findings() if p.suffix == ".py"
             or len(list(p.parent.glob("*.go"))) == 1]
    path = paths[data.draw(st.integers(0, 10**6)) % len(paths)]
    separator = data.draw(st.sampled_from(SEPARATORS))
    directory = tmp_path_factory.mktemp("separated")
    copy = directory / path.name
    original = path.read_text(encoding="utf-8").removeprefix("\ufeff")
    comment = "//" if copy.suffix == ".go" else "#"

    def found(text: str) -> list[tuple]:
        copy.write_text(text, encoding="utf-8")
        language = LANGUAGE[copy.suffix]
        result = run([Candidate(copy, copy.name, language)], all_rules_context(), jobs=1)
        return sorted((f.rule_id, f.span.line, f.span.column) for f in result.findings)

    lines = original.split("\n")
    finding_lines = sorted({line for _, line, _ in found(original)})
    quiet = data.draw(st.lists(st.sampled_from(finding_lines), min_size=1, unique=True))
    directive = " //nolint" if copy.suffix == ".go" else "  # noqa"
    for line in quiet:
        if comment not in lines[line - 1]:  # a string or comment there: leave it be
            lines[line - 1] += directive
    suppressed = "\n".join(lines)
    before = found(suppressed)
    after = found(f"{comment} top{separator}note\n{suppressed}")
    assert after == [(rule, line + 1, column) for rule, line, column in before]


# --- (d) any file name round-trips --------------------------------------------------------

NAME_PIECES = [b" ", b"\t", b"\n", b'"', b"\\", b"'", b"%", b":", b",", b"\xe9", b"\xff",
               b"\x80", b"\xc3", "\u00e9".encode(), "\u2028".encode(), b"\x1b", b"\x85",
               b"\x0c", b"a", b"-"]
NAMES = st.lists(st.one_of(st.sampled_from(NAME_PIECES), st.binary(min_size=1, max_size=2)),
                 min_size=1, max_size=6).map(
    # Not hidden: a name starting with a dot is no source file to Go, and has no suffix
    # to os.path.splitext.
    lambda parts: b"".join(parts).replace(b"/", b"_").replace(b"\0", b"_").lstrip(b".")
    or b"x")
LEAKS = {".go": 'package p\n\nimport "net/http"\n\nfunc f(u string) int {\n'
                "\tresp, _ := http.Get(u)\n\treturn resp.StatusCode\n}\n",
         ".py": "import requests\n\n\ndef f(u):\n    return requests.get(u)\n"}


@settings(**{**SETTINGS, "max_examples": 30})
@given(stem=NAMES, suffix=st.sampled_from([".go", ".py"]))
def test_any_file_name_round_trips(stem: bytes, suffix: str, tmp_path_factory) -> None:
    directory = tmp_path_factory.mktemp("names")
    name = stem + suffix.encode()
    with open(os.path.join(os.fsencode(directory), name), "w", encoding="utf-8") as fh:
        fh.write(LEAKS[suffix])
    cwd = os.getcwd()
    os.chdir(directory)  # reports show paths relative to it, as the command line does
    try:
        _round_trip(name, suffix, directory)
    finally:
        os.chdir(cwd)


def _round_trip(name: bytes, suffix: str, directory: Path) -> None:
    from urllib.parse import unquote_to_bytes

    from test_hostile_input import unquote_name

    from leaklint.ci.fingerprint import for_run
    from leaklint.engine.cache import Cache
    from leaklint.engine.discovery import discover
    from leaklint.engine.runner import run
    from leaklint.report import github, gitlab, json_report, junit, sarif, text
    from leaklint.report.summary import Summary

    found = discover(["."])
    assert [os.fsencode(c.path.name) for c in found.files] == [name], found.problems
    cache = Cache(directory, "salt")
    assert cache.open() is None
    for _ in range(2):  # cold, then from the cache
        result = run(found.files, all_rules_context(), jobs=1, cache=cache)
        assert result.findings and not result.problems
        assert {os.fsencode(f.path) for f in result.findings} == {name}
        shown = text.render(result.findings).encode("utf-8")  # strict: no surrogates
        first = re.match(r"(.*):\d+:\d+: LL\d{3} ", shown.decode("utf-8"))
        assert first is not None and unquote_name(first.group(1)) == name
        prints = for_run(result.findings, directory)
        summary = Summary.of(result.findings, files_checked=1, suppressed=0)
        records = json.loads(json_report.render(result.findings, summary, prints)
                             .encode("utf-8"))["findings"]
        assert {unquote_name(r["path"]) for r in records} == {name}
        github.render(result.findings, directory).encode("utf-8")
        issues = json.loads(gitlab.render(result.findings, directory, prints))
        assert {unquote_name(i["location"]["path"]) for i in issues} == {name}
        suites = ET.fromstring(junit.render(result.findings, directory).encode("utf-8"))
        assert {unquote_name(s.get("name")) for s in suites.findall("testsuite")} == {name}
        log = sarif.build(result.findings, result.problems, base=directory,
                          warn=lambda _msg: None)
        json.dumps(log, ensure_ascii=False).encode("utf-8")
        uris = {unquote_to_bytes(r["locations"][0]["physicalLocation"]["artifactLocation"]
                                 ["uri"]) for r in log["runs"][0]["results"]}
        assert uris == {name}
    assert cache.hits
