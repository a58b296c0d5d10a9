"""Configuration (SPEC §3): discovery, strict validation, Go API models."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

WRAPPED = """package app

import "example.com/acme/httpx"

func ping(u string) (int, error) {
	resp, err := httpx.Fetch(u)
	if err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

func pingClosed(u string) (int, error) {
	resp, err := httpx.Fetch(u)
	if err != nil {
		return 0, err
	}
	defer httpx.Drain(resp)
	return resp.StatusCode, nil
}

func perCall(u string) error {
	c := httpx.NewClient()
	_, err := c.Head(u)
	return err
}
"""


def check(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "leaklint", "check", ".", "--no-cache",
                           "--format", "json", *args], cwd=tmp, capture_output=True,
                          text=True, timeout=120)


def rules(out: subprocess.CompletedProcess) -> list[tuple[int, str]]:
    return sorted((f["line"], f["rule"]) for f in json.loads(out.stdout)["findings"])


@pytest.fixture
def app(tmp_path: Path) -> Path:
    (tmp_path / "app.go").write_text(WRAPPED)
    return tmp_path


def test_without_models_a_third_party_wrapper_is_unknown(app: Path):
    assert rules(check(app)) == []


def test_api_models_teach_the_go_rules(app: Path):
    (app / "leaklint.toml").write_text(
        '[go]\n'
        'response-functions = ["example.com/acme/httpx.Fetch"]\n'
        'body-closers = ["example.com/acme/httpx.Drain"]\n'
        'client-constructors = ["example.com/acme/httpx.NewClient"]\n'
    )
    assert rules(check(app)) == [(6, "LL101"), (23, "LL301")]


def test_pyproject_table_and_select(app: Path):
    (app / "pyproject.toml").write_text(
        '[tool.leaklint]\nignore = ["LL301"]\n'
        '[tool.leaklint.go]\nresponse-functions = ["example.com/acme/httpx.Fetch"]\n'
    )
    # Without the closer model the deferred helper is outside the package: handed over.
    assert rules(check(app)) == [(6, "LL101")]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("selekt = ['LL1']\n", "unknown key 'selekt'"),
        ("select = 'LL1'\n", "'select' must be a list of strings"),
        ("select = ['XYZ']\n", "allowed: rule ids or prefixes"),
        ("respect-gitignore = 'yes'\n", "'respect-gitignore' must be true or false"),
        ("[go]\nresponse-funcs = ['a.B']\n", "unknown key 'response-funcs'"),
        ("[go]\nbody-closers = ['Drain']\n", "must be a qualified name"),
        ("select = [\n", "invalid TOML"),
        ("[python]\ndefault-timeout = 0\n", "'default-timeout' must be a number of seconds"),
        ("[python]\ndefault-timeout = '30'\n", "'default-timeout' must be a number"),
        ("[python]\ndefault-timeout = true\n", "'default-timeout' must be a number"),
        ("[python]\ndefault-timeout = nan\n", "'default-timeout' must be a number"),
        ("[go]\ndefault-timeout = 30\n", "unknown key 'default-timeout'"),
    ],
)
def test_bad_configuration_exits_two_naming_file_and_key(app: Path, content, expected):
    (app / "leaklint.toml").write_text(content)
    out = check(app)
    assert out.returncode == 2
    assert "leaklint.toml" in out.stderr
    assert expected in out.stderr
    assert "Traceback" not in out.stderr


def test_explicit_config_file(app: Path, tmp_path_factory):
    other = tmp_path_factory.mktemp("cfg") / "custom.toml"
    other.write_text('ignore = ["LL"]\n')
    (app / "leaklint.toml").write_text(
        '[go]\nresponse-functions = ["example.com/acme/httpx.Fetch"]\n')
    assert rules(check(app, "--config", str(other))) == []


@pytest.mark.parametrize("value", ['"5"', "-1", "true", "inf"])
def test_timeout_must_be_a_number_of_seconds(tmp_path, value):
    from leaklint.config import ConfigError, load_file

    path = tmp_path / "leaklint.toml"
    path.write_text(f"timeout = {value}\n")
    with pytest.raises(ConfigError, match="'timeout' must be a number of seconds"):
        load_file(path)


def test_timeout_key_and_option():
    from leaklint.cli import build_parser
    from leaklint.config import parse_table

    assert parse_table({"timeout": 2}, "x", None).timeout == 2.0
    assert parse_table({"timeout": 0}, "x", None).timeout == 0.0
    assert build_parser().parse_args(["check", "--timeout", "0.5"]).timeout == 0.5
