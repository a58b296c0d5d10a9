"""SARIF 2.1.0 output as GitHub code scanning reads it (SPEC §5), on synthetic findings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_sarif_schema import assert_valid

from leaklint import catalogue
from leaklint.model import Edit, FileProblem, Finding, Fix, Related, Scope
from leaklint.positions import LineTable
from leaklint.report import sarif

GO = (
    "package p\n"
    "\n"
    "func fetch(u string) error {\n"
    '\ts := "é😀"; resp, err := http.Get(u)\n'
    "\tif err != nil {\n"
    "\t\treturn err\n"
    "\t}\n"
    "\treturn nil\n"
    "}\n"
)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)  # findings carry paths relative to the working directory
    (tmp_path / ".git").mkdir()
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "fetch.go").write_text(GO, encoding="utf-8")
    return tmp_path


def _leak(path: str) -> Finding:
    table = LineTable(GO.encode())
    line = table.line_bytes(3)
    start = line.index(b"http.Get")
    end = line.index(b"(u)") + 3
    span = table.span_from_points((3, start), (3, end))
    exit_span = table.span_from_points((7, 1), (7, 11))
    return Finding(
        rule_id="LL101", path=path, span=span,
        message=catalogue.rule("LL101").message("go", callee="http.Get",
                                                 where=" (leaks at the return on line 8)"),
        related=(Related(exit_span, "the return on line 8"),),
        scope=Scope("fetch", 3, 9), snippet=table.line_text(4).strip(),
    )


def _build(findings, problems=(), **kw):
    return sarif.build(list(findings), list(problems), **kw)


def test_log_shape_rules_and_columns(repo: Path, monkeypatch):
    monkeypatch.chdir(repo / "pkg")  # a sub-directory: URIs stay repository-relative
    finding = _leak("fetch.go")
    log = _build([finding], base=repo)
    assert_valid(log)
    assert log["$schema"] == sarif.SCHEMA_URI and log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    run = log["runs"][0]
    assert run["columnKind"] == "utf16CodeUnits"
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(catalogue.load())
    for rule in rules:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"]
        assert rule["helpUri"].startswith("https://")
        assert rule["properties"]["precision"] in ("very-high", "high", "medium", "low")
        assert rule["properties"]["problem.severity"] in ("error", "warning", "recommendation")
        assert "security-severity" not in rule["properties"]
        assert "security" not in rule["properties"]["tags"]
    (result,) = run["results"]
    assert rules[result["ruleIndex"]]["id"] == "LL101"
    loc = result["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "pkg/fetch.go", "uriBaseId": "%SRCROOT%"}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.resolve().as_uri() + "/"
    # `\ts := "é😀"; resp, err := ` — tab, 9 BMP chars and one astral (2 UTF-16 units).
    prefix = '\ts := "é😀"; resp, err := '
    assert loc["region"]["startLine"] == 4
    assert loc["region"]["startColumn"] == len(prefix.encode("utf-16-le")) // 2 + 1
    assert finding.span.column == len(prefix) + 1  # code points differ by one
    assert loc["region"]["endColumn"] - loc["region"]["startColumn"] == len("http.Get(u)")


def test_fingerprint_is_ours_and_never_the_github_line_hash(repo: Path):
    log = _build([_leak(str(repo / "pkg" / "fetch.go"))], base=repo)
    prints = log["runs"][0]["results"][0]["partialFingerprints"]
    assert list(prints) == ["leaklint/v1"]
    assert len(prints["leaklint/v1"]) == 32


def test_ll101_code_flow_and_linked_related_location(repo: Path):
    result = _build([_leak(str(repo / "pkg" / "fetch.go"))], base=repo)["runs"][0]["results"][0]
    related = result["relatedLocations"]
    assert [r["id"] for r in related] == [1]
    assert related[0]["physicalLocation"]["region"]["startLine"] == 8
    assert "[the return on line 8](1)" in result["message"]["text"]
    (flow,) = result["codeFlows"]
    steps = flow["threadFlows"][0]["locations"]
    assert [s["location"]["physicalLocation"]["region"]["startLine"] for s in steps] == [4, 8]
    for step in steps:  # inline locations, never indexes into run.threadFlowLocations
        assert "index" not in step and "physicalLocation" in step["location"]


def test_brackets_in_messages_are_escaped_when_links_are_embedded(repo: Path):
    finding = _leak("x.go")
    finding = Finding(**{**finding.__dict__, "message": "reads []byte [sic]"})
    text = _build([finding], base=repo)["runs"][0]["results"][0]["message"]["text"]
    assert text.startswith("reads \\[\\]byte \\[sic\\]")


def test_rule_without_related_has_plain_message_and_no_flows(repo: Path):
    table = LineTable(GO.encode())
    finding = Finding("LL402", "pkg/fetch.go", table.span_from_points((3, 0), (3, 4)),
                      "plain message", snippet="x")
    result = _build([finding], base=repo)["runs"][0]["results"][0]
    assert result["message"]["text"] == "plain message"
    assert "codeFlows" not in result and "relatedLocations" not in result
    assert result["level"] == catalogue.rule("LL402").level.value


def test_fix_carries_artifact_changes(repo: Path):
    table = LineTable(GO.encode())
    span = table.span_from_points((3, 0), (3, 1))
    finding = Finding("LL402", "pkg/fetch.go", span, "m",
                      fix=Fix("add a timeout", (Edit(span, "x"),)), snippet="x")
    log = _build([finding], base=repo)
    assert_valid(log)
    (fix,) = log["runs"][0]["results"][0]["fixes"]
    change = fix["artifactChanges"][0]
    assert change["artifactLocation"]["uri"] == "pkg/fetch.go"
    assert change["replacements"][0]["insertedContent"]["text"] == "x"


def test_unreadable_and_unparsable_files_are_notifications(repo: Path):
    problems = [FileProblem(str(repo / "pkg" / "bad.go"), "not valid UTF-8", "unreadable"),
                FileProblem(str(repo / "pkg" / "broken.py"), "syntax error", "unparsable")]
    log = _build([], problems, base=repo)
    assert_valid(log)
    inv = log["runs"][0]["invocations"][0]
    assert inv["executionSuccessful"] is True
    notes = inv["toolExecutionNotifications"]
    assert [n["level"] for n in notes] == ["error", "warning"]
    uris = [n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for n in notes]
    assert uris == ["pkg/bad.go", "pkg/broken.py"]
    declared = {d["id"] for d in log["runs"][0]["tool"]["driver"]["notifications"]}
    assert {n["descriptor"]["id"] for n in notes} <= declared


def test_category_sets_automation_details_only_when_given(repo: Path):
    assert "automationDetails" not in _build([], base=repo)["runs"][0]
    run = _build([], base=repo, category="leaklint-go")["runs"][0]
    assert run["automationDetails"] == {"id": "leaklint-go/"}


def test_symlinked_file_reports_the_resolved_path(repo: Path):
    (repo / "link.go").symlink_to(repo / "pkg" / "fetch.go")
    log = _build([_leak(str(repo / "link.go"))], base=repo)
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri["uri"] == "pkg/fetch.go"


def test_file_outside_the_base_gets_a_relative_reference(tmp_path: Path):
    base = tmp_path / "repo"
    base.mkdir()
    outside = tmp_path / "elsewhere" / "f.go"
    outside.parent.mkdir()
    outside.write_text(GO)
    log = _build([_leak(str(outside))], base=base)
    assert_valid(log)
    run = log["runs"][0]
    art = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert art == {"uri": "../elsewhere/f.go", "uriBaseId": "%SRCROOT%"}


def test_paths_with_spaces_are_percent_encoded_and_never_dot_slash(repo: Path):
    target = repo / "my pkg" / "a.go"
    target.parent.mkdir()
    target.write_text(GO)
    log = _build([_leak(str(target))], base=repo)
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri["uri"] == "my%20pkg/a.go"


def test_results_are_capped_with_a_message(repo: Path, monkeypatch):
    monkeypatch.setattr(sarif, "MAX_RESULTS", 3)
    table = LineTable(GO.encode())
    span = table.span_from_points((3, 0), (3, 1))
    findings = [Finding("LL402", "pkg/fetch.go", span, f"w{i}", snippet=f"s{i}")
                for i in range(3)]
    findings.insert(1, _leak("pkg/fetch.go"))  # an error outranks the warnings
    warnings: list[str] = []
    log = _build(findings, base=repo, warn=warnings.append)
    results = log["runs"][0]["results"]
    assert len(results) == 3
    assert [r["ruleId"] for r in results] == ["LL402", "LL101", "LL402"]
    assert len(warnings) == 1 and "capped at 3 results" in warnings[0]
    assert "1 less severe" in warnings[0]


def test_render_is_json_and_round_trips(repo: Path):
    text = sarif.render([_leak("pkg/fetch.go")], [], base=repo)
    assert json.loads(text) == _build([_leak("pkg/fetch.go")], base=repo)
    assert text.endswith("\n")


def test_path_base_changes_uris(repo: Path):
    log = _build([_leak(str(repo / "pkg" / "fetch.go"))], base=(repo / "pkg").resolve())
    art = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert art["uri"] == "fetch.go"


def test_repository_root_is_the_git_top_level_or_the_working_directory(tmp_path, monkeypatch):
    from leaklint.ci.fingerprint import repository_root

    (tmp_path / "top" / ".git").mkdir(parents=True)
    (tmp_path / "top" / "a" / "b").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "top" / "a")
    assert repository_root(Path("b")) == (tmp_path / "top").resolve()
    (tmp_path / "plain" / "src").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "plain")
    assert repository_root(Path("src")) == (tmp_path / "plain").resolve()


def test_related_location_in_another_file_names_that_file(repo: Path):
    """An LL301 factory finding lists calls made in other files of the package."""
    (repo / "pkg" / "callers.go").write_text("package p\n", encoding="utf-8")
    finding = _leak("pkg/fetch.go")
    other = Related(finding.span, "called here", path="pkg/callers.go")
    finding = Finding(**{**finding.__dict__, "rule_id": "LL301", "related": (
        Related(finding.span, "same file"), other)})
    log = _build([finding], base=repo)
    assert_valid(log)
    related = log["runs"][0]["results"][0]["relatedLocations"]
    uris = [r["physicalLocation"]["artifactLocation"]["uri"] for r in related]
    assert uris == ["pkg/fetch.go", "pkg/callers.go"]
