"""Go 1.26's new(expr) is valid Go that the packaged grammar cannot parse: leaklint
reads it anyway (no LL000 on valid code) and still sees new(http.Transport)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
import tree_sitter_go
from conftest import FIXTURES, in_ci
from tree_sitter import Language, Parser

from leaklint.golang.parse import parse

MODULE = FIXTURES / "go126"
SOURCE = (MODULE / "newexpr.go").read_bytes()


def test_type_literal_new_keeps_its_form_beside_new_of_expression():
    source = b"package p\nfunc f(ip string) ([]string, *string) {\n" \
             b"\tids := new([]string)\n\treturn *ids, new(ip + \"/32\")\n}\n"
    assert not parse(source).root_node.has_error


def test_composite_and_dereference_arguments_are_expressions():
    source = b"package p\nfunc f(p *string) (*map[string]bool, *string, *[]int) {\n" \
             b"\tm := new(map[string]bool{})\n\tu := new(*p + \"/jwks\")\n" \
             b"\treturn m, u, new([]int)\n}\n"
    assert not parse(source).root_node.has_error


def test_raw_grammar_fails_but_leaklint_parses():
    raw = Parser(Language(tree_sitter_go.language())).parse(SOURCE)
    assert raw.root_node.has_error, "the grammar learnt new(expr): drop the respelling"
    assert not parse(SOURCE).root_node.has_error


def test_fixture_module_builds_with_go_1_26():
    go = shutil.which("go")
    if go is None:
        if in_ci():
            pytest.fail("`go` is not on PATH in CI")
        pytest.skip("`go` is not on PATH: cannot type-check fixtures/go126")
    version = subprocess.run([go, "env", "GOVERSION"], capture_output=True, text=True).stdout
    m = re.match(r"go1\.(\d+)", version.strip())
    if m is None or int(m.group(1)) < 26:
        pytest.skip(f"new(expr) needs Go 1.26 or later; this is {version.strip()}")
    env = {**os.environ, "GOFLAGS": "-mod=mod", "GOPROXY": "off", "GOTOOLCHAIN": "local",
           "GOWORK": "off"}
    out = subprocess.run([go, "build", "./..."], cwd=MODULE, capture_output=True, text=True,
                         env=env, timeout=300)
    assert out.returncode == 0, out.stderr
