"""The Go fixtures are real Go: the fixture module type-checks with the Go toolchain.

Third-party packages are local stand-ins wired with `replace`, so the build needs no
network. Outside CI the test is skipped (with its reason shown) when `go` is not on PATH;
in CI a missing toolchain is a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import GO_FIXTURES, in_ci


def _go() -> str:
    go = shutil.which("go")
    if go is None:
        if in_ci():
            pytest.fail("the Go toolchain is required in CI but `go` is not on PATH")
        pytest.skip("`go` is not on PATH: cannot type-check fixtures/go (required in CI)")
    return go


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        GOFLAGS="-mod=mod",
        GOPROXY="off",  # every dependency is a local replace: nothing may be downloaded
        GOTOOLCHAIN="local",  # never fetch another toolchain because of the go line
        GOWORK="off",  # a go.work further up must not change what is built
    )
    if not any(env.get(k) for k in ("GOCACHE", "XDG_CACHE_HOME", "HOME")):
        env["GOCACHE"] = str(tmp_path / "gocache")
    if not any(env.get(k) for k in ("GOMODCACHE", "GOPATH", "HOME")):
        env["GOMODCACHE"] = str(tmp_path / "gomodcache")
    return env


def _nested_modules() -> list[Path]:
    """Modules nested in the fixture tree (a module under an internal/ directory of its
    repository, say), the third-party stand-ins aside: go builds each on its own."""
    return sorted(p.parent for p in GO_FIXTURES.rglob("go.mod")
                  if p.parent != GO_FIXTURES
                  and "stubs" not in p.relative_to(GO_FIXTURES).parts)


def test_fixture_module_builds(tmp_path: Path) -> None:
    go = _go()
    # Build a copy so the toolchain can never rewrite go.mod or add go.sum in the tree.
    copy = tmp_path / "fixtures-go"
    shutil.copytree(GO_FIXTURES, copy)
    modules = [copy] + [copy / m.relative_to(GO_FIXTURES) for m in _nested_modules()]
    for module in modules:
        before = (module / "go.mod").read_text("utf-8")
        proc = subprocess.run(
            [go, "build", "./..."], cwd=module, env=_env(tmp_path),
            capture_output=True, text=True, timeout=600,
        )
        assert proc.returncode == 0, f"go build ./... failed:\n{proc.stdout}{proc.stderr}"
        # go build skips _test.go files; compiling the tests (running none) covers them.
        proc = subprocess.run(
            [go, "test", "-count=1", "-run", "^$", "./..."], cwd=module, env=_env(tmp_path),
            capture_output=True, text=True, timeout=600,
        )
        assert proc.returncode == 0, (
            f"go test -run '^$' ./... failed:\n{proc.stdout}{proc.stderr}")
        assert (module / "go.mod").read_text("utf-8") == before, "go build changed go.mod"
        assert not (module / "go.sum").exists(), "a fixture module must need no go.sum"


def test_build_sees_every_fixture_package_but_ll000(tmp_path: Path) -> None:
    go = _go()
    listed: set[str] = set()
    for module in [GO_FIXTURES, *_nested_modules()]:
        proc = subprocess.run(
            [go, "list", "./..."], cwd=module, env=_env(tmp_path),
            capture_output=True, text=True, timeout=600,
        )
        assert proc.returncode == 0, proc.stderr
        listed |= {line.strip() for line in proc.stdout.splitlines() if line.strip()}
    dirs = {p.parent for p in GO_FIXTURES.rglob("*.go")
            if "stubs" not in p.relative_to(GO_FIXTURES).parts}
    expected = {
        "example.com/fixtures/" + d.relative_to(GO_FIXTURES).as_posix()
        for d in dirs if not d.name.startswith("_")
    }
    assert expected <= listed, f"packages go build would skip: {sorted(expected - listed)}"
    assert not any("/_" in p for p in listed), "the LL000 directory must be ignored by go"


def test_every_requirement_is_replaced_by_a_local_stub() -> None:
    text = (GO_FIXTURES / "go.mod").read_text("utf-8")
    assert re.search(r"^module example\.com/fixtures$", text, re.MULTILINE)
    required = set(re.findall(r"^\s+(\S+)\s+v\S+\s*$", text, re.MULTILINE))
    replaced = dict(re.findall(r"^\s+(\S+)\s+=>\s+(\./\S+)\s*$", text, re.MULTILINE))
    assert required, "the fixtures use third-party stand-ins; go.mod should require them"
    assert required == set(replaced), f"required but not replaced: {required - set(replaced)}"
    for module_path, local in replaced.items():
        stub = GO_FIXTURES / local
        stub_mod = (stub / "go.mod").read_text("utf-8")
        assert f"module {module_path}\n" in stub_mod, f"{local}/go.mod is not {module_path}"
        assert "require" not in stub_mod, f"{local} must have no dependencies of its own"


def test_fixtures_are_gofmt_clean() -> None:
    go = _go()
    gofmt = shutil.which("gofmt") or str(Path(go).with_name("gofmt"))
    files = [str(p) for p in sorted(GO_FIXTURES.rglob("*.go"))
             if not any(part.startswith("_") for part in p.relative_to(GO_FIXTURES).parts)]
    proc = subprocess.run([gofmt, "-l", *files], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "", f"fixtures not gofmt-formatted:\n{proc.stdout}"
