"""Safety (SPEC §7): analysed code is never imported or run, no network is used, links out
of the scanned root are not followed, --output is all-or-nothing (errors, full disks and
signals included), and configuration is parsed safely."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from leaklint.report.output import OutputError, write_atomic

REPO = Path(__file__).resolve().parents[1]
TIMEOUT = 120

LEAKY_PY = "import requests\n\n\ndef fetch(u):\n    return requests.get(u)\n"


def run_cli(args: list[str], cwd: Path, env: dict | None = None,
            module: bool = True) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "leaklint"] if module else [shutil.which("leaklint")]
    proc = subprocess.run([*command, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=TIMEOUT, env=env, stdin=subprocess.DEVNULL)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


# --- analysed code is never imported or executed --------------------------------------


def _hostile_tree(root: Path, marker_dir: Path) -> None:
    """Files that create a marker when imported or run, under names Python would import
    (stdlib and dependency names, conftest, sitecustomize, package __init__)."""
    def payload(name: str) -> str:
        return (f"open({str(marker_dir / ('imported-' + name))!r}, 'w').close()\n"
                "import requests\nrequests.get('http://example.invalid')\n")

    for name in ("evil", "json", "re", "argparse", "pathlib", "typing", "tomllib",
                 "libcst", "tree_sitter", "pathspec", "requests", "conftest", "setup",
                 "sitecustomize", "usercustomize", "leaklint_plugin"):
        (root / f"{name}.py").write_text(payload(name), encoding="utf-8")
    pkg = root / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(payload("pkg"), encoding="utf-8")
    (pkg / "__main__.py").write_text(payload("pkg-main"), encoding="utf-8")
    (root / "gen.go").write_text(
        "package main\n\n//go:generate touch " + str(marker_dir / "go-generate") + "\n\n"
        'import "os"\n\nfunc init() { os.Create("' + str(marker_dir / "go-init") + '") }\n',
        encoding="utf-8")


@pytest.mark.parametrize("entry", ["module", "script"])
def test_analysed_code_is_never_imported_or_run(entry: str, tmp_path: Path) -> None:
    if entry == "script" and shutil.which("leaklint") is None:
        pytest.skip("the leaklint console script is not on PATH")
    tree, markers = tmp_path / "tree", tmp_path / "markers"
    tree.mkdir()
    markers.mkdir()
    _hostile_tree(tree, markers)
    # Run from inside the tree: `python -m` puts the working directory on sys.path.
    proc = run_cli(["check", "--no-cache", "--format", "json", "."], tree,
                   module=entry == "module")
    assert proc.returncode == 1, proc.stderr  # requests.get without timeout: analysed
    assert list(markers.iterdir()) == []
    paths = {f["path"] for f in json.loads(proc.stdout)["findings"]}
    assert "evil.py" in paths  # the files were read as text and analysed


def test_in_process_run_imports_nothing_from_the_tree(tmp_path: Path) -> None:
    from leaklint.config import Settings
    from leaklint.context import RunContext
    from leaklint.engine.discovery import discover
    from leaklint.engine.runner import run
    from leaklint.selection import enabled_rules

    tree, markers = tmp_path / "tree", tmp_path / "markers"
    tree.mkdir()
    markers.mkdir()
    _hostile_tree(tree, markers)
    before = set(sys.modules)
    ctx = RunContext(Settings(), enabled_rules(("LL",), ()))
    result = run(discover([str(tree)]).files, ctx, jobs=1)
    assert result.findings
    assert list(markers.iterdir()) == []
    new = {m for m in set(sys.modules) - before if not m.startswith(("leaklint", "libcst",
                                                                      "tree_sitter"))}
    assert not {m for m in new if m in ("evil", "conftest", "setup", "pkg")}, new


# --- no network --------------------------------------------------------------------------

_SOCKET_GUARD = '''
import socket

_real = socket.socket


class _NoNetwork(_real):
    def __init__(self, family=-1, type=-1, proto=-1, fileno=None):
        if fileno is None and family in (-1, socket.AF_INET, socket.AF_INET6):
            raise OSError("NETWORK-GUARD: leaklint opened an internet socket")
        super().__init__(family, type, proto, fileno)


def _refuse(*args, **kwargs):
    raise OSError("NETWORK-GUARD: leaklint resolved or connected")


socket.socket = _NoNetwork
socket.create_connection = _refuse
socket.getaddrinfo = _refuse
socket.gethostbyname = _refuse
'''


@pytest.fixture
def guarded_env(tmp_path: Path) -> dict:
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(_SOCKET_GUARD, encoding="utf-8")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(guard), env.get("PYTHONPATH")]))
    return env


def test_socket_guard_is_active(guarded_env: dict) -> None:
    # The guard must be able to fail: an internet socket under it is refused.
    proc = subprocess.run(
        [sys.executable, "-c", "import socket; socket.create_connection(('127.0.0.1', 9))"],
        capture_output=True, text=True, env=guarded_env, timeout=TIMEOUT)
    assert proc.returncode != 0
    assert "NETWORK-GUARD" in proc.stderr


@pytest.mark.parametrize("fmt", ["text", "sarif"])  # the renderers that look at the repo
def test_no_network_on_the_whole_fixture_tree(fmt: str, guarded_env: dict,
                                              tmp_path: Path) -> None:
    out = tmp_path / "report"
    proc = run_cli(["check", "--format", fmt, "--no-cache", "--jobs", "2", "-o", str(out),
                    "fixtures"], REPO, env=guarded_env)
    assert "NETWORK-GUARD" not in proc.stderr
    assert proc.returncode == 1, proc.stderr  # the fixtures are full of leaks
    assert out.stat().st_size > 0


# --- symlinks out of the scanned root -----------------------------------------------------


def test_links_out_of_the_root_are_not_followed_unless_named(tmp_path: Path) -> None:
    outside, tree = tmp_path / "outside", tmp_path / "tree"
    outside.mkdir()
    tree.mkdir()
    (outside / "leak.py").write_text(LEAKY_PY, encoding="utf-8")
    (tree / "link.py").symlink_to(outside / "leak.py")
    (tree / "linkdir").symlink_to(outside, target_is_directory=True)
    proc = run_cli(["check", "--no-cache", "--format", "json", "."], tree)
    assert json.loads(proc.stdout)["findings"] == []
    assert proc.returncode == 0
    for name in ("link.py", "linkdir"):
        assert f"{name}: symlink to outside the scanned directory" in proc.stderr
    # Named explicitly, the link is what the user asked for: analysed.
    named = run_cli(["check", "--no-cache", "--format", "json", "link.py"], tree)
    assert [f["path"] for f in json.loads(named.stdout)["findings"]] == ["link.py"]


def test_links_inside_the_root_are_analysed_once(tmp_path: Path) -> None:
    (tmp_path / "real.py").write_text(LEAKY_PY, encoding="utf-8")
    (tmp_path / "alias.py").symlink_to(tmp_path / "real.py")
    proc = run_cli(["check", "--no-cache", "--format", "json", "."], tmp_path)
    assert len(json.loads(proc.stdout)["findings"]) == 1, proc.stdout


# --- --output: atomic, all or nothing ------------------------------------------------------


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_write_atomic_failure_keeps_the_old_file_and_no_temp(tmp_path: Path,
                                                             monkeypatch) -> None:
    target = tmp_path / "report.sarif"
    target.write_text("previous report", encoding="utf-8")

    def full_disk(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OutputError, match="No space left on device"):
        write_atomic(target, "x" * 100_000)
    assert target.read_text(encoding="utf-8") == "previous report"
    assert _leftovers(tmp_path) == []


def test_write_atomic_keeps_the_mode_and_replaces_in_one_step(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    write_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    fresh = tmp_path / "fresh.json"
    write_atomic(fresh, "x")
    assert stat.S_IMODE(fresh.stat().st_mode) & 0o044  # not mkstemp's 0600
    assert _leftovers(tmp_path) == []


def test_write_atomic_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_atomic(link, "new")
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "new"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full on this system")
def test_full_disk_is_a_clear_error_and_the_device_survives(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(LEAKY_PY, encoding="utf-8")
    proc = run_cli(["check", "--no-cache", "--format", "sarif", "-o", "/dev/full", "."],
                   tmp_path)
    assert proc.returncode == 2
    assert "leaklint: error: /dev/full: cannot write output: No space left on device" \
        in proc.stderr
    # A device is written in place, never replaced by a renamed regular file.
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_unwritable_output_paths_are_clear_errors(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(LEAKY_PY, encoding="utf-8")
    (tmp_path / "adir").mkdir()
    for target, reason in [("missing/out.json", "No such file or directory"),
                           ("adir", "is a directory"),
                           ("a.py/out.json", "Not a directory")]:
        proc = run_cli(["check", "--no-cache", "--format", "json", "-o", target, "."],
                       tmp_path)
        assert proc.returncode == 2, (target, proc.stderr)
        assert f"leaklint: error: {target}: cannot write output: {reason}" in proc.stderr
    assert (tmp_path / "a.py").read_text(encoding="utf-8") == LEAKY_PY


def test_read_only_directory_output(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(LEAKY_PY, encoding="utf-8")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        writable = os.access(locked, os.W_OK)  # root writes anyway
        proc = run_cli(["check", "--no-cache", "-o", "locked/out.txt", "."], tmp_path)
        if writable:
            assert proc.returncode == 1 and (locked / "out.txt").is_file()
        else:
            assert proc.returncode == 2
            assert "cannot write output: Permission denied" in proc.stderr
            assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


_SIGNAL_AT_WRITE = textwrap.dedent('''
    import os, signal, sys
    import leaklint.report.output as output

    real_fsync = os.fsync

    def fsync_then_signal(fd):
        real_fsync(fd)
        os.kill(os.getpid(), getattr(signal, sys.argv[1]))  # mid-write, temp file exists

    output.os.fsync = fsync_then_signal
    from leaklint.cli import main
    sys.exit(main(sys.argv[2:]))
''')


def _default_sigint() -> None:
    """In the child, before exec: SIGINT back to its default. A shell starts background
    jobs with SIGINT ignored, the child inherits that, and Python then installs no
    KeyboardInterrupt handler: the test must not depend on how pytest was launched."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize(("signame", "code", "word"),
                         [("SIGTERM", 143, "terminated"), ("SIGINT", 130, "interrupted")])
def test_signal_during_write_leaves_nothing(signame: str, code: int, word: str,
                                            tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(LEAKY_PY, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-c", _SIGNAL_AT_WRITE, signame, "check", "--no-cache",
         "--format", "sarif", "-o", "out.sarif", "."],
        cwd=tmp_path, capture_output=True, text=True, timeout=TIMEOUT,
        preexec_fn=_default_sigint)
    assert proc.returncode == code, proc.stderr
    assert f"leaklint: {word}" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out.sarif").exists()
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_signal_from_outside_leaves_all_or_nothing(sig: int, code: int,
                                                    tmp_path: Path) -> None:
    # A run long enough to be caught mid-way; wherever the signal lands, the output file
    # is complete or absent, never partial.
    tree = tmp_path / "tree"
    tree.mkdir()
    for i in range(400):
        (tree / f"m{i}.py").write_text(LEAKY_PY * 20, encoding="utf-8")
    out = tmp_path / "out.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "leaklint", "check", "--no-cache", "--jobs", "1",
         "--format", "json", "-o", str(out), "tree"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=_default_sigint)
    try:
        try:
            proc.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            proc.send_signal(sig)
        _, err = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "Traceback" not in err
    if proc.returncode == code:
        assert not out.exists()
    else:  # it finished before the signal: the report is whole
        assert proc.returncode == 1, err
        report = json.loads(out.read_text(encoding="utf-8"))
        assert len({f["path"] for f in report}) == 400
    assert _leftovers(tmp_path) == []


# --- configuration ------------------------------------------------------------------------


@pytest.mark.parametrize(("content", "reason"), [
    (b"[tool.leaklint]\nselect = [\n", "invalid TOML"),
    (b"[tool.leaklint]\nselekt = []\n", "unknown key 'selekt'"),
    (b"[tool.leaklint]\nselect = 'LL1'\n", "select"),
    (b"[tool.leaklint]\nselect = " + b"[" * 5000 + b"]" * 5000 + b"\n", "nested too deeply"),
    (b"\xff\xfe[tool.leaklint]\n", "not valid UTF-8"),
    (b"[tool.leaklint]\nselect = ['__import__(\"os\").system(\"false\")']\n", "select"),
])
def test_malformed_configuration_is_a_clear_error(content: bytes, reason: str,
                                                  tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_bytes(content)
    (tmp_path / "a.py").write_text(LEAKY_PY, encoding="utf-8")
    proc = run_cli(["check", "--no-cache", "."], tmp_path)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("leaklint: error: ") and "pyproject.toml" in lines[0]
    assert reason in lines[0]
    assert proc.stdout == ""  # no report from a run that did not happen


def test_unknown_config_file_is_a_clear_error(tmp_path: Path) -> None:
    proc = run_cli(["check", "--config", "nope.toml", "."], tmp_path)
    assert proc.returncode == 2
    assert "nope.toml: configuration file not found" in proc.stderr
