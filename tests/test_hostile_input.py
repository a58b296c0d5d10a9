"""Hostile names, streams, caches and patterns: none may cost a run its findings.

Each test reproduces one way a run used to stop (internal error, no report), report
wrong results silently, or leave damage behind, through the real command line where the
user would meet it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote_to_bytes

import pytest
from conftest import GO_LEAK

TIMEOUT = 120

NOQA = "no" "qa"  # spelt in two parts, or the linter reads it as a directive
PY_LEAK = "import requests\n\n\ndef f(u):\n    return requests.get(u)\n"  # LL402, line 5

ENV = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
       "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
       "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def leaklint(args: list[str], cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "leaklint", *args], cwd=cwd,
                          capture_output=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL,
                          **kwargs)
    assert b"Traceback" not in proc.stderr, proc.stderr.decode(errors="replace")
    assert b"internal error" not in proc.stderr, proc.stderr.decode(errors="replace")
    return proc


def shell(command: str, cwd: Path) -> int:
    """Run `command` under sh (for `>&-`); its exit status."""
    return subprocess.run(["sh", "-c", command], cwd=cwd, timeout=TIMEOUT,
                          stdin=subprocess.DEVNULL, env={**os.environ,
                                                         "PYTHON": sys.executable}).returncode


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env=ENV)


def unquote_name(shown: str) -> bytes:
    """The bytes of a file name as leaklint shows it: plain, or git's C-quoted form."""
    if not shown.startswith('"'):
        return os.fsencode(shown)
    body = shown[1:-1]
    out = bytearray()
    i = 0
    simple = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}
    while i < len(body):
        c = body[i]
        if c != "\\":
            out += c.encode()
            i += 1
        elif body[i + 1] in simple:
            out.append(simple[body[i + 1]])
            i += 2
        else:
            out.append(int(body[i + 1:i + 4], 8))
            i += 4
    return bytes(out)


# --- 1. file names that are not UTF-8 ------------------------------------------------------

def _non_utf8_tree(root: Path) -> tuple[bytes, bytes, bytes]:
    go, py, empty = b"leak\xe9.go", b"leak\xff.py", b"empty\xe9.go"
    base = os.fsencode(root)
    for name, text in ((go, GO_LEAK), (py, PY_LEAK), (empty, "")):
        with open(os.path.join(base, name), "w", encoding="utf-8") as fh:
            fh.write(text)
    return go, py, empty


@pytest.mark.parametrize("cache", [True, False], ids=["cache", "no-cache"])
def test_non_utf8_name_round_trips(tmp_path: Path, cache: bool) -> None:
    go, py, _ = _non_utf8_tree(tmp_path)
    flags = [] if cache else ["--no-cache"]
    for _ in range(2 if cache else 1):  # cold, then warm (entries and run records)
        text = leaklint(["check", *flags, "."], tmp_path)
        assert text.returncode == 1, text.stderr
        shown = {unquote_name(m.group(1)) for m in re.finditer(
            r"^(.+?):\d+:\d+: LL\d{3} ", text.stdout.decode("utf-8"), re.M)}
        assert shown == {go, py}

        data = leaklint(["check", *flags, "--format", "json", "."], tmp_path)
        assert data.returncode == 1
        found = json.loads(data.stdout)["findings"]
        assert {unquote_name(f["path"]) for f in found} == {go, py}

        sarif = leaklint(["check", *flags, "--format", "sarif", "."], tmp_path)
        assert sarif.returncode == 1
        log = json.loads(sarif.stdout)
        uris = {unquote_to_bytes(r["locations"][0]["physicalLocation"]["artifactLocation"]
                                 ["uri"]) for r in log["runs"][0]["results"]}
        assert uris == {go, py}

        github = leaklint(["check", *flags, "--format", "github", "."], tmp_path)
        assert github.returncode == 1
        assert github.stdout.count(b"::") >= 4

        gitlab = leaklint(["check", *flags, "--format", "gitlab", "."], tmp_path)
        assert gitlab.returncode == 1
        assert {unquote_name(i["location"]["path"])
                for i in json.loads(gitlab.stdout)} == {go, py}

        junit = leaklint(["check", *flags, "--format", "junit", "."], tmp_path)
        assert junit.returncode == 1
        suites = ET.fromstring(junit.stdout).findall("testsuite")
        assert {unquote_name(suite.get("name")) for suite in suites} == {go, py}


def test_non_utf8_name_is_valid_sarif(tmp_path: Path) -> None:
    from test_sarif_schema import schema_validator

    _non_utf8_tree(tmp_path)
    (tmp_path / "bad.go").write_bytes(b"package x\n\xff\xfe")  # a notice for a file too
    proc = leaklint(["check", "--no-cache", "--format", "sarif", "."], tmp_path)
    log = json.loads(proc.stdout)
    assert not list(schema_validator().iter_errors(log))


def test_non_utf8_name_in_a_notice_is_escaped(tmp_path: Path) -> None:
    name = os.path.join(os.fsencode(tmp_path), b"bin\xe9.go")
    with open(name, "wb") as fh:
        fh.write(b"package x\n\0\0")
    proc = leaklint(["check", "--no-cache", "."], tmp_path)
    assert proc.returncode == 0
    assert b'"bin\\351.go": binary content' in proc.stderr


# --- 2. a cache that cannot be written ---------------------------------------------------

def _leaky_repo(root: Path) -> None:
    (root / ".git").mkdir()
    (root / "leak.go").write_text(GO_LEAK, encoding="utf-8")
    (root / "leak.py").write_text(PY_LEAK, encoding="utf-8")


def _cache_notices(stderr: bytes) -> list[str]:
    return [line for line in stderr.decode().splitlines() if "cache" in line]


def test_cache_that_is_a_regular_file_warns_once_and_runs_without(tmp_path: Path) -> None:
    _leaky_repo(tmp_path)
    (tmp_path / ".leaklint_cache").write_text("not a directory")
    for args in (["."], ["leak.go", "leak.py"]):
        proc = leaklint(["check", "--format", "json", *args], tmp_path)
        assert proc.returncode == 1, proc.stderr
        assert {f["rule"] for f in json.loads(proc.stdout)["findings"]} >= {"LL101", "LL402"}
        notices = _cache_notices(proc.stderr)
        assert len(notices) == 1, proc.stderr
        assert ".leaklint_cache" in notices[0] and "without" in notices[0]
    assert (tmp_path / ".leaklint_cache").read_text() == "not a directory"


def test_unwritable_cache_warns_once_and_runs_without(tmp_path: Path, monkeypatch,
                                                      capsys) -> None:
    """A read-only project root (or --config directory): any write under the cache
    fails. As root, permissions do not stop writes: the failure is simulated."""
    from leaklint import cli

    _leaky_repo(tmp_path)
    real_mkdir, real_open = os.mkdir, os.open

    def refuse(path, *args, **kwargs):
        if ".leaklint_cache" in os.fsdecode(path):
            raise PermissionError(13, "Permission denied", os.fsdecode(path))
        return None

    monkeypatch.setattr(os, "mkdir", lambda p, *a, **k: refuse(p) or real_mkdir(p, *a, **k))
    monkeypatch.setattr(os, "open", lambda p, *a, **k: refuse(p) or real_open(p, *a, **k))
    monkeypatch.chdir(tmp_path)
    for args in (["."], ["leak.go", "leak.py"]):
        code = cli.main(["check", "--format", "json", "-j", "1", *args])
        out, err = capsys.readouterr()
        assert code == 1, err
        assert {f["rule"] for f in json.loads(out)["findings"]} >= {"LL101", "LL402"}
        assert len(_cache_notices(err.encode())) == 1, err
        assert "Permission denied" in err or "permission denied" in err
    assert not (tmp_path / ".leaklint_cache").exists()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="permissions do not stop root")
def test_read_only_project_root_warns_once_and_runs(tmp_path: Path) -> None:
    _leaky_repo(tmp_path)
    tmp_path.chmod(0o555)
    try:
        proc = leaklint(["check", "--format", "json", "."], tmp_path)
    finally:
        tmp_path.chmod(0o755)
    assert proc.returncode == 1
    assert len(_cache_notices(proc.stderr)) == 1


# --- 3. .gitignore lines git accepts and the pattern library does not ----------------------

@pytest.mark.parametrize("line", ["foo\\", "!", "[z-a]", "\\"])
def test_gitignore_line_git_accepts_matches_nothing(tmp_path: Path, line: str) -> None:
    _leaky_repo(tmp_path)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "leak.go").write_text(GO_LEAK, encoding="utf-8")
    (tmp_path / "sub" / "ignored.go").write_text(GO_LEAK, encoding="utf-8")
    (tmp_path / "sub" / ".gitignore").write_text(f"{line}\nignored.go\n", encoding="utf-8")
    proc = leaklint(["check", "--no-cache", "--format", "json", "."], tmp_path)
    assert proc.returncode == 1, proc.stderr
    paths = {f["path"] for f in json.loads(proc.stdout)["findings"]}
    assert paths == {"leak.go", "leak.py", "sub/leak.go"}


@pytest.mark.parametrize("where", ["leaklint.toml", "pyproject.toml", "--exclude"])
def test_exclude_pattern_the_library_rejects_is_a_config_error(tmp_path: Path,
                                                                where: str) -> None:
    _leaky_repo(tmp_path)
    args = ["check", "--no-cache", "."]
    if where == "leaklint.toml":
        (tmp_path / where).write_text('extend-exclude = ["ok", "[z-a]"]\n')
        key = "extend-exclude"
    elif where == "pyproject.toml":
        (tmp_path / where).write_text('[tool.leaklint]\nexclude = ["foo\\\\"]\n')
        key = "exclude"
    else:
        args += ["--exclude", "a,!"]
        key = "--exclude"
    proc = leaklint(args, tmp_path)
    assert proc.returncode == 2
    assert key in proc.stderr.decode() and "pattern" in proc.stderr.decode()
    assert proc.stdout == b""


def test_gitignore_reversed_range_matches_its_first_character_as_git_does(
        tmp_path: Path) -> None:
    """git's wildmatch reads `[z-a]` as the character z (the range itself is empty)."""
    _leaky_repo(tmp_path)
    for name in ("z.go", "y.go", "a.go"):
        (tmp_path / name).write_text(GO_LEAK, encoding="utf-8")
    (tmp_path / ".gitignore").write_text("[z-a].go\n", encoding="utf-8")
    proc = leaklint(["check", "--no-cache", "--format", "json", "."], tmp_path)
    found = json.loads(proc.stdout)["findings"]
    assert {f["path"] for f in found} == {"a.go", "y.go", "leak.go", "leak.py"}


# --- 8. stdout or stderr closed ----------------------------------------------------------

def test_closed_stdout_or_stderr_keeps_exit_status_and_output(tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "ok.go").write_text("package ok\n", encoding="utf-8")
    (clean / "bin.go").write_bytes(b"package x\n\0")  # a notice goes to stderr
    leaky = tmp_path / "leaky"
    leaky.mkdir()
    _leaky_repo(leaky)
    (leaky / "bin.go").write_bytes(b"package x\n\0")
    run = '"$PYTHON" -m leaklint check --no-cache'
    for directory, status in ((clean, 0), (leaky, 1)):
        assert shell(f"{run} . >&-", directory) == status
        assert shell(f"{run} . 2>&-", directory) == status
        assert shell(f"{run} . >&- 2>&-", directory) == status
        assert shell(f"{run} --format json -o report.json . >&- 2>&-", directory) == status
        report = json.loads((directory / "report.json").read_text())["findings"]
        assert bool(report) == bool(status)
        (directory / "report.json").unlink()


# --- 9. --diff-base and file names git writes specially ---------------------------------

CLEAN_FETCH = (
    'package fetch\n\nimport "net/http"\n\n'
    "func Fetch(u string) int {\n"
    "\tresp, err := http.Get(u)\n"
    "\tif err != nil {\n\t\treturn 0\n\t}\n"
    "\tdefer resp.Body.Close()\n"
    "\treturn resp.StatusCode\n"
    "}\n"
)
LEAKY_FETCH = CLEAN_FETCH.replace("\tdefer resp.Body.Close()\n", "")


@pytest.mark.parametrize("name", [b"with space.go", b"tab\there.go", b'quo"te.go',
                                  "caf\u00e9 bar.go".encode(), b"back\\slash.go",
                                  b"raw\xe9 byte.go"],
                         ids=["space", "tab", "quote", "non-ascii", "backslash", "non-utf8"])
def test_diff_base_keeps_findings_in_names_with_spaces_and_quotes(tmp_path: Path,
                                                                  name: bytes) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    target = os.path.join(os.fsencode(tmp_path), name)
    with open(target, "w", encoding="utf-8") as fh:
        fh.write(CLEAN_FETCH)
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "base")
    with open(target, "w", encoding="utf-8") as fh:
        fh.write(LEAKY_FETCH)
    proc = leaklint(["check", "--no-cache", "--format", "json", "--diff-base", "main", "."],
                    tmp_path)
    assert proc.returncode == 1, proc.stderr
    found = json.loads(proc.stdout)["findings"]
    assert {unquote_name(f["path"]) for f in found} == {name}


# --- 10. lines end at \n, \r\n and \r only -------------------------------------------------

@pytest.mark.parametrize("separator", ["\f", "\v", "\x1c", "\x1d", "\x1e", "\x85",
                                       "\u2028", "\u2029"])
def test_suppression_lines_ignore_unicode_line_separators(tmp_path: Path,
                                                          separator: str) -> None:
    # A noqa comment on the line above a leak must not reach it through a separator
    # str.splitlines() counts; a //nolint on the leak's own line must keep working.
    py = ("import requests\n\n\n"
          f"def f(u):\n    x = 1  # {NOQA} {separator} comment\n    return requests.get(u)\n")
    go = GO_LEAK.replace("func fetch", f"// a {separator} b\nfunc fetch").replace(
        "\tresp, err := http.Get(u)\n", "\tresp, err := http.Get(u) //nolint\n")
    (tmp_path / "a.py").write_text(py, encoding="utf-8")
    (tmp_path / "b.go").write_text(go, encoding="utf-8")
    proc = leaklint(["check", "--no-cache", "--format", "json", "."], tmp_path)
    found = [(f["path"], f["line"], f["rule"])
             for f in json.loads(proc.stdout)["findings"]]
    assert found == [("a.py", 6, "LL402")], proc.stderr


def test_no_line_split_uses_str_splitlines() -> None:
    """Every position computation splits on \\n (lone CRs are made \\n on reading):
    splitlines() also splits on form feeds and Unicode separators."""
    package = Path(__file__).resolve().parent.parent / "leaklint"
    offenders = []
    for path in sorted(package.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
            if ".splitlines(" in line and "# not positions" not in line:
                offenders.append(f"{path.relative_to(package)}:{number}")
    assert not offenders


# --- 11. the cache key names the parsers' versions ---------------------------------------

def test_cache_key_includes_parser_and_python_versions(tmp_path: Path, monkeypatch) -> None:
    from leaklint.engine import cache

    before = cache.code_fingerprint()
    fake = tmp_path / "site"
    (fake / "libcst-99.0.dist-info").mkdir(parents=True)
    (fake / "libcst").mkdir()
    monkeypatch.syspath_prepend(str(fake))
    assert cache.code_fingerprint() != before
    monkeypatch.undo()
    assert cache.code_fingerprint() == before
    for name in ("tree_sitter", "tree_sitter_go"):
        site = tmp_path / name
        (site / f"{name}-99.0.dist-info").mkdir(parents=True)
        (site / name).mkdir()
        monkeypatch.syspath_prepend(str(site))
        assert cache.code_fingerprint() != before, name
        monkeypatch.undo()
    monkeypatch.setattr(sys, "version", sys.version + " (another build)")
    assert cache.code_fingerprint() != before


# --- 12. codecs CPython refuses in a coding declaration ----------------------------------

@pytest.mark.parametrize("codec", ["utf-16", "utf-32", "utf-16-le", "rot13", "hex",
                                   "cp037", "undefined", "no-such-codec"])
def test_coding_declaration_cpython_refuses_is_ll000(tmp_path: Path, codec: str) -> None:
    target = tmp_path / "declared.py"
    target.write_bytes(f"# -*- coding: {codec} -*-\n".encode() + PY_LEAK.encode())
    proc = leaklint(["check", "--no-cache", "--format", "json", "declared.py"], tmp_path)
    assert proc.returncode == 1, proc.stderr
    found = json.loads(proc.stdout)["findings"]
    assert [(f["rule"], f["line"]) for f in found] == [("LL000", 1)]
    assert codec in found[0]["message"]


def test_coding_declaration_python_accepts_is_still_analysed(tmp_path: Path) -> None:
    target = tmp_path / "declared.py"
    target.write_bytes(b"# -*- coding: cp1252 -*-\n" + PY_LEAK.encode())
    proc = leaklint(["check", "--no-cache", "--format", "json", "declared.py"], tmp_path)
    found = json.loads(proc.stdout)["findings"]
    assert [(f["rule"], f["line"]) for f in found] == [("LL402", 6)]


# --- 14. a symlinked cache directory -----------------------------------------------------

def test_symlinked_cache_is_refused_with_a_notice(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    _leaky_repo(project)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (project / ".leaklint_cache").symlink_to(elsewhere, target_is_directory=True)
    for args in (["."], ["leak.go"]):
        proc = leaklint(["check", "--format", "json", *args], project)
        assert proc.returncode == 1
        notices = _cache_notices(proc.stderr)
        assert len(notices) == 1 and "symlink" in notices[0], proc.stderr
    assert list(elsewhere.iterdir()) == []
    # A link further in (a committed v1 directory, or one shard of it) is refused too.
    (project / ".leaklint_cache").unlink()
    (project / ".leaklint_cache").mkdir()
    (project / ".leaklint_cache" / "v1").symlink_to(elsewhere, target_is_directory=True)
    proc = leaklint(["check", "--format", "json", "."], project)
    assert proc.returncode == 1 and len(_cache_notices(proc.stderr)) == 1
    assert list(elsewhere.iterdir()) == []


def test_symlinked_cache_shard_is_not_written_through(tmp_path: Path) -> None:
    from leaklint.engine.cache import Cache

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    cache = Cache(tmp_path, "salt")
    assert cache.open() is None
    key = cache.key([b"x"])
    (cache.directory / "v1").mkdir(parents=True, exist_ok=True)
    (cache.directory / "v1" / key[:2]).symlink_to(elsewhere, target_is_directory=True)
    cache.put(key, {"findings": [], "problems": [], "suppressed": 0, "files": 1})
    assert list(elsewhere.iterdir()) == []


# --- 15. temporary files left in the cache ----------------------------------------------

def test_stale_tmp_files_in_the_cache_are_removed_on_start(tmp_path: Path) -> None:
    _leaky_repo(tmp_path)
    assert leaklint(["check", "."], tmp_path).returncode == 1
    cache = tmp_path / ".leaklint_cache"
    shard = next(p for p in (cache / "v1").iterdir() if p.is_dir() and len(p.name) == 2)
    assert not [p for p in cache.rglob(".tmp-*")]
    old = time.time() - 3600

    def leave(*paths: Path) -> list[Path]:
        for path in paths:
            path.write_bytes(b"")
            os.utime(path, (old, old))
        return list(paths)

    stale = leave(cache / "tmp" / ".tmp-stale", cache / "tmp" / ".tmp-memo")
    fresh = cache / "tmp" / ".tmp-fresh"  # another run may be writing this one right now
    fresh.write_bytes(b"")
    assert leaklint(["check", "leak.go"], tmp_path).returncode == 1
    assert [p for p in stale if p.exists()] == []
    assert fresh.exists()
    # Debris beside the entries (where temporary files used to be written) goes once.
    fresh.unlink()
    (cache / "tmp").rmdir()
    (cache / "v1" / "runs").mkdir(exist_ok=True)
    stale = leave(shard / ".tmp-stale", cache / ".tmp-tag", cache / "v1" / ".tmp-memo",
                  cache / "v1" / "runs" / ".tmp-run")
    assert leaklint(["check", "leak.go"], tmp_path).returncode == 1
    assert [p for p in stale if p.exists()] == []


def test_interrupted_cache_write_leaves_no_tmp_file(tmp_path: Path, monkeypatch) -> None:
    """A signal right after the temporary file is created (before its name is known to
    the caller of mkstemp) must not leave it behind."""
    from leaklint.engine.cache import Cache

    cache = Cache(tmp_path, "salt")
    assert cache.open() is None
    real_open = os.open

    def interrupted(path, flags, *args, **kwargs):
        fd = real_open(path, flags, *args, **kwargs)
        if ".tmp-" in os.fsdecode(path):
            os.close(fd)
            raise KeyboardInterrupt
        return fd

    monkeypatch.setattr(os, "open", interrupted)
    with pytest.raises(KeyboardInterrupt):
        cache.put(cache.key([b"x"]), {"findings": [], "problems": [], "suppressed": 0,
                                      "files": 1})
    monkeypatch.undo()
    assert [p for p in cache.directory.rglob(".tmp-*")] == []
    assert cache.get(cache.key([b"x"])) is None


# --- 16. -o naming an input file -------------------------------------------------------

@pytest.mark.parametrize("how", ["named", "inside", "link"])
def test_output_naming_an_input_file_is_refused(tmp_path: Path, how: str) -> None:
    _leaky_repo(tmp_path)
    if how == "named":
        args, output = ["leak.go"], "leak.go"
    elif how == "inside":
        args, output = ["."], "leak.py"
    else:
        (tmp_path / "report.txt").symlink_to(tmp_path / "leak.go")
        args, output = ["."], "report.txt"
    before = (tmp_path / "leak.go").read_bytes(), (tmp_path / "leak.py").read_bytes()
    proc = leaklint(["check", "--no-cache", "-o", output, *args], tmp_path)
    assert proc.returncode == 2
    assert b"output" in proc.stderr and os.fsencode(output) in proc.stderr
    assert ((tmp_path / "leak.go").read_bytes(), (tmp_path / "leak.py").read_bytes()) == before
