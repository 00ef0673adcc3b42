"""The offline loader reads config exactly as the CLI does, and the CLI fails clearly on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cutover.plan.__main__ import main
from cutover.plan.project import SECRET_PLACEHOLDER, ProjectError, apply_set, load_stack


def _project(tmp_path: Path, stack_yaml: str) -> Path:
    (tmp_path / "Pulumi.yaml").write_text(
        "name: cutover\nruntime: python\nconfig:\n  aws:region: us-east-1\n"
        "  greenWeight:\n    type: integer\n    default: 0\n    description: x\n"
        "  profile:\n    type: string\n    default: pos-serverless\n    description: x\n")
    (tmp_path / "Pulumi.dev.yaml").write_text(stack_yaml)
    return tmp_path


def test_project_defaults_then_stack_values(tmp_path: Path) -> None:
    root = _project(tmp_path, "config:\n  cutover:greenWeight: 25\n  aws:region: eu-west-1\n")
    s = load_stack("dev", root=root)
    assert s.config["cutover:greenWeight"] == 25
    assert s.config["cutover:profile"] == "pos-serverless"  # default from Pulumi.yaml
    assert s.region == "eu-west-1"
    assert s.engine_config()["cutover:greenWeight"] == "25"  # the engine hands strings to programs


def test_secure_values_become_secret_placeholders(tmp_path: Path) -> None:
    root = _project(tmp_path, "config:\n  cutover:alertEmail:\n    secure: AAABAJ...\n")
    s = load_stack("dev", root=root)
    assert s.config["cutover:alertEmail"] == SECRET_PLACEHOLDER
    assert s.secret_keys == {"cutover:alertEmail"}


def test_esc_imports_are_listed(tmp_path: Path) -> None:
    root = _project(tmp_path, "environment:\n  - cutover/aws-dev\nconfig: {}\n")
    assert load_stack("dev", root=root).environments == ["cutover/aws-dev"]


def test_set_behaves_like_pulumi_config_set_with_path(tmp_path: Path) -> None:
    s = load_stack("dev", root=_project(tmp_path, "config: {}\n"))
    apply_set(s, "greenWeight=50")
    apply_set(s, "overrides.network.azCount=3")
    apply_set(s, "overrides.network.flowLogs=false")
    apply_set(s, "overrides.network.natMode=gateway")
    assert s.config["cutover:greenWeight"] == "50"
    assert s.config["cutover:overrides"] == {"network": {"azCount": 3, "flowLogs": False, "natMode": "gateway"}}
    assert json.loads(s.engine_config()["cutover:overrides"])["network"]["azCount"] == 3


def test_unknown_stack_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="stacks: dev"):
        load_stack("staging", root=_project(tmp_path, "config: {}\n"))


@pytest.mark.parametrize(("args", "message"), [
    (["dev", "--set", "greenWeight=150", "--no-policy", "--no-cost"], "cutover:greenWeight: 150 is out of range"),
    (["dev", "--profile", "heroku", "--no-policy", "--no-cost"], "cutover:profile: unknown profile 'heroku'"),
    (["dev", "--set", "retire=blue", "--no-policy", "--no-cost"], "retire=blue needs cutover:greenWeight=100"),
    (["dev", "--set", "greenweight=5", "--no-policy", "--no-cost"], "cutover:greenweight: unknown key"),
    (["nope", "--no-policy"], "no stack 'nope'"),
])
def test_cli_bad_input_exits_2_with_the_key(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_cli_json_lists_resources(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dev", "--json", "--no-policy", "--no-cost"]) == 0
    doc = json.loads(capsys.readouterr().out)
    types = {r["type"] for r in doc["resources"]}
    assert {"aws:ec2/vpc:Vpc", "aws:s3/bucket:Bucket", "cutover:network:Network"} <= types
    assert doc["outputs"]["profile"] == "pos-serverless"
