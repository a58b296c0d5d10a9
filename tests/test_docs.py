"""docs/rules/*.md are generated from the catalogue and must stay in sync with it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from leaklint import catalogue, docs

DOCS_DIR = Path(__file__).resolve().parent.parent / "docs" / "rules"
HOW = "regenerate them with `python -m leaklint.docs` and commit the result"


def test_committed_rule_docs_match_the_catalogue():
    stale = docs.stale_files(DOCS_DIR)
    assert not stale, f"docs/rules/ is out of date ({', '.join(stale)}): {HOW}"


def test_every_rule_has_a_page_and_an_index_entry():
    index = (DOCS_DIR / "README.md").read_text(encoding="utf-8")
    for rule in catalogue.load().values():
        assert (DOCS_DIR / f"{rule.id}.md").is_file(), f"{rule.id}.md missing: {HOW}"
        assert f"[{rule.id}]({rule.id}.md)" in index


def test_page_carries_the_rule_metadata_and_examples():
    rule = catalogue.rule("LL103")
    page = docs.render_rule_markdown(rule)
    assert page.startswith(docs.GENERATED.format(id="LL103"))
    assert f"# LL103 {rule.name}" in page
    assert "--extend-select LL103" in page  # opt-in rules say how to enable them
    assert rule.summary in page and rule.description in page and rule.help in page
    for ex in rule.examples:
        assert ex.code.strip("\n") in page
    assert "# noqa" not in page  # a Go-only rule shows only Go suppressions


def test_stale_detection_names_changed_missing_and_extra_pages(tmp_path):
    docs.write(tmp_path)
    assert docs.stale_files(tmp_path) == []
    (tmp_path / "LL101.md").write_text("edited by hand\n", encoding="utf-8")
    (tmp_path / "LL202.md").unlink()
    (tmp_path / "LL999.md").write_text("a removed rule\n", encoding="utf-8")
    assert docs.stale_files(tmp_path) == ["LL101.md", "LL202.md", "LL999.md"]
    docs.write(tmp_path)  # regenerating repairs all three
    assert docs.stale_files(tmp_path) == []


def test_check_mode_exit_status():
    out = subprocess.run([sys.executable, "-m", "leaklint.docs", "--check"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


@pytest.mark.parametrize("argv", [["--bogus"], ["a", "b"]])
def test_bad_arguments_exit_2(argv, capsys):
    assert docs.main(argv) == 2
    assert "usage" in capsys.readouterr().err
