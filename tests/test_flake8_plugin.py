"""The flake8 plugin reports what `leaklint check` reports, honours # noqa and never raises."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from leaklint import flake8_plugin
from leaklint.flake8_plugin import LeakLintChecker

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = "fixtures/python"


def _flake8(*args: str, cwd: Path = ROOT) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--jobs", "1", *args],
        capture_output=True, text=True, cwd=cwd,
    )
    assert out.returncode in (0, 1), out.stderr
    return out.stdout.splitlines()


def _pairs(lines: list[str]) -> set[tuple[str, int, str]]:
    pairs = set()
    for line in lines:
        path, number, _col, rest = line.split(":", 3)
        pairs.add((Path(path).as_posix(), int(number), rest.split()[0]))
    return pairs


def test_flake8_reports_the_same_findings_as_leaklint_check() -> None:
    flake8 = _pairs(_flake8("--select", "LL,E999", FIXTURES))
    out = subprocess.run(
        # LL001 judges suppression comments, which flake8 applies itself: not a plugin rule.
        [sys.executable, "-m", "leaklint", "check", FIXTURES, "--select", "ALL",
         "--ignore", "LL001", "--format", "json", "--no-cache"],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert out.returncode == 1, out.stderr
    leaklint = {(f["path"], f["line"], f["rule"]) for f in json.loads(out.stdout)["findings"]}
    assert leaklint, "the fixtures must produce findings"
    # flake8 reports a syntax error itself (E999) and never LL000; both place it where
    # CPython does.
    syntax = {p for p in leaklint if p[2] == "LL000"}
    assert {p[:2] for p in syntax} == {p[:2] for p in flake8 if p[2] == "E999"}
    assert {p for p in flake8 if p[2] != "E999"} == leaklint - syntax


def test_noqa_silences_only_the_named_code(tmp_path: Path) -> None:
    (tmp_path / "client.py").write_text(
        "import requests\n"
        "\n"
        "\n"
        "def head(url):\n"
        "    resp = requests.get(url, stream=True)  # noqa: LL402\n"
        "    return resp.headers\n"
        "\n"
        "\n"
        "def body(url):\n"
        "    resp = requests.get(url, stream=True)\n"
        "    return resp.headers\n",
        encoding="utf-8",
    )
    found = {(n, code) for _, n, code in _pairs(_flake8("--select", "LL", "client.py",
                                                        cwd=tmp_path))}
    assert found == {(5, "LL101"), (10, "LL101"), (10, "LL402")}


# LL102 and LL301 on line 5 (the session), LL402 on line 6 (the call).
SESSION = (
    "import requests\n"
    "\n"
    "\n"
    "def fetch(u):\n"
    "    s = requests.Session(){five}\n"
    "    return s.get(u).status_code{six}\n"
)


def _codes_in(tmp_path: Path, source: str, *args: str) -> set[tuple[int, str]]:
    (tmp_path / "m.py").write_text(source, encoding="utf-8")
    return {(n, code) for _, n, code in _pairs(_flake8("--select", "LL", *args, "m.py",
                                                        cwd=tmp_path))}


def test_flake8_honours_leaklint_ignore_on_the_line(tmp_path: Path) -> None:
    assert _codes_in(tmp_path, SESSION.format(five="", six="")) == \
        {(5, "LL102"), (5, "LL301"), (6, "LL402")}
    source = SESSION.format(five="  # leaklint: ignore LL301", six="  # leaklint: ignore LL4")
    assert _codes_in(tmp_path, source) == {(5, "LL102")}


def test_flake8_honours_a_leaklint_ignore_comment_line_above(tmp_path: Path) -> None:
    source = SESSION.format(five="", six="").replace(
        "    return", "    # leaklint: ignore LL402 -- a test double, never slow\n    return")
    assert _codes_in(tmp_path, source) == {(5, "LL102"), (5, "LL301")}


def test_flake8_honours_leaklint_file_ignore(tmp_path: Path) -> None:
    source = "# leaklint: file-ignore LL301, LL102\n" + SESSION.format(five="", six="")
    assert _codes_in(tmp_path, source) == {(7, "LL402")}


def test_noqa_stays_flake8s_own_next_to_a_leaklint_comment(tmp_path: Path) -> None:
    source = SESSION.format(five="  # leaklint: ignore LL102  # noqa", six="  # noqa: LL402")
    assert _codes_in(tmp_path, source) == set()
    # With --disable-noqa flake8 drops every noqa, and the plugin must not re-apply one:
    # only leaklint's own directive still holds.
    assert _codes_in(tmp_path, source, "--disable-noqa") == {(5, "LL301"), (6, "LL402")}


def test_directives_keep_their_lines_and_drop_other_comments() -> None:
    lines = ["x = 1  # leaklint: ignore LL101  # noqa: E501\n", "    # leaklint: ignore LL4\n",
             "y = 2  # noqa\n"]
    assert flake8_plugin.leaklint_directives(lines) == \
        "pass  # leaklint: ignore LL101\n# leaklint: ignore LL4\n\n"


def test_flake8_ignore_and_extend_select(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(
        "import requests\n\n\ndef f(u):\n    return requests.get(u)\n", encoding="utf-8"
    )
    assert _flake8("--select", "LL", "--extend-ignore", "LL402", "m.py", cwd=tmp_path) == []
    lines = _flake8("--extend-select", "LL", "m.py", cwd=tmp_path)
    assert [line.split()[1] for line in lines] == ["LL402"]


def _run(source: str, filename: str = "example.py") -> list[tuple[int, int, str]]:
    lines = source.splitlines(keepends=True)
    checker = LeakLintChecker(ast.parse(source), lines, filename)
    return [(line, col, message) for line, col, message, _ in checker.run()]


def test_plugin_yields_flake8_tuples_with_leaklint_messages() -> None:
    found = _run("import requests\n\ndef f(u):\n    return requests.get(u)\n")
    assert found == [
        (4, 11, "LL402 requests.get() has no timeout: a stalled server blocks the caller forever")
    ]


def test_plugin_never_raises(monkeypatch) -> None:
    def boom(*args, **kwargs):
        raise RuntimeError("analysis failed")

    monkeypatch.setattr("leaklint.python.analysis.analyse_file", boom)
    assert _run("import requests\nrequests.get('x')\n") == []


def test_plugin_skips_files_without_http_code() -> None:
    assert _run("import os\n\nprint(os.getcwd())\n") == []
    assert "LL000" not in flake8_plugin.FLAKE8_RULES
