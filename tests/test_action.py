"""action.yml (composite action) and the README's pull-request workflow: structure checks."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[1]
INPUT_REF = re.compile(r"\$\{\{[^}]*\binputs\.([A-Za-z0-9_-]+)")
UPLOAD = "github/codeql-action/upload-sarif@v4"


def _action() -> dict:
    return yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))


def _strings(node) -> list[str]:
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return [node] if isinstance(node, str) else []


def _used_inputs(steps: list[dict]) -> set[str]:
    used = {name for text in _strings(steps) for name in INPUT_REF.findall(text)}
    # `if:` holds a bare expression, without ${{ }}.
    for step in steps:
        used.update(re.findall(r"\binputs\.([A-Za-z0-9_-]+)", str(step.get("if", ""))))
    return used


def _readme_workflows() -> list[dict]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```ya?ml\n(.*?)```", text, flags=re.S)
    docs = [yaml.safe_load(b) for b in blocks]
    return [d for d in docs if isinstance(d, dict) and "jobs" in d]


def _assert_run_steps_have_shell(steps: list[dict]) -> None:
    for step in steps:
        if "run" in step:
            assert step.get("shell"), f"step {step.get('name')!r} runs a script without shell"


def test_action_metadata():
    action = _action()
    assert action["name"] and action["description"]
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) >= {"paths", "args", "sarif-file", "category", "upload",
                                     "python-version", "version"}
    for name, spec in action["inputs"].items():
        assert spec.get("description"), name
    for name, spec in action.get("outputs", {}).items():
        assert re.fullmatch(r"\$\{\{ steps\.[\w-]+\.outputs\.[\w-]+ \}\}", spec["value"]), name


def test_every_input_is_used_and_no_unknown_input_is_read():
    action = _action()
    used = _used_inputs(action["runs"]["steps"])
    assert used == set(action["inputs"])


def test_every_run_step_has_a_shell():
    _assert_run_steps_have_shell(_action()["runs"]["steps"])


def test_upload_step_is_conditional_on_its_input_and_on_a_written_report():
    steps = _action()["runs"]["steps"]
    (upload,) = [s for s in steps if s.get("uses") == UPLOAD]
    # Not always(): after exit status 2 no report exists, and uploading nothing only adds
    # a second, misleading error.
    assert upload["if"] == "inputs.upload == 'true' && steps.run.outputs.sarif-written == 'true'"
    assert upload["with"]["sarif_file"] == "${{ inputs.sarif-file }}"
    assert upload["with"]["category"] == "${{ inputs.category }}"
    run = _run_step(steps)
    assert run["id"] == "run"
    assert "--format sarif" in run["run"] and "--output" in run["run"]
    assert "set +e" in run["run"]  # exit 1 on findings must not end the job before upload


def _run_step(steps: list[dict]) -> dict:
    return next(s for s in steps if "check" in s.get("run", "") and "--format sarif" in s["run"])


def _run_script(tmp_path: Path, leaklint_exit: int, writes: bool) -> tuple[int, dict[str, str]]:
    """Runs the action's own run-step script under bash with a stand-in leaklint that
    exits `leaklint_exit` (writing the report first when `writes`)."""
    fake = tmp_path / "leaklint"
    fake.write_text(
        "#!/bin/sh\n"
        + ('while [ "$1" != "--output" ]; do shift; done; echo "{}" > "$2"\n' if writes else "")
        + f"exit {leaklint_exit}\n", encoding="utf-8")
    fake.chmod(0o755)
    outputs = tmp_path / "github_output"
    outputs.write_text("", encoding="utf-8")
    env = {"PATH": os.environ.get("PATH", ""), "LEAKLINT": str(fake), "LEAKLINT_PATHS": ".",
           "LEAKLINT_ARGS": "", "SARIF_FILE": "out.sarif", "GITHUB_OUTPUT": str(outputs)}
    script = _run_step(_action()["runs"]["steps"])["run"]
    proc = subprocess.run(["bash", "-e", "-c", script], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    values = dict(line.split("=", 1) for line in outputs.read_text().splitlines() if line)
    return proc.returncode, values


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize(("status", "step_exit", "written"),
                         [(0, 0, "true"), (1, 0, "true"), (2, 2, "false")])
def test_run_step_marks_the_report_written_only_below_exit_two(
        tmp_path: Path, status: int, step_exit: int, written: str):
    code, values = _run_script(tmp_path, status, writes=status < 2)
    assert code == step_exit
    assert values["exit-code"] == str(status)
    assert values["sarif-written"] == written
    assert values["sarif-file"] == "out.sarif"


def test_action_installs_into_its_own_virtual_environment():
    steps = _action()["runs"]["steps"]
    setup = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python@"))
    # The job's own Python (PATH, pip, packages) is left as it was.
    assert setup["with"]["update-environment"] is False
    install = next(s for s in steps if "pip install" in s.get("run", ""))
    assert install["env"]["PYTHON"] == f"${{{{ steps.{setup['id']}.outputs.python-path }}}}"
    assert install["env"]["ACTION_PATH"] == "${{ github.action_path }}"
    assert install["env"]["LEAKLINT_VERSION"] == "${{ inputs.version }}"
    script = install["run"]
    assert '"$PYTHON" -m venv "$LEAKLINT_VENV"' in script
    # Every pip and leaklint call goes through the venv, never the job's interpreter.
    for line in script.splitlines():
        if "pip install" in line or "leaklint --version" in line:
            assert line.strip().startswith('"$bin/'), line
    assert 'echo "leaklint=$bin/leaklint" >> "$GITHUB_OUTPUT"' in script
    run = _run_step(steps)
    assert run["env"]["LEAKLINT"] == f"${{{{ steps.{install['id']}.outputs.leaklint }}}}"
    assert '"$LEAKLINT" check ' in run["run"]


def test_action_installs_the_published_distribution_name():
    name = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["name"]
    install = next(s for s in _action()["runs"]["steps"] if "pip install" in s.get("run", ""))
    assert f'"{name}==$LEAKLINT_VERSION"' in install["run"]
    assert f"`{name}`" in _action()["inputs"]["version"]["description"]


def test_inputs_never_spliced_into_scripts():
    # Script injection: inputs reach shell scripts only through env.
    for step in _action()["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), step.get("name")


def test_structure_checks_can_fail():
    bad = [{"name": "x", "run": "echo"}]
    with pytest.raises(AssertionError):
        _assert_run_steps_have_shell(bad)
    assert _used_inputs([{"run": "${{ inputs.one }} ${{inputs.two}}"}]) == {"one", "two"}


def test_readme_pull_request_workflow():
    workflows = _readme_workflows()
    assert workflows, "README.md has no complete workflow example"
    wf = next(w for w in workflows if "pull_request" in (w.get(True) or w.get("on") or {}))
    permissions = wf.get("permissions") or next(iter(wf["jobs"].values())).get("permissions")
    assert permissions["security-events"] == "write"
    assert permissions["contents"] == "read" and permissions["actions"] == "read"
    for job in wf["jobs"].values():
        steps = job["steps"]
        uses = [s.get("uses", "") for s in steps]
        assert any(u.startswith("actions/checkout@") for u in uses)
        checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout@"))
        # --diff-base needs the merge base: full history.
        assert checkout["with"]["fetch-depth"] == 0
        ours = [s for s in steps if s.get("uses", "").startswith("leaklint/leaklint")]
        assert ours, "the workflow does not use the action"
        with_inputs = ours[0].get("with", {})
        assert set(with_inputs) <= set(_action()["inputs"])
        assert "--diff-base" in with_inputs.get("args", "")
