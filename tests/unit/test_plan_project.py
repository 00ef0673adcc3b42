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


@pytest.mark.parametrize(("stack_yaml", "message"), [
    ("config: [unclosed\n", "Pulumi.dev.yaml:2:1: invalid YAML"),  # libyaml reports where the list ends
    ("config:\n  cutover:greenWeight: a: b\n", "Pulumi.dev.yaml:2:25: invalid YAML: mapping values are not allowed"),
    ("config:\n  cutover:greenWeight: 1\n   bad: indent\n", "Pulumi.dev.yaml:3:"),
    ("42\n", "Pulumi.dev.yaml:1:1: expected a mapping with config"),
    ("just a string\n", "Pulumi.dev.yaml:1:1: expected a mapping with config"),
    ("- a\n- b\n", "Pulumi.dev.yaml:1:1: expected a mapping with config (and optionally environment), got a list"),
    ("config: [1, 2]\n", "Pulumi.dev.yaml: config: expected a mapping"),
    ("environment: cutover/aws-dev\nconfig: {}\n", "Pulumi.dev.yaml: environment: expected a list"),
    ("environment: [1]\nconfig: {}\n", "Pulumi.dev.yaml: environment: expected ESC environment names"),
    ("config:\n  1: x\n", "config: key 1 is not a string"),
])
def test_malformed_stack_files_fail_with_file_line_and_column(tmp_path: Path, stack_yaml: str, message: str) -> None:
    with pytest.raises(ProjectError) as err:
        load_stack("dev", root=_project(tmp_path, stack_yaml))
    assert message in str(err.value)


@pytest.mark.parametrize(("project_yaml", "message"), [
    ("name: cutover\nconfig: {a: [\n", "Pulumi.yaml:3:1: invalid YAML"),
    ("- name\n", "Pulumi.yaml:1:1: expected a mapping"),
    ("name: cutover\nconfig: [a]\n", "Pulumi.yaml: config: expected a mapping"),
    ("runtime: python\n", "Pulumi.yaml: name: expected the project name"),
])
def test_malformed_project_files_fail_with_the_location(tmp_path: Path, project_yaml: str, message: str) -> None:
    (tmp_path / "Pulumi.yaml").write_text(project_yaml)
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    with pytest.raises(ProjectError) as err:
        load_stack("dev", root=tmp_path)
    assert message in str(err.value)


@pytest.mark.parametrize(("args", "message"), [
    (["dev", "--set", "greenWeight=1_0"], "cutover:greenWeight: must be an integer in decimal digits"),
    (["dev", "--set", "aws:region="], "aws:region: '' is not an AWS region"),
    (["dev", "--set", "overrides.network.natmode=none"], "did you mean 'natMode'"),
    (["dev", "--set", "overrides.cache.main.keys..x=1"], "cannot read the path"),
    (["dev", "--profile", "tracetrack-ecs", "--set", "overrides.traffic.frontDoor.kind=alb",
      "--set", "overrides.traffic.frontDoor.certificateArn=arn:aws:acm:us-east-1:444455556666:certificate/abc"],
     "traffic"),
])
def test_cli_refuses_issue_cases_with_exit_2(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*args, "--no-policy", "--no-cost", "--no-tree"]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_a_deployment_refuses_placeholders_and_a_preview_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    from cutover.config import source
    from cutover.plan.engine import ProgramError, run_program

    settings = load_stack("dev", sets=["profile=tracetrack-ecs"])
    assert run_program(settings).resources  # under mocks (a preview): warnings only
    monkeypatch.setattr(source, "deploying", lambda: True)
    with pytest.raises(ProgramError) as err:
        run_program(settings)
    for key in ("alb.certificateArn", "cdn.aliases[0]", "traffic.frontDoor.zoneId"):
        assert key in str(err.value)
