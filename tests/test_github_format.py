"""`--format github`: workflow commands with GitHub's escaping (actions/toolkit rules)."""

from __future__ import annotations

import re

from leaklint import catalogue
from leaklint.model import Finding
from leaklint.positions import LineTable
from leaklint.report import github

COMMAND = re.compile(r"^::(error|warning|notice) ([^:]*)::(.*)$")


LINE = '\tx := "é"; resp, err := http.Get(u)'
CALL = "http.Get(u)"


def _finding(rule_id: str, path: str, message: str) -> Finding:
    raw = LINE.encode()
    start = raw.index(CALL.encode())
    span = LineTable(raw + b"\n").span_from_points((0, start), (0, start + len(CALL)))
    return Finding(rule_id, path, span, message)


def _parse(line: str) -> tuple[str, dict[str, str], str]:
    m = COMMAND.match(line)
    assert m, line
    props = dict(p.split("=", 1) for p in m.group(2).split(","))
    return m.group(1), props, m.group(3)


def _unescape(text: str) -> str:
    for raw, escaped in (("\r", "%0D"), ("\n", "%0A"), (":", "%3A"), (",", "%2C"),
                         ("%", "%25")):
        text = text.replace(escaped, raw)
    return text


def test_one_command_per_finding_with_position_and_title():
    out = github.render([_finding("LL101", "pkg/fetch.go", "body not closed")])
    (line,) = out.splitlines()
    kind, props, message = _parse(line)
    assert kind == "error"
    assert props["file"] == "pkg/fetch.go"
    assert props["line"] == "1" and props["endLine"] == "1"
    # Code points: the é is one column although it is two UTF-8 bytes.
    assert props["col"] == str(LINE.index(CALL) + 1)
    assert props["endColumn"] == str(LINE.index(CALL) + len(CALL) + 1)
    assert _unescape(props["title"]) == f"LL101 {catalogue.rule('LL101').name}"
    assert message == "body not closed"


def test_levels_map_to_commands():
    levels = {rid: r.level.value for rid, r in catalogue.load().items()}
    for rule_id, level in levels.items():
        kind, _, _ = _parse(github.render([_finding(rule_id, "a.go", "m")]).strip())
        assert kind == {"error": "error", "warning": "warning", "note": "notice"}[level]


def test_data_and_properties_are_escaped():
    path = "dir,with:odd%name/a\nb.go"
    message = "100% sure:\r\nline two, done"
    (line,) = github.render([_finding("LL402", path, message)]).splitlines()
    _, props, data = _parse(line)
    assert props["file"] == "dir%2Cwith%3Aodd%25name/a%0Ab.go"
    assert _unescape(props["file"]) == path
    assert data == "100%25 sure:%0D%0Aline two, done"  # ':' and ',' stay in the message
    assert _unescape(data) == message


def test_percent_is_escaped_first():
    assert github.escape_data("%0A") == "%250A"
    assert github.escape_property("a%3A,b") == "a%253A%2Cb"


def test_no_findings_no_output():
    assert github.render([]) == ""


def test_paths_are_relative_to_the_repository_root(tmp_path, monkeypatch):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.go").write_text("")
    monkeypatch.chdir(tmp_path / "pkg")  # run from a sub-directory
    (line,) = github.render([_finding("LL101", "a.go", "m")], tmp_path.resolve()).splitlines()
    assert _parse(line)[1]["file"] == "pkg/a.go"
