"""Bad input through the real command line, in every output format (SPEC §7).

Every case is a directory holding one known-good Go file (`control.go`) beside the bad
input. For each case and format the run must: end within a time bound, print no
traceback, name the bad path and the reason once on stderr (or analyse it correctly),
still report exactly the control file's findings, exit as the SPEC says, and in SARIF
form be schema-valid with a tool notification for the skipped file.

The control's findings are measured by a run on the control alone, so these tests hold
whatever the analyses find today and grow stricter as they find more.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from conftest import GO_LEAK

FORMATS = ("text", "json", "sarif", "github")
TIMEOUT = 120  # seconds: a hang fails the test instead of blocking CI

CONTROL = GO_LEAK


def run_cli(args: list[str], cwd: Path, timeout: float = TIMEOUT,
            env: dict | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", "leaklint", *args], cwd=cwd, capture_output=True,
        text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stdout
    return proc


Finding = tuple[str, int, int, str]  # path, line, column, rule


def parse_findings(fmt: str, stdout: str) -> set[Finding]:
    """The (path, line, column, rule) of every finding, read back from any format."""
    if fmt == "json":
        return {(f["path"], f["line"], f["column"], f["rule"])
                for f in json.loads(stdout)["findings"]}
    if fmt == "sarif":
        log = json.loads(stdout)
        out = set()
        for r in log["runs"][0]["results"]:
            loc = r["locations"][0]["physicalLocation"]
            out.add((loc["artifactLocation"]["uri"], loc["region"]["startLine"],
                     loc["region"]["startColumn"], r["ruleId"]))
        return out
    if fmt == "github":
        pattern = re.compile(r"^::\w+ file=([^,]*),line=(\d+),endLine=\d+,col=(\d+),"
                             r".*title=(LL\d{3})")
    else:
        pattern = re.compile(r"^(.+?):(\d+):(\d+): (LL\d{3}) ")
    out = set()
    for line in stdout.splitlines():
        m = pattern.match(line)
        if m:
            out.add((m.group(1), int(m.group(2)), int(m.group(3)), m.group(4)))
    return out


@cache
def _validator():
    from test_sarif_schema import schema_validator  # the project's shared SARIF helper

    return schema_validator()


def assert_valid_sarif(log: dict) -> None:
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
              for e in _validator().iter_errors(log)]
    assert not errors, "\n".join(errors)


def notifications(log: dict) -> list[str]:
    return [n["message"]["text"] for inv in log["runs"][0].get("invocations", [])
            for n in inv.get("toolExecutionNotifications", [])]


@cache
def control_findings(tmp_root: str) -> frozenset[Finding]:
    """What a run on the control file alone reports (JSON), as (path, line, col, rule)."""
    directory = Path(tmp_root)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "control.go").write_text(CONTROL, encoding="utf-8")
    proc = run_cli(["check", "--no-cache", "--format", "json", "control.go"], directory)
    assert proc.returncode in (0, 1), proc.stderr
    return frozenset(parse_findings("json", proc.stdout))


@pytest.fixture(scope="module")
def control(tmp_path_factory) -> frozenset[Finding]:
    return control_findings(str(tmp_path_factory.mktemp("control")))


def findings_of(found: set[Finding], path: str) -> set[tuple[int, int, str]]:
    return {(line, col, rule) for p, line, col, rule in found if p == path}


# --- the cases ------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    build: Callable[[Path], None]
    bad: str | None  # the path named in the message (None: analysed without complaint)
    reason: str = ""  # a fragment of the expected reason
    args: tuple[str, ...] = (".",)
    exit_code: int | None = None  # None: 1 if anything was found, else 0
    # The bad file is a copy of the control: expect the control's findings there too.
    same_as_control: bool = False


def _write(path: Path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8", newline="")
    else:
        path.write_bytes(data)


# The deep files import an HTTP package, or the prefilter would (rightly) skip them unparsed.
_GO_HEAD = 'package demo\n\nimport "net/http"\n\nvar _ = http.Get\n\n'
_PY_HEAD = "import requests\n\n"


def _deep_go_blocks(n: int) -> str:
    return _GO_HEAD + "func deep() {\n" + "{\n" * n + "}\n" * n + "}\n"


def _deep_go_expr(n: int) -> str:
    return _GO_HEAD + "var deep = " + "(" * n + "1" + ")" * n + "\n"


def _deep_py_blocks(n: int) -> str:
    body = "".join(" " * i + f"if x{i}:\n" for i in range(n)) + " " * n + "requests.get(u)\n"
    return _PY_HEAD + body


def _deep_py_expr(n: int) -> str:
    return _PY_HEAD + "deep = " + "(" * n + "requests.get(u)" + ")" * n + "\n"


def _huge(path: Path) -> None:
    # 50 MiB without writing 50 MiB: the reader must refuse it by size, unread.
    with path.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _unreadable(path: Path) -> None:
    _write(path, CONTROL)
    path.chmod(0)


def _unreadable_dir(path: Path) -> None:
    _write(path / "inner.go", CONTROL)
    path.chmod(0)


def _loop(path: Path) -> None:
    path.mkdir()
    (path / "back").symlink_to("..", target_is_directory=True)


def _alias(root: Path) -> None:
    (root / "alias").symlink_to("real", target_is_directory=True)  # walked first by name
    _write(root / "real" / "inner.go", CONTROL)


def _outside(path: Path) -> None:
    outside = path.parent.parent / f"outside-{path.parent.name}"
    _write(outside / "leak.go", CONTROL)
    path.symlink_to(outside / "leak.go")


def _dir_named_go(path: Path) -> None:
    _write(path / "inner.go", CONTROL)


CASES = [
    Case("binary", lambda d: _write(d / "blob.go", bytes(range(256)) * 8), "blob.go",
         "binary content"),
    Case("invalid-utf8", lambda d: _write(d / "latin1.py", "s = 'caf\xe9'\n".encode("latin-1")),
         "latin1.py", "not valid UTF-8"),
    Case("utf8-bom", lambda d: _write(d / "bom.go", codecs.BOM_UTF8 + CONTROL.encode()), None,
         same_as_control=True),
    Case("utf16-bom", lambda d: _write(d / "wide.go", CONTROL.encode("utf-16")), None,
         same_as_control=True),
    Case("nul-byte", lambda d: _write(d / "nul.go", CONTROL.replace("}\n", "}\0\n", 1)),
         "nul.go", "NUL byte"),
    Case("crlf", lambda d: _write(d / "crlf.go", CONTROL.replace("\n", "\r\n")), None,
         same_as_control=True),
    Case("lone-cr", lambda d: _write(d / "cr.go", CONTROL.replace("\n", "\r")), None,
         same_as_control=True),
    Case("empty", lambda d: (_write(d / "empty.go", b""), _write(d / "empty.py", b"")), None),
    Case("long-line-go", lambda d: _write(
        d / "long.go", 'package demo\n\nvar long = "' + "x" * 5_000_000 + '"\n'), None),
    Case("long-line-py", lambda d: _write(
        d / "long.py", "LONG = '" + "x" * 5_000_000 + "'\n"), None),
    Case("50mb", lambda d: _huge(d / "huge.go"), "huge.go",
         "file too large (50 MiB; the limit is 20 MiB)"),
    Case("fifo", lambda d: _fifo(d / "pipe.go"), "pipe.go", "not a regular file"),
    Case("fifo-named", lambda d: _fifo(d / "pipe.go"), "pipe.go", "not a regular file",
         args=(".", "pipe.go")),
    # A link back up, or to a directory walked already, leaves nothing out: a notice.
    Case("symlink-loop", lambda d: _loop(d / "loop"), "loop/back",
         "symlink to ., analysed there"),
    Case("directory-alias", _alias, "alias", "symlink to real, analysed there",
         same_as_control=True),
    Case("symlink-outside", lambda d: _outside(d / "out.go"), "out.go",
         "outside the scanned directory"),
    Case("dangling-symlink", lambda d: (d / "gone.go").symlink_to(d / "nowhere.go"),
         "gone.go", "dangling symlink"),
    Case("dir-named-x.go", lambda d: _dir_named_go(d / "x.go"), None),
    Case("nonexistent", lambda d: None, "missing.go", "no such file or directory",
         args=(".", "missing.go"), exit_code=2),
]


def _expect_unreadable_file(root_can_read: bool) -> Case:
    if root_can_read:  # root reads mode-0 files: then the analysis must simply work
        return Case("unreadable-file", lambda d: _unreadable(d / "locked.go"), None,
                    same_as_control=True)
    return Case("unreadable-file", lambda d: _unreadable(d / "locked.go"), "locked.go",
                "permission denied")


def _expect_unreadable_dir(root_can_read: bool) -> Case:
    if root_can_read:
        return Case("unreadable-dir", lambda d: _unreadable_dir(d / "locked"), None)
    return Case("unreadable-dir", lambda d: _unreadable_dir(d / "locked"), "locked",
                "permission denied")


def _mode_zero_is_readable(tmp: Path) -> bool:
    """Whether this process reads a mode-0 file anyway (root, CAP_DAC_OVERRIDE)."""
    probe = tmp / "probe"
    probe.write_text("x")
    probe.chmod(0)
    try:
        probe.read_text()
        return True
    except PermissionError:
        return False
    finally:
        probe.chmod(0o600)


def _run_case(case: Case, fmt: str, tmp_path: Path, control: frozenset[Finding]) -> None:
    root = tmp_path / "tree"
    root.mkdir()
    _write(root / "control.go", CONTROL)
    case.build(root)
    try:
        proc = run_cli(["check", "--no-cache", "--format", fmt, *case.args], root)
    finally:
        for p in root.rglob("*"):  # let pytest clean up what the case locked
            if not p.is_symlink():
                p.chmod(0o700)
    found = parse_findings(fmt, proc.stdout)
    expected_control = {(line, col, rule) for _, line, col, rule in control}

    # The control file's findings survive whatever sits beside it.
    assert findings_of(found, "control.go") == expected_control, proc.stdout

    # The bad input: named once on stderr with its reason, or analysed silently.
    problem_lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    if case.bad is None:
        assert problem_lines == [], proc.stderr
    else:
        naming = [ln for ln in problem_lines if case.bad in ln]
        assert len(naming) == 1, proc.stderr
        assert case.reason in naming[0], naming[0]
        assert naming[0].startswith("leaklint: "), naming[0]
    if case.same_as_control:
        copies = {p for p, *_ in found} - {"control.go"}
        assert len(copies) == (1 if expected_control else 0), found
        for path in copies:
            assert findings_of(found, path) == expected_control, (path, found)

    want_exit = case.exit_code if case.exit_code is not None else (1 if found else 0)
    assert proc.returncode == want_exit, (proc.returncode, proc.stderr)

    if fmt == "sarif":
        log = json.loads(proc.stdout)
        assert_valid_sarif(log)
        notes = notifications(log)
        if case.bad is None:
            assert notes == []
        else:
            assert [n for n in notes if case.bad in n and case.reason in n], notes


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(case: Case, fmt: str, tmp_path: Path, control) -> None:
    _run_case(case, fmt, tmp_path, control)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", ["file", "dir"])
def test_unreadable(kind: str, fmt: str, tmp_path: Path, control) -> None:
    readable = _mode_zero_is_readable(tmp_path)
    case = (_expect_unreadable_file if kind == "file" else _expect_unreadable_dir)(readable)
    _run_case(case, fmt, tmp_path, control)


# --- deep nesting: LL000 for that file, never a crashed process --------------------------

DEEP = {
    "go-blocks": ("deep.go", _deep_go_blocks),
    "go-expr": ("deep.go", _deep_go_expr),
    "py-blocks": ("deep.py", _deep_py_blocks),
    "py-expr": ("deep.py", _deep_py_expr),
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("shape", sorted(DEEP))
def test_deep_nesting_is_ll000_for_that_file_only(shape: str, fmt: str, tmp_path: Path,
                                                   control) -> None:
    name, make = DEEP[shape]
    _write(tmp_path / "control.go", CONTROL)
    _write(tmp_path / name, make(3000))
    proc = run_cli(["check", "--no-cache", "--format", fmt, "."], tmp_path)
    assert proc.returncode == 1, proc.stderr  # LL000 is a finding
    found = parse_findings(fmt, proc.stdout)
    assert findings_of(found, "control.go") == {(ln, c, r) for _, ln, c, r in control}
    deep = findings_of(found, name)
    assert [rule for *_, rule in deep] == ["LL000"], (deep, proc.stderr)
    if fmt == "sarif":
        assert_valid_sarif(json.loads(proc.stdout))


def test_deep_nesting_message_names_the_reason(tmp_path: Path) -> None:
    _write(tmp_path / "deep.py", _deep_py_expr(3000))
    proc = run_cli(["check", "--no-cache", "deep.py"], tmp_path)
    assert "deep.py:3:" in proc.stdout
    assert "LL000" in proc.stdout and "nesting too deep" in proc.stdout, proc.stdout


def test_deep_nesting_without_ll000_is_still_reported(tmp_path: Path) -> None:
    # With LL000 ignored the file is still not analysed: a notice says so.
    _write(tmp_path / "deep.go", _deep_go_expr(3000))
    proc = run_cli(["check", "--no-cache", "--ignore", "LL000", "deep.go"], tmp_path)
    assert proc.returncode == 0
    assert "deep.go: nesting too deep to analyse" in proc.stderr


@pytest.mark.parametrize("depth", [150, 200])
def test_nesting_up_to_the_python_limit_is_analysed(depth: int, tmp_path: Path) -> None:
    # Up to CPython's own limit (200 brackets, the call's own included) nothing is refused.
    _write(tmp_path / "nested.py", _deep_py_expr(depth - 1))
    proc = run_cli(["check", "--no-cache", "--format", "json", "nested.py"], tmp_path)
    assert [f["rule"] for f in json.loads(proc.stdout)["findings"]] == ["LL402"], proc.stdout
    assert proc.stderr == ""


# --- columns ------------------------------------------------------------------------------


def test_tab_indent_counts_one_column(tmp_path: Path, control) -> None:
    # `\tresp, err := http.Get(u)`: the call starts at code point 15 (the tab is one).
    rows = {(line, rule): col for _, line, col, rule in control}
    if not rows:
        pytest.skip("the Go analysis reports nothing for the control file yet")
    assert rows.get((6, "LL402")) == 15, rows


def test_bom_does_not_shift_columns(tmp_path: Path, control) -> None:
    _write(tmp_path / "bom.go", codecs.BOM_UTF8 + CONTROL.encode())
    proc = run_cli(["check", "--no-cache", "--format", "json", "bom.go"], tmp_path)
    assert findings_of(parse_findings("json", proc.stdout), "bom.go") == {
        (ln, c, r) for _, ln, c, r in control}


# --- exit status and messages ----------------------------------------------------------


def test_nonexistent_path_alone_is_a_usage_error(tmp_path: Path) -> None:
    proc = run_cli(["check", "--no-cache", "nope/"], tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == ["leaklint: nope/: no such file or directory"]


def test_unreadable_files_do_not_change_the_exit_status(tmp_path: Path) -> None:
    _write(tmp_path / "blob.go", b"\0\1\2")
    proc = run_cli(["check", "--no-cache", "."], tmp_path)
    assert proc.returncode == 0
    assert "blob.go: binary content" in proc.stderr


# --- an analysis that raises is contained to its file --------------------------------------

_CRASH_ON = textwrap.dedent('''
    import sys
    import leaklint.golang.unit as go_unit
    import leaklint.python.unit as python_unit

    real_python, real_go = python_unit.analyse_python, go_unit.analyse_go_group

    def python(source, ctx):
        if source.display.endswith("boom.py"):
            raise ValueError("injected failure")
        if source.display.endswith("recurse.py"):
            def down(n):
                return down(n + 1)
            down(0)
        return real_python(source, ctx)

    def go(sources, ctx):
        if any(s.display.endswith("boom.go") for s in sources):
            raise KeyError("injected")
        return real_go(sources, ctx)

    python_unit.analyse_python, go_unit.analyse_go_group = python, go
    from leaklint.cli import main
    sys.exit(main(sys.argv[1:]))
''')


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_crashing_analysis_is_reported_for_that_file_only(fmt: str, tmp_path: Path,
                                                             control) -> None:
    _write(tmp_path / "control.go", CONTROL)
    _write(tmp_path / "boom.go", CONTROL)  # same package as control.go
    leaky = "import requests\n\n\ndef f(u):\n    return requests.get(u)\n"
    for name in ("boom.py", "recurse.py", "fine.py"):
        _write(tmp_path / name, leaky)
    proc = subprocess.run(
        [sys.executable, "-c", _CRASH_ON, "check", "--no-cache", "--jobs", "1",
         "--format", fmt, "."],
        cwd=tmp_path, capture_output=True, text=True, timeout=TIMEOUT)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 1, proc.stderr
    errors = sorted(ln for ln in proc.stderr.splitlines() if ln)
    assert errors == [
        "leaklint: boom.go: internal error while analysing: KeyError: 'injected'",
        "leaklint: boom.py: internal error while analysing: ValueError: injected failure",
        "leaklint: recurse.py: nesting too deep to analyse (recursion limit)",
    ], proc.stderr
    found = parse_findings(fmt, proc.stdout)
    # The package lost one file; the other is analysed on its own and keeps its findings.
    assert findings_of(found, "control.go") == {(ln, c, r) for _, ln, c, r in control}
    assert findings_of(found, "fine.py") == {(5, 12, "LL402")}
    assert not findings_of(found, "boom.py") and not findings_of(found, "recurse.py")
    if fmt == "sarif":
        log = json.loads(proc.stdout)
        assert_valid_sarif(log)
        notes = notifications(log)
        assert any("boom.py: internal error while analysing" in n for n in notes), notes
        assert any("boom.go: internal error while analysing" in n for n in notes), notes


# --- the nesting pre-check ------------------------------------------------------------------


def test_nesting_ignores_brackets_in_strings_and_comments() -> None:
    from leaklint.engine.guard import nesting

    py = b"s = '((((' + \"[[[[\" + '''{{{\n((('''  # ((((((\nx = (1)\n"
    assert nesting(py, "python").depth == 1
    go = b"s := `((((\n((` + \"((\\\"((\" + '(' // ((((\n/* ((((\n */ x := f(g(1))\n"
    assert nesting(go, "go").depth == 2


def test_nesting_reports_where_the_limit_is_passed() -> None:
    from leaklint.engine.guard import MAX_NESTING, nesting

    limit = MAX_NESTING["python"]
    ok = b"x = " + b"(" * limit + b")" * limit + b"\n"
    assert nesting(ok, "python").line == 0
    deep = b"a = 1\n\nx = " + b"[" * (limit + 1) + b"]" * (limit + 1) + b"\n"
    found = nesting(deep, "python")
    assert (found.line, found.column) == (3, 5 + limit)
    # Unbalanced closers never make the depth negative.
    assert nesting(b")))" + b"(" * 3, "go").depth == 3


def test_call_guarded_contains_exceptions_and_deep_recursion() -> None:
    import sys as _sys

    from leaklint.engine.guard import AnalysisCrashed, call_guarded

    def fail():
        raise RuntimeError("bad\nsecond line")

    with pytest.raises(AnalysisCrashed, match=r"^RuntimeError: bad$"):
        call_guarded(fail)

    def depth(n: int) -> int:
        return n if n == 0 else 1 + depth(n - 1)

    limit = _sys.getrecursionlimit()
    assert call_guarded(depth, 20_000) == 20_000  # deeper than the default limit allows
    assert _sys.getrecursionlimit() == limit  # and the limit is put back


def test_call_guarded_inline_still_contains_exceptions() -> None:
    from leaklint.engine.guard import AnalysisCrashed, call_guarded

    with pytest.raises(AnalysisCrashed, match=r"^ZeroDivisionError: "):
        call_guarded(lambda: 1 / 0, deep=False)
    assert call_guarded(lambda x: x + 1, 1, deep=False) == 2


def test_a_directory_alias_is_a_notice_not_an_error(tmp_path: Path) -> None:
    _alias(tmp_path)
    proc = run_cli(["check", "--no-cache", "--format", "sarif", "."], tmp_path)
    assert proc.stderr.splitlines() == [
        "leaklint: notice: alias: symlink to real, analysed there; skipped"]
    notes = json.loads(proc.stdout)["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert [(n["level"], n["descriptor"]["id"]) for n in notes] == [("note", "LLN004")]
