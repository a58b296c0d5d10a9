import subprocess
import sys

from leaklint import __version__


def test_version_from_module_entry_point():
    out = subprocess.run(
        [sys.executable, "-m", "leaklint", "--version"], capture_output=True, text=True
    )
    assert out.returncode == 0
    assert out.stdout.strip() == f"leaklint {__version__}"
