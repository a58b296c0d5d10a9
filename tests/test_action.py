"""action.yml (composite action) and the README's pull-request workflow: structure checks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

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


def test_upload_step_is_conditional_on_its_input_and_survives_findings():
    steps = _action()["runs"]["steps"]
    (upload,) = [s for s in steps if s.get("uses") == UPLOAD]
    assert upload["if"] == "always() && inputs.upload == 'true'"
    assert upload["with"]["sarif_file"] == "${{ inputs.sarif-file }}"
    assert upload["with"]["category"] == "${{ inputs.category }}"
    run = next(s for s in steps if "leaklint check" in s.get("run", ""))
    assert "--format sarif" in run["run"] and "--output" in run["run"]
    assert "set +e" in run["run"]  # exit 1 on findings must not end the job before upload


def test_action_installs_from_its_own_path_or_a_version():
    steps = _action()["runs"]["steps"]
    install = next(s for s in steps if "pip install" in s.get("run", ""))
    assert install["env"]["ACTION_PATH"] == "${{ github.action_path }}"
    assert install["env"]["LEAKLINT_VERSION"] == "${{ inputs.version }}"


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
