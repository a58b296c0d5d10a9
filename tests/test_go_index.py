"""The Go package index: what a file not parsed yet is known to declare."""

from __future__ import annotations

from leaklint.golang.index import build_index


def test_a_pending_file_is_parsed_for_its_functions_types_and_variables_not_constants(
        tmp_path):
    generated = tmp_path / "zconsts.go"
    generated.write_bytes(
        b"package p\n\nconst (\n\tA = 1\n\tB = 2\n)\n\nconst C = 3\n\n"
        b"var (\n\tv = 1\n)\n\ntype T struct{ n int }\n\nfunc helper() int { return A }\n")
    index = build_index("p", [], pending=[(generated, None)])
    assert set(index.pending) == {"v", "T", "helper"}
    assert index.funcs.get("A") is None and index.vars.get("C") is None
    assert index.files == []  # a constant's lookup parses nothing: the index keeps none
    assert index.funcs.get("helper") is not None
    assert [f.path.name for f in index.files] == ["zconsts.go"]


def test_pool_building_methods_are_known_before_their_file_is_parsed():
    """A sibling package's method that returns a Transport counts as a possible factory
    by its name, whether or not its file was parsed before the names were first asked."""
    from leaklint.golang.index import declared_names

    source = (b"package xhttp\n\nimport \"net/http\"\n\ntype Settings struct{}\n\n"
              b"func (s Settings) NewTransport() *http.Transport { return s.base() }\n"
              b"func (s Settings) Name() string { return \"\" }\n"
              b"func helper() int { return 1 }\n")
    _names, _acquiring, factories = declared_names(source)
    assert "NewTransport" in factories and "helper" in factories
    assert "Name" not in factories and "Settings.NewTransport" not in factories
