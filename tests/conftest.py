"""Shared test helpers: where the repository and its fixtures live, and CI detection."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = REPO_ROOT / "fixtures"
GO_FIXTURES = FIXTURES / "go"

# A Go file with one LL101 (and one LL402) at line 6: the control case the bad-input
# tests compare against.
GO_LEAK = (
    "package demo\n\n"
    'import "net/http"\n\n'
    "func fetch(u string) int {\n"
    "\tresp, err := http.Get(u)\n"
    "\tif err != nil {\n"
    "\t\treturn 0\n"
    "\t}\n"
    "\treturn resp.StatusCode\n"
    "}\n"
)


def in_ci() -> bool:
    """True on a CI runner (CI=true, CI=1 ...): there, a missing tool is a failure, not a skip."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES
