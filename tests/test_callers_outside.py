"""Who may call a function of a package only its own tree can import: the import table
and the never-called question behind LL401/LL402's dead-code rule."""

from __future__ import annotations

from pathlib import Path

from leaklint.golang.callers_outside import never_called, unused_internal


def _tree(root: Path, files: dict[str, str]) -> None:
    (root / "go.mod").write_text("module example.com/m\n\ngo 1.22\n")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


_LIB = """package lib

import "net/http"

// NewClient builds a client (this comment names it: no use).
func NewClient() *http.Client { return &http.Client{} }

// NewWrapped wraps it.
func NewWrapped() *http.Client { return NewClient() }
"""


def test_unnamed_function_never_runs(tmp_path: Path) -> None:
    _tree(tmp_path, {"internal/lib/lib.go": _LIB})
    directory = tmp_path / "internal" / "lib"
    assert never_called(directory, "lib", "NewClient")  # only a never-run wrapper names it
    assert never_called(directory, "lib", "NewWrapped")
    assert unused_internal(directory)


def test_a_caller_through_an_alias_runs_it(tmp_path: Path) -> None:
    _tree(tmp_path, {
        "internal/lib/lib.go": _LIB,
        "cmd/app/main.go": 'package main\n\nimport l "example.com/m/internal/lib"\n\n'
                           "func main() { _ = l.NewWrapped() }\n",
    })
    directory = tmp_path / "internal" / "lib"
    assert not never_called(directory, "lib", "NewWrapped")
    assert not never_called(directory, "lib", "NewClient")  # its caller runs
    assert not unused_internal(directory)


def test_a_dot_import_may_name_it_bare(tmp_path: Path) -> None:
    _tree(tmp_path, {
        "internal/lib/lib.go": _LIB,
        "cmd/app/main.go": 'package main\n\nimport . "example.com/m/internal/lib"\n\n'
                           "func main() {}\n",
    })
    assert not never_called(tmp_path / "internal" / "lib", "lib", "NewWrapped")


def test_imports_after_a_long_header_are_read(tmp_path: Path) -> None:
    header = "// licence text\n" * 2000
    _tree(tmp_path, {
        "internal/lib/lib.go": _LIB,
        "cmd/app/main.go": header + 'package main\n\nimport "example.com/m/internal/lib"\n\n'
                           "func main() { _ = lib.NewWrapped() }\n",
    })
    assert not never_called(tmp_path / "internal" / "lib", "lib", "NewWrapped")


def test_tests_and_package_variables_run_it(tmp_path: Path) -> None:
    _tree(tmp_path, {
        "internal/lib/lib.go": _LIB + "\nvar fallback = NewWrapped\n",
        "internal/other/other.go": _LIB.replace("package lib", "package other"),
        "internal/other/other_test.go": 'package other\n\nimport "testing"\n\n'
                                        "func TestWrapped(t *testing.T) { NewWrapped() }\n",
    })
    assert not never_called(tmp_path / "internal" / "lib", "lib", "NewWrapped")
    assert not never_called(tmp_path / "internal" / "other", "other", "NewWrapped")


def test_a_public_package_is_never_judged(tmp_path: Path) -> None:
    _tree(tmp_path, {"lib/lib.go": _LIB})
    assert not never_called(tmp_path / "lib", "lib", "NewWrapped")
    assert not unused_internal(tmp_path / "lib")


def test_a_module_nested_under_internal_is_private_to_the_tree_above(tmp_path: Path) -> None:
    nested = tmp_path / "internal" / "test"
    _tree(tmp_path, {"lib/lib.go": _LIB})
    nested.mkdir(parents=True)
    (nested / "go.mod").write_text("module example.com/m/internal/test\n\ngo 1.22\n")
    (nested / "gen").mkdir()
    (nested / "gen" / "gen.go").write_text(_LIB.replace("package lib", "package gen"))
    assert never_called(nested / "gen", "gen", "NewWrapped")
    assert unused_internal(nested / "gen")
    (tmp_path / "lib" / "use.go").write_text(
        'package lib\n\nimport "example.com/m/internal/test/gen"\n\n'
        "func Use() { _ = gen.NewWrapped() }\n")
    # A fresh question (the answers are cached per process and path): a new directory.
    other = nested / "gen2"
    other.mkdir()
    (other / "gen.go").write_text(_LIB.replace("package lib", "package gen2"))
    (tmp_path / "lib" / "use2.go").write_text(
        'package lib\n\nimport "example.com/m/internal/test/gen2"\n\n'
        "func Use2() { _ = gen2.NewWrapped() }\n")
    from leaklint.golang import callers_outside

    callers_outside._importers.cache_clear()
    callers_outside._module_go_files.cache_clear()
    assert not never_called(other, "gen2", "NewWrapped")
    assert not unused_internal(other)
