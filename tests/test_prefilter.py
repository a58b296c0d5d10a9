"""The Go prefilter: what it reads, and that it never changes a run's results."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES

from leaklint import runner
from leaklint.config import GoModels, Settings
from leaklint.context import RunContext
from leaklint.discovery import discover
from leaklint.prefilter import (
    GoIndex,
    go_imports,
    may_defer_close_in_loop,
    model_packages,
    relevant_import,
)
from leaklint.selection import enabled_rules


def _ctx(**settings: object) -> RunContext:
    s = Settings(**settings)  # type: ignore[arg-type]
    return RunContext(settings=s, enabled=enabled_rules(("ALL",), (), ()))


def _outcome(result: runner.RunResult) -> tuple:
    return (result.findings, result.problems, result.files_analysed, result.suppressed)


def test_every_fixture_gives_the_same_results_with_and_without_the_prefilter():
    found = discover([str(FIXTURES)], cwd=FIXTURES.parent)
    assert any(c.language == "go" for c in found.files)
    ctx = _ctx()
    with_filter = runner.run(found.files, ctx, prefilter=True)
    without = runner.run(found.files, ctx, prefilter=False)
    assert with_filter.findings, "the fixtures must produce findings to compare"
    assert _outcome(with_filter) == _outcome(without)


def test_fixture_packages_equal_one_at_a_time(tmp_path):
    # Each fixture directory alone: the same-module closure is then read from disk.
    ctx = _ctx()
    for directory in sorted(p for p in (FIXTURES / "go").rglob("*") if p.is_dir()):
        found = discover([str(directory)], cwd=FIXTURES.parent)
        if not found.files:
            continue
        a = runner.run(found.files, ctx, prefilter=True)
        b = runner.run(found.files, ctx, prefilter=False)
        assert _outcome(a) == _outcome(b), directory


def test_an_unrelated_package_is_read_but_not_parsed(tmp_path, monkeypatch):
    pkg = tmp_path / "mathx"
    pkg.mkdir()
    (pkg / "a.go").write_text('package mathx\n\nimport "strings"\n\nfunc F() {}\n')
    parsed: list[list[str]] = []
    monkeypatch.setattr(runner, "analyse_go_group",
                        lambda files, ctx: parsed.append([f.display for f in files]) or [])
    found = discover([str(pkg)], cwd=tmp_path)
    result = runner.run(found.files, _ctx())
    assert parsed == []
    assert result.files_analysed == 1
    runner.run(found.files, _ctx(), prefilter=False)
    assert parsed == [["mathx/a.go"]]


def test_a_binary_file_in_a_skipped_package_is_still_reported(tmp_path):
    pkg = tmp_path / "p"
    pkg.mkdir()
    (pkg / "a.go").write_text("package p\n")
    (pkg / "b.go").write_bytes(b"package p\x00\xff")
    found = discover([str(pkg)], cwd=tmp_path)
    result = runner.run(found.files, _ctx())
    assert [p.path for p in result.problems] == ["p/b.go"]


def _index(tmp_path: Path, files: dict[str, str], models: GoModels | None = None, **kw):
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    from leaklint.plan import _other_package

    return GoIndex(models or GoModels(), lambda d: _other_package(d, None), **kw)


def test_a_package_calling_a_same_module_http_helper_is_kept(tmp_path):
    index = _index(tmp_path, {
        "go.mod": "module example.com/app\n\ngo 1.22\n",
        "api/api.go": 'package api\nimport "net/http"\nfunc Fetch() (*http.Response, error)'
                      ' { return http.Get("x") }\n',
        "svc/svc.go": 'package svc\nimport "example.com/app/api"\nfunc F() { api.Fetch() }\n',
        "util/util.go": 'package util\nimport "example.com/app/strs"\nfunc G() {}\n',
        "strs/strs.go": 'package strs\nimport "strings"\nvar _ = strings.ToUpper\n',
    }, defer_in_loop=False)
    assert index.wanted(tmp_path / "svc")
    assert index.wanted(tmp_path / "api")
    assert not index.wanted(tmp_path / "util")
    assert not index.wanted(tmp_path / "strs")


def test_a_missing_same_module_package_is_assumed_relevant(tmp_path):
    index = _index(tmp_path, {
        "go.mod": "module example.com/app\n",
        "svc/svc.go": 'package svc\nimport "example.com/app/gone"\n',
    }, defer_in_loop=False)
    assert index.wanted(tmp_path / "svc")


def test_user_model_packages_count(tmp_path):
    models = GoModels(response_functions=("example.com/acme/httpx.Fetch",))
    assert model_packages(models) == {"example.com/acme/httpx"}
    index = _index(tmp_path, {
        "p/p.go": 'package p\nimport h "example.com/acme/httpx"\n',
    }, models, defer_in_loop=False)
    assert index.wanted(tmp_path / "p")


@pytest.mark.parametrize("path", [
    "net/http", "net/http/httptest", "net", "crypto/tls", "google.golang.org/grpc",
    "github.com/hashicorp/go-cleanhttp", "github.com/hashicorp/go-retryablehttp",
    "github.com/go-resty/resty/v2", "resty.dev/v3",
])
def test_relevant_imports(path):
    assert relevant_import(path)


@pytest.mark.parametrize("path", ["strings", "net/url", "network/x", "crypto/sha256", "os"])
def test_irrelevant_imports(path):
    assert not relevant_import(path)


def test_import_scanner():
    src = b"""// Copyright
//go:build linux

/* block
import "fake" */
package p // c

import "a"
import b "b/c"
import (
    "d" // comment
    . "e"
    _ "f"
    \xc3\xa9 "g"
    `h/raw`
)
import ("i"; "j")

func F() { _ = "import \\"x\\"" }
import "never"
"""
    assert go_imports(src) == ["a", "b/c", "d", "e", "f", "g", "h/raw", "i", "j"]
    assert go_imports(b"// no package clause\n") is None
    assert go_imports(b"package p\nimport (\n\"a\"\n") is None  # unterminated
    assert go_imports(b"package p\n") == []


@pytest.mark.parametrize("src, expected", [
    (b"package a\nfunc f() { for { defer c.Close() } }", True),
    (b"package a\nfunc f() {\n for range x {\n  defer func() { c.Close() }()\n }\n}", True),
    (b"package a\nfunc f() { defer c.Close() }\nfunc g() { for {} }", False),
    (b'package a\nfunc f() { s := "for"; defer c.Close() }', False),
    (b"package a\nfunc f() { // for\n defer c.Close() }", False),
    (b"package a\nfunc f() { for { g := func() { defer x.Close() }; g() } }", False),
    (b"package a\nfunc f() { for { defer x.Unlock() } }", False),  # no Close at all
    (b"package a\nfunc f() { for _, v := range []int{1} { defer c.Close() } }", True),
])
def test_deferred_close_in_loop_heuristic(src, expected):
    assert may_defer_close_in_loop(src) is expected


def test_defer_close_in_loop_keeps_an_otherwise_unrelated_package(tmp_path):
    pkg = tmp_path / "files"
    pkg.mkdir()
    (pkg / "a.go").write_text(
        'package files\n\nimport "os"\n\nfunc F(names []string) {\n'
        "\tfor _, n := range names {\n\t\tf, _ := os.Open(n)\n\t\tdefer f.Close()\n\t}\n}\n"
    )
    found = discover([str(pkg)], cwd=tmp_path)
    with_filter = runner.run(found.files, _ctx())
    assert _outcome(with_filter) == _outcome(runner.run(found.files, _ctx(), prefilter=False))
    assert [f.rule_id for f in with_filter.findings] == ["LL202"]


def test_only_test_files_that_reach_an_api_are_analysed(tmp_path):
    index = _index(tmp_path, {
        "p/p.go": 'package p\nimport "strings"\nfunc F() string { return strings.ToUpper("") }\n',
        "p/p_test.go": 'package p\nimport "net"\nfunc TestA() { net.Dial("tcp", "x") }\n',
        "p/q_test.go": "package p\nfunc helper() {}\n",
        "p/loop.go": "package p\nfunc G(cs []c) {\n\tfor _, c := range cs {\n"
                     "\t\tdefer c.Close()\n\t}\n}\n",
    })
    assert index.select(tmp_path / "p") == {"p_test.go", "q_test.go", "loop.go"}
    index = _index(tmp_path, {"r/r.go": 'package r\nimport "net/http"\n',
                              "r/r_test.go": "package r\n"})
    assert index.select(tmp_path / "r") is None  # a non-test file reaches net/http: all


def test_a_test_only_selection_gives_the_same_findings(tmp_path):
    pkg = tmp_path / "p"
    pkg.mkdir()
    (pkg / "p.go").write_text('package p\n\nimport "strings"\n\nvar X = strings.ToUpper\n')
    (pkg / "p_test.go").write_text(
        'package p\n\nimport "net/http"\n\nfunc get(u string) int {\n'
        "\tresp, err := http.Get(u)\n\tif err != nil {\n\t\treturn 0\n\t}\n"
        "\treturn resp.StatusCode\n}\n"
    )
    found = discover([str(pkg)], cwd=tmp_path)
    a = runner.run(found.files, _ctx())
    b = runner.run(found.files, _ctx(), prefilter=False)
    assert _outcome(a) == _outcome(b)
    assert {f.rule_id for f in a.findings} >= {"LL101", "LL402"}
