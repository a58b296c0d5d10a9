"""The rule catalogue (rules/*.toml): schema, message contract, examples, `leaklint rules`."""

from __future__ import annotations

import ast
import json
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest

from leaklint import catalogue
from leaklint.catalogue import LANGUAGES, PRECISIONS, Rule

ROOT = Path(__file__).resolve().parent.parent
RULES_DIR = ROOT / "rules"
IDS = ["LL000", "LL001", "LL101", "LL102", "LL103", "LL201", "LL202", "LL301", "LL401", "LL402"]

# The contract between the checks (FileReport.report(**msg_args)) and the message templates.
CONTRACT: dict[str, dict[str, set[str]]] = {
    "LL000": {"go": {"reason"}, "python": {"reason"}},
    "LL001": {"go": {"codes", "where"}, "python": {"codes", "where"}},
    "LL101": {"go": {"callee", "where"}, "python": {"callee", "where"}},
    "LL102": {"go": {"callee", "where"}, "python": {"callee", "where", "kind"}},
    "LL103": {"go": {"var"}},
    "LL201": {"go": {"var", "callee"}, "python": {"var", "callee"}},
    "LL202": {"go": {"call"}},
    "LL301": {"go": {"what", "function"}, "python": {"what", "function"}},
    "LL401": {"go": {"what", "missing"}, "python": {"what", "detail"}},
    "LL402": {"go": {"what", "missing"}, "python": {"what"}},
}
# SPEC §1: default level and whether the rule runs without being selected.
DEFAULTS = {
    "LL000": ("error", True), "LL001": ("warning", False), "LL101": ("error", True),
    "LL102": ("error", True),
    "LL103": ("note", False), "LL201": ("error", True), "LL202": ("warning", True),
    "LL301": ("warning", True), "LL401": ("warning", True), "LL402": ("warning", True),
}
GO_ONLY = {"LL103", "LL202"}
WANT = re.compile(r"(?://|#)\s*want\s+(LL\d{3})\b")


def rules() -> list[Rule]:
    return list(catalogue.load().values())


def placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


# --- schema -------------------------------------------------------------------------------

def test_exactly_the_nine_rules_in_id_order():
    assert list(catalogue.load()) == IDS
    assert sorted(p.stem for p in RULES_DIR.glob("*.toml")) == IDS


def test_names_are_unique_kebab_case():
    names = [r.name for r in rules()]
    assert len(set(names)) == len(names)
    for name in names:
        assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)+", name), name


@pytest.mark.parametrize("rule_id", IDS)
def test_levels_languages_and_defaults_follow_the_spec(rule_id):
    rule = catalogue.rule(rule_id)
    level, enabled = DEFAULTS[rule_id]
    assert (rule.level.value, rule.enabled) == (level, enabled)
    expected_languages = ("go",) if rule_id in GO_ONLY else LANGUAGES
    assert rule.languages == expected_languages
    assert rule.precision in PRECISIONS


@pytest.mark.parametrize("rule_id", IDS)
def test_text_fields_are_present_and_within_sarif_limits(rule_id):
    rule = catalogue.rule(rule_id)
    assert rule.summary and len(rule.summary) <= 1024
    assert "\n" not in rule.summary and rule.summary.endswith(".")
    assert len(rule.description) > 200 and len(rule.help) > 50
    assert 1 <= len(rule.tags) <= 20 and len(set(rule.tags)) == len(rule.tags)
    # GitHub treats `security` as a security alert with a severity; these are reliability rules.
    assert "security" not in rule.tags
    for tag in rule.tags:
        assert re.fullmatch(r"[a-z0-9/-]+", tag), tag


def test_the_two_incidents_are_explained_where_they_belong():
    assert "100,000" in catalogue.rule("LL301").description
    assert "60,000" in catalogue.rule("LL101").description
    assert "CLOSE_WAIT" in catalogue.rule("LL101").description


def test_loader_rejects_a_file_whose_id_does_not_match_its_name(tmp_path):
    data = (RULES_DIR / "LL101.toml").read_text(encoding="utf-8")
    import tomllib

    with pytest.raises(catalogue.CatalogueError, match="does not match"):
        catalogue._validate(tomllib.loads(data), "LL102.toml")
    broken = tomllib.loads(data)
    del broken["summary"]
    with pytest.raises(catalogue.CatalogueError, match="summary"):
        catalogue._validate(broken, "LL101.toml")


def test_loader_checks_the_fixes_a_rule_offers():
    import tomllib

    data = tomllib.loads((RULES_DIR / "LL402.toml").read_text(encoding="utf-8"))
    rule = catalogue._validate(data, "LL402.toml")
    assert rule.fix_for("python").safety == "unsafe" and rule.fix_for("go") is None
    for bad in ({"language": "rust", "safety": "unsafe", "summary": "x"},
                {"language": "python", "safety": "maybe", "summary": "x"},
                {"language": "python", "safety": "safe"},
                {"language": "python", "safety": "safe", "summary": "x", "extra": 1}):
        with pytest.raises(catalogue.CatalogueError, match="a fix needs"):
            catalogue._validate({**data, "fixes": [bad]}, "LL402.toml")
    with pytest.raises(catalogue.CatalogueError, match="two fixes"):
        catalogue._validate({**data, "fixes": data["fixes"] * 2}, "LL402.toml")


def test_rules_show_which_fixes_exist_and_how_safe():
    page = leaklint("rules", "LL202").stdout
    assert "## Automatic fix" in page and "- Go, unsafe (`--unsafe-fixes`" in page
    assert "None: every finding of this rule is left to you." in leaklint(
        "rules", "LL301").stdout
    one = json.loads(leaklint("rules", "LL101", "--format", "json").stdout)
    assert [(f["language"], f["safety"]) for f in one["fixes"]] == [
        ("go", "safe"), ("python", "safe")]


def test_findings_carry_the_safety_the_catalogue_gives(tmp_path):
    from leaklint.emit import FileReport
    from leaklint.model import Edit, Fix, Span
    from leaklint.sources import SourceFile

    source = SourceFile(tmp_path / "m.py", "m.py", b"x = 1\n")
    report = FileReport(source, "python", frozenset({"LL402", "LL301"}))
    edit = Edit(Span(1, 1, 1, 1), "")
    report.report("LL402", Span(1, 1, 1, 2), fix=Fix("d", (edit,), safe=True), what="x()")
    report.report("LL301", Span(1, 1, 1, 2), fix=Fix("d", (edit,)), what="requests.Session()",
                  function="f")
    assert report.findings[0].fix is not None and report.findings[0].fix.safe is False
    assert report.findings[1].fix is None  # the catalogue offers no LL301 fix


# --- messages -------------------------------------------------------------------------------

@pytest.mark.parametrize("rule_id", IDS)
def test_message_placeholders_are_exactly_the_contract(rule_id):
    rule = catalogue.rule(rule_id)
    assert "default" not in rule.messages  # one explicit message per language
    assert set(rule.messages) == set(CONTRACT[rule_id])
    for language, expected in CONTRACT[rule_id].items():
        assert placeholders(rule.messages[language]) == expected, (rule_id, language)


@pytest.mark.parametrize("rule_id", IDS)
def test_messages_read_as_standalone_problem_statements(rule_id):
    rule = catalogue.rule(rule_id)
    for language, expected in CONTRACT[rule_id].items():
        args = {name: f"<{name}>" for name in expected}
        if "where" in args:
            args["where"] = " (leaks at the return on line 12)"
        text = rule.message(language, **args)
        assert text == text.strip() and not text.endswith(".")
        assert not text[0].isupper(), text  # lower case, like the other linters' messages
        assert "\n" not in text and rule_id not in text


# --- examples -------------------------------------------------------------------------------

@pytest.mark.parametrize("rule_id", IDS)
def test_one_bad_and_one_good_example_per_language(rule_id):
    rule = catalogue.rule(rule_id)
    kinds = sorted((ex.language, ex.kind) for ex in rule.examples)
    assert kinds == sorted((lang, kind) for lang in rule.languages for kind in ("bad", "good"))


@pytest.mark.parametrize("rule_id", IDS)
def test_bad_examples_mark_the_flagged_line_and_good_ones_do_not(rule_id):
    for ex in catalogue.rule(rule_id).examples:
        wants = WANT.findall(ex.code)
        if ex.kind == "bad":
            assert wants == [rule_id], (ex.language, ex.code)
            comment = "//" if ex.language == "go" else "#"
            assert f"{comment} want {rule_id}" in ex.code
        else:
            assert wants == []


# --- `leaklint rules` -----------------------------------------------------------------------

def leaklint(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "leaklint", *args],
                          capture_output=True, text=True, cwd=ROOT)


def test_rules_lists_every_rule_in_an_aligned_table():
    out = leaklint("rules")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    rows = [line for line in lines if re.match(r"LL\d{3} ", line)]
    assert [row.split()[0] for row in rows] == IDS
    summary_column = {row.index(catalogue.rule(row[:5]).summary) for row in rows}
    assert len(summary_column) == 1  # every summary starts in the same column
    assert "undrained-body" in out.stdout and "opt-in" in out.stdout


def test_rules_json_and_markdown_formats():
    data = json.loads(leaklint("rules", "--format", "json").stdout)
    assert [r["id"] for r in data] == IDS
    assert data[IDS.index("LL101")]["messages"]["go"] == catalogue.rule("LL101").messages["go"]
    markdown = leaklint("rules", "--format", "markdown").stdout
    assert all(f"[{rule_id}]({rule_id}.md)" in markdown for rule_id in IDS)


def test_rules_explains_one_rule_by_id_or_name():
    rule = catalogue.rule("LL101")
    out = leaklint("rules", "LL101")
    assert out.returncode == 0
    assert f"LL101 {rule.name}" in out.stdout
    assert rule.help in out.stdout and "want LL101" in out.stdout
    assert leaklint("rules", "ll101").stdout == out.stdout
    assert leaklint("rules", "unclosed-response-body").stdout == out.stdout
    one = json.loads(leaklint("rules", "LL402", "--format", "json").stdout)
    assert one["id"] == "LL402" and one["help_uri"].endswith("/docs/rules/LL402.md")


def test_unknown_rule_exits_2_with_a_clear_message():
    out = leaklint("rules", "LL999")
    assert out.returncode == 2
    assert out.stdout == ""
    assert "unknown rule 'LL999'" in out.stderr and "LL101" in out.stderr
    assert "Traceback" not in out.stderr


# --- no rule metadata outside rules/ --------------------------------------------------------

def _literal_fragments(path: Path) -> list[tuple[int, str]]:
    """Every string constant of a module, including the literal parts of f-strings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value) for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docstrings]


def _message_pieces() -> set[str]:
    """The fixed text of each message between placeholders, when long enough to be telling."""
    pieces = set()
    for rule in rules():
        pieces.add(rule.summary)
        for template in rule.messages.values():
            for literal, _, _, _ in string.Formatter().parse(template):
                for piece in re.split(r"[:()]", literal):
                    if len(piece.strip()) >= 12:
                        pieces.add(piece.strip())
    return pieces


ANALYSIS_DIRS = [ROOT / "leaklint" / "golang", ROOT / "leaklint" / "python"]


def test_message_pieces_are_distinctive_enough_to_find():
    pieces = _message_pieces()
    assert "is not closed on every path" in pieces  # LL101 go
    assert "is deferred inside a loop" in pieces  # LL202


def test_checks_write_no_rule_metadata_of_their_own():
    pieces = _message_pieces()
    offenders = []
    for path in sorted(p for d in ANALYSIS_DIRS for p in d.rglob("*.py")):
        for line, text in _literal_fragments(path):
            where = f"{path.relative_to(ROOT)}:{line}: {text!r}"
            if re.search(r"LL\d{3}", text) and not re.fullmatch(r"LL\d{3}", text):
                offenders.append(where + " (a rule id inside text: messages come from rules/)")
            elif any(piece in text for piece in pieces):
                offenders.append(where + " (repeats a catalogue message or summary)")
    assert not offenders, "\n".join(offenders)


def test_metadata_scan_catches_a_message_written_in_code(tmp_path):
    module = tmp_path / "check.py"
    module.write_text('msg = f"body {name} is not closed on every path"\nrid = "LL101"\n',
                      encoding="utf-8")
    found = [text for _, text in _literal_fragments(module)
             if any(piece in text for piece in _message_pieces())]
    assert found == [" is not closed on every path"]


# --- the examples are what the analysis really does -----------------------------------------

GO_IMPORTS = {"http": "net/http", "io": "io", "net": "net", "time": "time", "tls": "crypto/tls",
              "context": "context", "json": "encoding/json", "fmt": "fmt", "sync": "sync"}


def _go_file(code: str) -> tuple[str, int]:
    """A snippet made a Go file: package clause and the imports it uses."""
    used = sorted({GO_IMPORTS[q] for q in re.findall(r"\b([a-z]+)\.[A-Z]", code)
                   if q in GO_IMPORTS})
    header = "package example\n\nimport (\n" + "".join(f'\t"{p}"\n' for p in used) + ")\n\n"
    return header + code, header.count("\n")


def _wants(code: str, offset: int) -> set[tuple[int, str]]:
    return {(offset + n, m.group(1)) for n, line in enumerate(code.splitlines(), 1)
            for m in WANT.finditer(line)}


@pytest.fixture(scope="module")
def example_run(tmp_path_factory) -> tuple[dict[str, tuple[str, set]], list[dict]]:
    root = tmp_path_factory.mktemp("examples")
    expected: dict[str, tuple[str, set]] = {}  # path -> (rule id, {(line, rule)})
    for rule in rules():
        for n, ex in enumerate(rule.examples):
            name = f"{rule.id.lower()}_{ex.kind}_{n}"
            if ex.language == "go":  # one directory each: Go analyses per package
                text, offset = _go_file(ex.code)
                path = Path(name) / "example.go"
            else:
                text, offset, path = ex.code, 0, Path(f"{name}.py")
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(text, encoding="utf-8")
            expected[path.as_posix()] = (rule.id, _wants(ex.code, offset))
    out = subprocess.run([sys.executable, "-m", "leaklint", "check", ".", "--format", "json",
                          "--extend-select", "LL103,LL001", "--no-cache"],
                         capture_output=True, text=True, cwd=root)
    assert out.returncode in (0, 1), out.stderr
    return expected, json.loads(out.stdout)["findings"]


EXAMPLE_CASES = [(r, lang) for r in IDS for lang in CONTRACT[r]]


@pytest.mark.parametrize(("rule_id", "language"), EXAMPLE_CASES)
def test_examples_are_reported_exactly_as_marked(example_run, rule_id, language):
    """Across every example of a language, this rule fires exactly on its `want` lines.

    A rule that fires on no example at all is not implemented yet for that language:
    skipped with that reason, and enforced as soon as it reports anything."""
    expected, findings = example_run
    suffix = ".go" if language == "go" else ".py"
    mine = [f for f in findings if f["rule"] == rule_id and f["path"].endswith(suffix)]
    if not mine:
        pytest.skip(f"{rule_id} reports nothing on the {language} examples yet")
    enabled_here = catalogue.rule(rule_id).enabled
    mismatches = []
    for path, (owner, wants) in sorted(expected.items()):
        if not path.endswith(suffix) or not (enabled_here or owner == rule_id):
            continue  # an opt-in rule is judged on its own examples only
        want = {w for w in wants if w[1] == rule_id}
        got = {(f["line"], f["rule"]) for f in mine
               if Path(f["path"]).as_posix().endswith(path)}
        if got != want:
            mismatches.append(f"{path} ({owner} example): expected {sorted(want)}, "
                              f"got {sorted(got)}")
    assert not mismatches, "\n".join(mismatches)
