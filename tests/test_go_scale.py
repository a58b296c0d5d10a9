"""Go code whose shape made the analysis superlinear: it must stay well inside the time
budget a unit of its size gets (an analysis past its budget is reported as not
analysed, so a regression shows as a missing finding, not as a slow test)."""

from __future__ import annotations

import json
import subprocess
import sys


def _else_if_chain(branches: int) -> str:
    chain = "\tif x == 0 {\n\t\tresp.Body.Close()\n\t}" + "".join(
        f" else if x == {i} {{\n\t\tresp.Body.Close()\n\t}}" for i in range(1, branches))
    return ("package p\n\nimport \"net/http\"\n\nfunc F(u string, x int) error {\n"
            "\tresp, err := http.Get(u)\n\tif err != nil {\n\t\treturn err\n\t}\n"
            f"{chain}\n\treturn nil\n}}\n")


def test_a_long_else_if_chain_closing_in_each_branch_is_analysed(tmp_path):
    # 20,000 branches (900 KB): was quadratic (36 s and more), now about a second,
    # against a budget of 1.5 s per 100 KB.
    branches = 20_000
    (tmp_path / "p.go").write_text(_else_if_chain(branches))
    done = subprocess.run(
        [sys.executable, "-m", "leaklint", "check", "--no-cache", "--format", "json",
         "--select", "LL101", "--timeout", "1.5", "."], cwd=tmp_path,
        capture_output=True, text=True, timeout=600)
    assert "not analysed" not in done.stderr
    findings = json.loads(done.stdout)["findings"]
    # The chain has no final else: when no branch matches, the body is not closed.
    assert [(f["rule"], f["line"]) for f in findings] == [("LL101", 6)]
    assert [r["line"] for r in findings[0]["related"]] == [11 + 2 * branches]


def _sdk_module(root, services: int, callers: int) -> None:
    """An SDK laid out as many generated ones are: the root package's client
    constructor calls one constructor per service package; an application package
    builds that client in many functions."""
    (root / "go.mod").write_text("module example.com/sdk\n\ngo 1.22\n")
    imports = "".join(f'\t"example.com/sdk/s{i}"\n' for i in range(services))
    fields = "".join(f"\tS{i} *s{i}.Service\n" for i in range(services))
    inits = "".join(f"\t\tS{i}: s{i}.NewService(),\n" for i in range(services))
    (root / "client.go").write_text(
        f'package sdk\n\nimport (\n\t"net/http"\n{imports})\n\n'
        f"type Client struct {{\n\tHTTP *http.Client\n{fields}}}\n\n"
        f"func NewClient() *Client {{\n\treturn &Client{{\n"
        f"\t\tHTTP: &http.Client{{Transport: &http.Transport{{}}}},\n{inits}\t}}\n}}\n")
    for i in range(services):
        (root / f"s{i}").mkdir()
        (root / f"s{i}" / "service.go").write_text(
            f"package s{i}\n\ntype Service struct{{}}\n\n"
            "func NewService() *Service { return &Service{} }\n")
    (root / "app").mkdir()
    for j in range(callers):
        (root / "app" / f"call{j}.go").write_text(
            f'package app\n\nimport "example.com/sdk"\n\n'
            f"func Call{j}() {{\n\t_ = sdk.NewClient()\n}}\n")


def test_a_constructor_reaching_more_packages_than_are_kept_indexes_each_once(
        tmp_path, monkeypatch):
    # A client constructor that calls a hundred service packages' constructors: every
    # package it reaches must be indexed once while one package is analysed. Evicting
    # them mid-analysis restarted the summaries being computed; on a real SDK of this
    # shape one package (254 files) went from a time-out to four seconds.
    from leaklint.config import Settings
    from leaklint.context import RunContext
    from leaklint.golang import module
    from leaklint.golang.analysis import analyse_package
    from leaklint.sources import SourceFile

    _sdk_module(tmp_path, services=100, callers=8)
    built: list[str] = []
    original = module._sibling_package

    def counting(import_path, directory):
        built.append(import_path)
        return original(import_path, directory)

    monkeypatch.setattr(module, "_sibling_package", counting)
    module._SIBLINGS.clear()
    module._sibling_directory.cache_clear()
    files = [SourceFile(p, p.name, p.read_bytes()) for p in sorted((tmp_path / "app").glob("*.go"))]
    results = analyse_package(files, RunContext(Settings(), frozenset({"LL301"})))
    assert len(built) == len(set(built))  # nothing indexed twice
    assert "example.com/sdk/s99" in built  # the constructor's summary reached them all
    # NewClient builds a Transport on every call: each function that calls it is reported.
    assert sorted(f.rule_id for r in results for f in r.findings) == ["LL301"] * 8
    module._SIBLINGS.clear()
