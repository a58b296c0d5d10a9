"""A Go file whose last line has no newline is valid Go (the lexer ends the line at end
of file); the packaged grammar fails on some of them, and leaklint must not call them
unparsable (LL000) nor lose their findings."""

from __future__ import annotations

import json
import subprocess
import sys

import tree_sitter_go
from tree_sitter import Language, Parser

from leaklint.golang.parse import parse

TAIL = b"type hook struct {\n\tID string `json:\"id\"`\n}"
LEAK = (b"package p\n\nimport \"net/http\"\n\nfunc get(u string) int {\n"
        b"\tresp, err := http.Get(u)\n\tif err != nil {\n\t\treturn 0\n\t}\n"
        b"\treturn resp.StatusCode\n}\n\n")


def test_raw_grammar_fails_without_the_final_newline():
    raw = Parser(Language(tree_sitter_go.language())).parse(b"package p\n\n" + TAIL)
    assert raw.root_node.has_error, "the grammar accepts it now: drop the appended newline"
    assert not Parser(Language(tree_sitter_go.language())).parse(
        b"package p\n\n" + TAIL + b"\n").root_node.has_error


def test_parse_accepts_a_file_ending_without_newline():
    assert not parse(b"package p\n\n" + TAIL).root_node.has_error


def test_newline_and_new_expression_together():
    source = b"package p\n\nfunc f() *string { return new(\"x\") }\n\n" + TAIL
    assert not parse(source).root_node.has_error


def test_findings_survive_and_no_ll000(tmp_path):
    (tmp_path / "go.mod").write_text("module example.com/p\n\ngo 1.22\n")
    (tmp_path / "hook.go").write_bytes(LEAK + TAIL)
    result = subprocess.run([sys.executable, "-m", "leaklint", "check", ".", "--no-cache",
                             "--format", "json", "--exit-zero"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    rules = [f["rule"] for f in json.loads(result.stdout)["findings"]]
    assert "LL000" not in rules and "LL101" in rules, result.stdout


def test_broken_file_without_newline_keeps_its_own_error_position():
    # Cut mid-statement: still broken with the newline, so the tree is the file's own
    # and its error lies on one of its lines.
    source = b"package p\n\nfunc f(u string) int {\n\tr"
    tree = parse(source)
    assert tree.root_node.has_error
    assert tree.root_node.end_byte <= len(source)
    assert tree.root_node.end_point[0] <= source.count(b"\n")
