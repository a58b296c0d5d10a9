"""The Go prefilter: what it reads, and that it never changes a run's results."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES

from leaklint.config import GoModels, Settings
from leaklint.context import RunContext
from leaklint.engine import runner
from leaklint.engine.discovery import discover
from leaklint.engine.plan import plan
from leaklint.golang import unit as go_unit
from leaklint.golang.header import _scanned_header, go_imports, read_header
from leaklint.golang.inert import reaching_imports
from leaklint.golang.prefilter import (
    GoIndex,
    may_defer_close_in_loop,
    model_packages,
    relevant_import,
)
from leaklint.selection import enabled_rules


def _ctx(**settings: object) -> RunContext:
    s = Settings(**settings)  # type: ignore[arg-type]
    return RunContext(settings=s, enabled=enabled_rules(("LL",), (), ()))  # default rules


def _outcome(result: runner.RunResult) -> tuple:
    return (result.findings, result.problems, result.files_analysed, result.suppressed)


def _package(tmp_path: Path, files: dict[str, str | bytes], name: str = "p") -> list:
    """Write one Go package and return the run's candidates for it."""
    pkg = tmp_path / name
    pkg.mkdir()
    for file_name, content in files.items():
        if isinstance(content, bytes):
            (pkg / file_name).write_bytes(content)
        else:
            (pkg / file_name).write_text(content)
    return discover([str(pkg)], cwd=tmp_path).files


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
    files = _package(tmp_path, {
        "a.go": 'package mathx\n\nimport "strings"\n\nfunc F() {}\n'}, "mathx")
    parsed: list[list[str]] = []
    monkeypatch.setattr(go_unit, "analyse_go_group",
                        lambda files, ctx: parsed.append([f.display for f in files]) or [])
    result = runner.run(files, _ctx())
    assert parsed == []
    assert result.files_analysed == 1
    runner.run(files, _ctx(), prefilter=False)
    assert parsed == [["mathx/a.go"]]


def test_a_binary_file_in_a_skipped_package_is_still_reported(tmp_path):
    files = _package(tmp_path, {"a.go": "package p\n", "b.go": b"package p\x00\xff"})
    result = runner.run(files, _ctx())
    assert [p.path for p in result.problems] == ["p/b.go"]


@pytest.mark.parametrize(("content", "settled"), [
    (b"package p\n\nfunc F() {}\n", True),
    ("package p\n\n// caf\u00e9\nfunc F() {}\n".encode(), True),
    (b"\xef\xbb\xbfpackage p\n", True),  # a UTF-8 BOM is accepted
    (b"package p\n// \xff\n", False),  # not UTF-8: the worker reports it
    (b"package p\x00\n", False),
])
def test_a_ruled_out_package_read_as_text_never_reaches_a_worker(
        tmp_path, monkeypatch, content, settled):
    files = _package(tmp_path, {"a.go": "package p\n", "b.go": content})
    units = [u for u, _ in plan(files, _ctx(), cache=None, prefilter=True)]
    assert [(u.analyse, u.settled) for u in units] == [(False, settled)]
    processed: list[object] = []
    real = runner.process_unit
    monkeypatch.setattr(runner, "process_unit",
                        lambda unit, ctx: processed.append(unit) or real(unit, ctx))
    result = runner.run(files, _ctx())
    assert len(processed) == (0 if settled else 1)
    assert result.files_analysed == (2 if settled else 1 + (not content.count(b"\0") and
                                                            b"\xff" not in content))
    assert bool(result.problems) is not settled


def _index(tmp_path: Path, files: dict[str, str], models: GoModels | None = None, **kw):
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    from leaklint.golang.unit import _GoScans

    return GoIndex(models or GoModels(), _GoScans(None).other, **kw)


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


def test_planning_reads_each_go_file_once_and_decides_in_order(tmp_path, monkeypatch):
    # a_svc needs z_api's imports before the run reaches z_api: scanned on demand,
    # and that scan is the one the run uses when it gets there.
    files = {
        "go.mod": "module example.com/app\n\ngo 1.22\n",
        "z_api/api.go": 'package api\nimport "net/http"\nfunc Fetch() (*http.Response, error)'
                        ' { return http.Get("x") }\n',
        "a_svc/svc.go": 'package svc\nimport "example.com/app/z_api"\n'
                        "func F() { api.Fetch() }\n",
        "m_util/util.go": 'package util\nimport "strings"\nvar _ = strings.ToUpper\n',
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    from leaklint.engine import plan as planning
    from leaklint.golang import unit as go_unit

    read: list[str] = []
    real = go_unit.scan_file

    def counting(path, **kw):
        read.append(Path(path).name)
        return real(path, **kw)

    monkeypatch.setattr(go_unit, "scan_file", counting)
    found = discover([str(tmp_path)], cwd=tmp_path)
    units = [u for u, _ in planning.plan(found.files, _ctx(), cache=None, prefilter=True)]
    assert sorted(read) == ["api.go", "svc.go", "util.go"]
    assert [(u.files[0].path.parent.name, u.analyse) for u in units] == [
        ("a_svc", True), ("m_util", False), ("z_api", True)]


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
    assert go_imports(b'\xef\xbb\xbfpackage p\nimport "net"\n') == ["net"]


@pytest.mark.parametrize("src, expected", [
    (b"package a\nfunc f() { for { defer c.Close() } }", True),
    (b"package a\nfunc f() {\n for range x {\n  defer func() { c.Close() }()\n }\n}", True),
    (b"package a\nfunc f() { defer c.Close() }\nfunc g() { for {} }", False),
    (b'package a\nfunc f() { s := "for"; defer c.Close() }', False),
    (b"package a\nfunc f() { // for\n defer c.Close() }", False),
    (b"package a\nfunc f() { for { g := func() { defer x.Close() }; g() } }", False),
    (b"package a\nfunc f() { for { defer x.Unlock() } }", False),  # no Close at all
    (b"package a\nfunc f() { for _, v := range []int{1} { defer c.Close() } }", True),
    # A loop that ended before the defer, in the same function.
    (b"package a\nfunc f() {\n\tfor i := 0; i < 3; i++ {\n\t}\n\tdefer c.Close()\n}\n", False),
    # A table-driven loop: the header's literal spans lines and ends its lines in braces.
    (b"package a\nfunc f() {\n\tfor _, tt := range []struct {\n\t\tname string\n\t}{{\n"
     b"\t\tname: \"a\",\n\t}, {\n\t\tname: \"b\",\n\t}} {\n\t\tdefer c.Close()\n\t}\n}\n", True),
    # A func type without a body must not make the next block look like a function.
    (b"package a\nfunc f() {\n\tfor {\n\t\tvar g func()\n\t\tif ok {\n"
     b"\t\t\tdefer c.Close()\n\t\t}\n\t}\n}\n", True),
    # A multi-line signature still opens its body on its last line.
    (b"package a\nfunc f(\n\ta int,\n) {\n\tfor {\n\t\tdefer c.Close()\n\t}\n}\n", True),
    # A func literal in a loop defers to its own end; in a loop of its own it does not.
    (b"package a\nfunc f() {\n\tfor {\n\t\tgo func() {\n\t\t\tdefer c.Close()\n\t\t}()\n\t}\n}\n",
     False),
    (b"package a\nfunc f() {\n\tgo func() {\n\t\tfor {\n\t\t\tdefer c.Close()\n\t\t}\n\t}()\n}\n",
     True),
    # A declaration line inside a raw string or a comment is not where a function
    # starts: the loop before it still holds the defer.
    (b"package a\nfunc f(cs []c) {\n\tfor _, c := range cs {\n\t\tsrc := `\nfunc g() {\n`\n"
     b"\t\t_ = src\n\t\tdefer c.Close()\n\t}\n}\n", True),
    (b"package a\nfunc f(cs []c) {\n\tfor _, c := range cs {\n\t\t/*\nfunc g() {\n*/\n"
     b"\t\tdefer c.Close()\n\t}\n}\n", True),
    # "defer" in a comment before any function, a loop in an earlier function.
    (b"// Package a: never defer in a loop.\npackage a\nfunc f() {\n\tfor {\n\t}\n}\n"
     b"func (s *T) g() {\n\tdefer s.c.Close()\n}\n", False),
    # A struct type in a signature is not the function's body.
    (b"package a\nfunc f(x struct{ n int }) {\n\tfor {\n\t\tdefer c.Close()\n\t}\n}\n", True),
])
def test_deferred_close_in_loop_heuristic(src, expected):
    assert may_defer_close_in_loop(src) is expected


_CLOSES_ELSEWHERE = b"package a\nfunc g() { c.Close() }\nfunc f() {\n\tfor {\n\t\t"


@pytest.mark.parametrize(("deferred", "expected"), [
    (b"defer mu.Unlock()", False),  # no argument, not a Close: never LL202
    (b"defer cancel() // done", False),
    (b"defer c.Close()", True),
    (b"defer c.CloseWrite()", True),
    (b"defer cleanup(c)", True),  # a package function may close what it is given
    (b"defer os.Remove(name)", True),
    (b"defer func() { _ = c.Close() }()", True),
    (b"defer resp.Body.\n\t\t\tClose()", True),  # a selector over two lines
])
def test_only_defers_that_may_close_count(deferred, expected):
    src = _CLOSES_ELSEWHERE + deferred + b"\n\t}\n}\n"
    assert may_defer_close_in_loop(src) is expected
    # A modelled body closer may be a method without arguments: every defer counts.
    assert may_defer_close_in_loop(src, any_call=True) is True


def test_defer_close_in_loop_keeps_an_otherwise_unrelated_package(tmp_path):
    files = _package(tmp_path, {"a.go": (
        'package files\n\nimport "os"\n\nfunc F(names []string) {\n'
        "\tfor _, n := range names {\n\t\tf, _ := os.Open(n)\n\t\tdefer f.Close()\n\t}\n}\n"
    )}, "files")
    with_filter = runner.run(files, _ctx())
    assert _outcome(with_filter) == _outcome(runner.run(files, _ctx(), prefilter=False))
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
    index = _index(tmp_path, {"r/r.go": 'package r\nimport "net/http"\nvar G = http.Get\n',
                              "r/r_test.go": "package r\n"})
    assert index.select(tmp_path / "r") is None  # a non-test file reaches net/http: all


def test_a_test_only_selection_gives_the_same_findings(tmp_path):
    files = _package(tmp_path, {
        "p.go": 'package p\n\nimport "strings"\n\nvar X = strings.ToUpper\n',
        "p_test.go": (
            'package p\n\nimport "net/http"\n\nfunc get(u string) int {\n'
            "\tresp, err := http.Get(u)\n\tif err != nil {\n\t\treturn 0\n\t}\n"
            "\treturn resp.StatusCode\n}\n"),
    })
    a = runner.run(files, _ctx())
    b = runner.run(files, _ctx(), prefilter=False)
    assert _outcome(a) == _outcome(b)
    assert {f.rule_id for f in a.findings} >= {"LL101", "LL402"}


def test_choice_leaves_files_without_relevant_imports_to_their_names(tmp_path):
    index = _index(tmp_path, {
        "p/a.go": 'package p\nimport "net/http"\nvar C = http.DefaultClient\n',
        "p/b.go": "package p\nfunc B() {}\n",
        "p/b_test.go": "package p\nfunc TestB() {}\n",
    })
    choice = index.choose(tmp_path / "p")
    assert choice.only is None
    assert choice.by_name == {"b.go", "b_test.go"}


def _parsed_files(monkeypatch) -> list[str]:
    """Names of the Go files parsed from now on (reported or indexed)."""
    from leaklint.golang import index as go_index

    parsed: list[str] = []
    real = go_index.load_file

    def recording(source, path, data):
        parsed.append(Path(path).name)
        return real(source, path, data)

    monkeypatch.setattr(go_index, "load_file", recording)
    monkeypatch.setattr("leaklint.golang.analysis.load_file", recording)
    return parsed


def test_a_file_is_parsed_only_when_it_reaches_a_relevant_name(monkeypatch):
    directory = FIXTURES / "go" / "ll101samepkg"
    found = discover([str(directory)], cwd=FIXTURES.parent)
    parsed = _parsed_files(monkeypatch)
    result = runner.run(found.files, _ctx())
    # far.go mentions only getVia, declared in relay.go, which calls get (fetch.go);
    # plain.go mentions only retries, which hands out an int; labels.go only labelOf,
    # which hands out a label (text and a position: the package's own plain types);
    # viaholder.go names newHolder, whose holder keeps a client.
    assert sorted(set(parsed)) == ["callers.go", "far.go", "fetch.go", "holder.go",
                                   "relay.go", "viaholder.go"]
    assert {Path(f.path).name for f in result.findings} == {"callers.go", "far.go",
                                                           "viaholder.go"}
    parsed.clear()
    assert _outcome(runner.run(found.files, _ctx(), prefilter=False)) == _outcome(result)
    assert {"plain.go", "labels.go"} <= set(parsed)


def test_imports_used_only_for_inert_members_do_not_make_a_seed(monkeypatch):
    directory = FIXTURES / "go" / "inertimports"
    found = discover([str(directory)], cwd=FIXTURES.parent)
    parsed = _parsed_files(monkeypatch)
    result = runner.run(found.files, _ctx())
    # status.go joins through fetch (fetch.go); handler.go and addrs.go use net,
    # net/http and crypto/tls only for addresses, status codes, handler types and
    # TLS settings, and mention no name of fetch.go.
    assert sorted(set(parsed)) == ["fetch.go", "status.go"]
    assert [(Path(f.path).name, f.rule_id) for f in result.findings] == [
        ("status.go", "LL101")]
    assert _outcome(runner.run(found.files, _ctx(), prefilter=False)) == _outcome(result)


_NET_ONLY = 'package p\n\nimport (\n\t"fmt"\n\t"net"\n)\n\n'


@pytest.mark.parametrize(("source", "reaching"), [
    (_NET_ONLY + "var a = net.ParseIP(fmt.Sprint(1))\n", ["fmt"]),
    (_NET_ONLY + "var a, b = net.IPv4len, net.ErrClosed\n", ["fmt"]),
    (_NET_ONLY + 'var c, _ = net.Dial("tcp", fmt.Sprint(1))\n', ["fmt", "net"]),
    (_NET_ONLY + "var d net.Dialer\n", ["fmt", "net"]),
    (_NET_ONLY + "var c = net.\n\tDial\n", ["fmt", "net"]),  # selector over a newline
    (_NET_ONLY + "func f(net *T) { net.Dial() }\n", ["fmt", "net"]),  # shadowed: kept
    (_NET_ONLY + "var x = net\n", ["fmt", "net"]),  # not a selector: kept
    (_NET_ONLY + "// net.Dial in a comment\nvar s = `net.Dial` + \"net.Dial\"\n", ["fmt"]),
    (_NET_ONLY + "var f = x.net.Dial\n", ["fmt"]),  # a field named net, not the package
    ('package p\nimport n "net"\nvar a = n.IP{}\nvar b = net.Dial\n', []),
    ('package p\nimport n "net"\nvar a = n.Dial\n', ["net"]),
    ('package p\nimport . "net"\nvar a = IP{}\n', ["net"]),  # dot import: kept
    ('package p\nimport _ "net/http"\n', []),
    ('package p\nimport _ "net/http/pprof"\n', ["net/http/pprof"]),  # not tabled
    ('package p\nimport "net/http"\nvar a = []any{http.StatusOK, http.MethodGet, '
     "http.Header{}, http.ErrNoCookie}\n", []),
    ('package p\nimport "net/http"\nfunc h(w http.ResponseWriter, r *http.Request) {}\n',
     []),
    ('package p\nimport "net/http"\nvar r *http.Response\n', ["net/http"]),
    # A .Body read makes an untyped call's result a response: net/http stays.
    ('package p\nimport "net/http"\nfunc f() int {\n\tr := sdk.Get()\n\t_ = r.Body\n'
     "\treturn http.StatusOK\n}\n", ["net/http"]),
    ('package p\nimport "net/http"\nvar c = http.DefaultClient\n', ["net/http"]),
    ('package p\nimport "net/http/httptest"\nvar r = httptest.NewRecorder\n',
     ["net/http/httptest"]),
    ('package p\nimport "crypto/tls"\nvar c = tls.Config{MinVersion: tls.VersionTLS13}\n',
     []),
    ('package p\nimport "crypto/tls"\nvar d = tls.Dial\n', ["crypto/tls"]),
    # The alias on its import line is the header's, not a use.
    ('package p\nimport (\n\tn "net"\n)\nvar a = n.IP{}\n', []),
])
def test_reaching_imports_leave_out_inert_uses(source, reaching):
    data = source.encode()
    header = read_header(data)
    assert header is not None
    assert reaching_imports(data, header) == reaching


def test_test_files_see_test_names_and_other_files_do_not(tmp_path, monkeypatch):
    files = _package(tmp_path, {
        "p.go": "package p\n\nfunc Plain() int { return 1 }\n",
        "use.go": "package p\n\n// mentions get, a test helper's name\n"
                  "func Use() int { return 2 }\n",
        "h_test.go": 'package p\n\nimport "net/http"\n\nfunc get(u string) (*http.Response, '
                     "error) {\n\treturn http.Get(u)\n}\n",
        "x_test.go": "package p\n\nfunc status(u string) int {\n\tresp, err := get(u)\n"
                     "\tif err != nil {\n\t\treturn 0\n\t}\n\treturn resp.StatusCode\n}\n",
    })
    parsed = _parsed_files(monkeypatch)
    result = runner.run(files, _ctx())
    assert sorted(set(parsed)) == ["h_test.go", "x_test.go"]
    assert [(Path(f.path).name, f.rule_id) for f in result.findings
            if f.rule_id == "LL101"] == [("x_test.go", "LL101")]
    assert _outcome(runner.run(files, _ctx(), prefilter=False)) == _outcome(result)


def test_a_left_over_file_still_gets_ll202(tmp_path):
    files = _package(tmp_path, {
        "a.go": 'package p\n\nimport "net"\n\nvar Dial = net.Dial\n',
        "loop.go": 'package p\n\nimport "os"\n\nfunc F(names []string) {\n'
                   "\tfor _, n := range names {\n\t\tf, _ := os.Open(n)\n\t\tdefer f.Close()\n"
                   "\t}\n}\n",
    })
    result = runner.run(files, _ctx())
    assert [(Path(f.path).name, f.rule_id) for f in result.findings] == [("loop.go", "LL202")]
    assert _outcome(runner.run(files, _ctx(), prefilter=False)) == _outcome(result)
    assert runner.run(files, _ctx(), prefilter=True).files_analysed == 2


@pytest.mark.parametrize(("declaration", "declared"), [
    ("func f() int { return 0 }", set()),
    ("func f() (n int, err error) { return }", set()),
    ("func f() {}", set()),
    ("func f() *T { return nil }", {"f"}),
    ("func f() any { return nil }", {"f"}),
    ("func f() io.ReadCloser { return nil }", {"f"}),
    ("func f() time.Duration { return 0 }", set()),
    ("func f() func() int { return nil }", set()),
    ("func f() func() *T { return nil }", {"f"}),
    ("func (t *T) m() *T { return t }", {"m"}),
    ("type T struct{ n int }", set()),
    ("type T struct{ r io.Reader }", {"T"}),
    ("type I interface{ Get() *T; N() int }", {"I", "Get"}),
    ("var stop = make(chan bool, 1)", set()),
    ("var n, m = 1, \"x\"", set()),
    ("var d time.Duration", set()),
    ("var c = newT()", {"c"}),
    ("var (\n\ta = &T{}\n\tb int\n)", {"a"}),
    ("var fn = func() int { return 1 }", set()),
    ("const k = 1", set()),
])
def test_names_that_may_carry_a_resource(declaration, declared):
    from leaklint.golang.index import load_file
    from leaklint.golang.reach import declared_names

    source = f'package p\n\nimport (\n\t"io"\n\t"time"\n)\n\n{declaration}\n'.encode()
    file = load_file(None, Path("p.go"), source)
    assert declared_names(file, lambda path: path == "io") == declared


@pytest.mark.parametrize(("declarations", "declared"), [
    # The package's own types are looked into: plain data carries nothing.
    ("type pos struct{ line int }\ntype name struct{ s string; at pos }\n"
     "func caseName() name { return name{} }", set()),
    ("type holder struct{ r io.Reader }\nfunc hold() *holder { return nil }",
     {"holder", "hold"}),
    # Through another local type, and through a cycle that also reaches one.
    ("type a struct{ next *b; r io.Reader }\ntype b struct{ prev *a }\n"
     "func first() b { return b{} }", {"a", "b", "first"}),
    ("type a struct{ next *b }\ntype b struct{ prev *a }\nfunc first() b { return b{} }",
     set()),
    # A type declared in no parsed file, and generic code, may carry anything.
    ("func elsewhere() other { return other{} }", {"elsewhere"}),
    ("type T struct{ n int }\nfunc pick[T any](v T) T { return v }", {"pick"}),
    ("type T struct{ n int }\ntype box[T any] struct{ v T }", {"box"}),
    ("type T struct{ n int }\ntype list[E any] []E\nfunc (l list[T]) at(i int) T { return l[i] }",
     {"list", "at"}),
    # A package-level value taken from a package that hands out nothing tracked.
    ('var clock = time.Now\nvar rd = io.EOF', {"rd"}),
])
def test_local_types_carry_only_what_they_hold(declarations, declared):
    from leaklint.golang.index import load_file
    from leaklint.golang.reach import LocalTypes, declared_names

    source = f'package p\n\nimport (\n\t"io"\n\t"time"\n)\n\n{declarations}\n'.encode()
    file = load_file(None, Path("p.go"), source)
    local = LocalTypes(lambda path: path == "io")
    local.add(file)
    assert declared_names(file, lambda path: path == "io", local) == declared


def test_mentions_leave_comments_and_literals_out_and_never_lose_code():
    from leaklint.golang.reach import mentioned_names

    source = (b'package p // get here\n/* client */ var x = "fetch(y)" + `raw` + '
              b"string('\"') + w\ns := \"unterminated q\nnext\n")
    assert mentioned_names(source) == {
        b"package", b"p", b"var", b"x", b"string", b"w", b"s", b"unterminated", b"q",
        b"next"}


@pytest.mark.parametrize("header", [
    b'package p\n\nimport (\n\t"fmt" // the ) in a comment\n\tx "net/http"\n)\n',
    b'// Copyright\n\n//go:build linux\n\npackage p\n\nimport . "net"\nimport _ "embed"\n',
    b'package p; import "a"; import ("b"; "c")\nfunc F() {}\n',
    b'package p\n\nimport /* between */ "net/http"\n',
    b'package p\n\n/*\n#include <stdio.h>\n*/\nimport "C"\n\nimport "net"\n',
    b'package p\n\nimport (\n\t"a"\n\t/* "net/http" */\n)\nvar x = `import "net"`\n',
    b'package /* odd */ p\nimport "net"\n',
    b'package p\nimport "a"\n\n\n          \nimport "net"\n',
    b'package p\nimport\t(\n"a"\n',
    b'package p\n\nfunc F() {}\nimport "net"\n',
    b'package p\n\nimport "net\\x2fhttp"\n',
    b'\xef\xbb\xbfpackage p\n\nimport "net"\n',  # after a UTF-8 byte order mark
    b'package p\n\nimport (\n\t"a"\n\t' + b" " * 5000 + b'"b" + \n)\n',
])
def test_the_fast_header_reading_agrees_with_the_token_scan(header):
    assert read_header(header) == _scanned_header(header)


def test_functions_without_an_acquisition_are_not_walked(tmp_path, monkeypatch):
    from leaklint.golang import flow

    files = _package(tmp_path, {"a.go": (
        'package p\n\nimport "net/http"\n\n'
        'func header(h http.Header) string { return h.Get("X") }\n\n'
        "func status(c *http.Client, u string) int {\n"
        "\tresp, err := c.Get(u)\n\tif err != nil {\n\t\treturn 0\n\t}\n"
        "\treturn resp.StatusCode\n}\n")})
    walked: list[str] = []
    real = flow.FunctionFlow.run

    def spy(self):
        walked.append(self.func.child_by_field_name("name").text.decode())
        return real(self)

    monkeypatch.setattr(flow.FunctionFlow, "run", spy)
    result = runner.run(files, _ctx())
    assert walked == ["status"]  # header's Get is a Header lookup: nothing to walk
    assert [f.rule_id for f in result.findings if f.rule_id == "LL101"] == ["LL101"]
