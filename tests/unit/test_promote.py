"""Promotion and rollback edit only cutover:greenWeight (and rollbackAck), as `pulumi config set` would."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pytest
import yaml

from cutover.plan import render
from cutover.promote import main, set_config_value
from cutover.rollback_guard import PromotionRefusedError, check_promotion
from tests.conftest import ROOT, planned

STACK_FILE = """# comment kept
environment:
  - cutover/aws-prod
config:
  cutover:profile: pos-serverless   # trailing comment kept
  cutover:environment: prod
  cutover:greenWeight: 10
"""


def test_set_config_value_keeps_comments_and_order(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.prod.yaml"
    path.write_text(STACK_FILE)
    assert set_config_value(path, "greenWeight", "50") == "10"
    text = path.read_text()
    assert text.startswith("# comment kept\n") and "# trailing comment kept" in text
    doc = yaml.safe_load(text)
    assert doc["config"]["cutover:greenWeight"] == "50"  # stored as a string, like the CLI
    assert doc["environment"] == ["cutover/aws-prod"]
    assert list(doc["config"]) == ["cutover:profile", "cutover:environment", "cutover:greenWeight"]


def test_set_config_value_adds_a_missing_key(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.prod.yaml"
    path.write_text("config:\n  cutover:profile: pos-serverless\n")
    assert set_config_value(path, "rollbackAck", "abc123") is None
    assert yaml.safe_load(path.read_text())["config"]["cutover:rollbackAck"] == "abc123"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in ("Pulumi.yaml", "Pulumi.prod.yaml", "Pulumi.dev.yaml"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def _weight(root: Path) -> int:
    return int(yaml.safe_load((root / "Pulumi.prod.yaml").read_text())["config"]["cutover:greenWeight"])


def test_set_and_rollback_move_only_the_weight(project: Path) -> None:
    before = yaml.safe_load((project / "Pulumi.prod.yaml").read_text())
    assert main(["set", "prod", "50", "--no-plan"], root=project) == 0
    assert _weight(project) == 50
    assert main(["rollback", "prod", "--no-plan"], root=project) == 0
    assert _weight(project) == 0
    after = yaml.safe_load((project / "Pulumi.prod.yaml").read_text())
    assert {k: v for k, v in after["config"].items() if k != "cutover:greenWeight"} == \
        {k: v for k, v in before["config"].items() if k != "cutover:greenWeight"}


def test_set_prints_what_the_plan_changes(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["set", "prod", "25"], root=project) == 0
    out = capsys.readouterr().out
    assert "cutover:greenWeight 0 -> 25" in out
    assert "pulumi up" in out


def test_ack_records_the_rollback_id(project: Path) -> None:
    assert main(["ack", "prod", "3f2a9c"], root=project) == 0
    assert yaml.safe_load((project / "Pulumi.prod.yaml").read_text())["config"]["cutover:rollbackAck"] == "3f2a9c"


@pytest.mark.parametrize("args", [["set", "prod", "150"], ["set", "prod"], ["ack", "prod"], ["set", "qa", "5"]])
def test_bad_requests_exit_2(project: Path, args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*args, "--no-plan"], root=project) == 2
    assert "error:" in capsys.readouterr().err


@dataclass(frozen=True)
class Record:
    id: str = "3f2a9c"
    at: str = "2026-11-23T02:00:00Z"
    alarm: str = "pos-prod-rollback"
    reason: str = "Threshold Crossed"


def test_guard_refuses_green_traffic_after_an_unacknowledged_rollback() -> None:
    with pytest.raises(PromotionRefusedError) as err:
        check_promotion(10, "", Record(), "prod")
    assert err.value.key == "cutover:greenWeight"
    assert "pulumi config set cutover:rollbackAck 3f2a9c" in str(err.value)
    assert "make ack STACK=prod ID=3f2a9c" in str(err.value)


@pytest.mark.parametrize(("weight", "ack", "record"), [
    (0, "", Record()),  # staying on blue is always allowed
    (50, "3f2a9c", Record()),  # acknowledged: promotion resumes
    (50, "", None),  # no rollback recorded
])
def test_guard_allows(weight: int, ack: str, record: Record | None) -> None:
    check_promotion(weight, ack, record, "prod")


def test_an_old_acknowledgement_does_not_cover_a_new_rollback() -> None:
    with pytest.raises(PromotionRefusedError):
        check_promotion(10, "older-id", Record(id="newer-id"), "prod")


def test_a_promotion_diff_shows_only_the_weight_change() -> None:
    # Lambda code archives compare by content, as the engine hashes them: replanning the same code is no change.
    before = planned("prod", "profile=yoga-serverless", "greenWeight=0")
    after = planned("prod", "profile=yoga-serverless", "greenWeight=5")
    d = render.diff(before, after)
    assert not d.created and not d.deleted and not d.retained and not d.snapshotted
    changed = [(r.name, keys) for r, keys in d.changed if r.custom]
    assert ("front-door-https", ["defaultActions"]) in changed
    # ... and the stage record: the weight parameter whose LastModifiedDate starts the soak.
    assert ("stage-weight", ["value"]) in changed
    assert all(name.startswith("front-door-") for name, _ in changed if name != "stage-weight"), changed


def test_archives_compare_by_content(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "h.py").write_text("x = 1\n")
    first = render.comparable({"code": pulumi.FileArchive(str(tmp_path / "a"))})
    assert first == render.comparable({"code": pulumi.FileArchive(str(tmp_path / "a"))})
    (tmp_path / "a" / "h.py").write_text("x = 2\n")
    render._content_hash.cache_clear()
    assert first != render.comparable({"code": pulumi.FileArchive(str(tmp_path / "a"))})


@pytest.mark.parametrize(("profile", "pin", "expected"), [
    ("pos-serverless", (), {("front-door-blue", "weightedRoutingPolicies"),
                            ("front-door-green", "weightedRoutingPolicies"), ("stage-weight", "value")}),
    ("tracetrack-ecs", (), {("front-door-blue", "weightedRoutingPolicies"),
                            ("front-door-green", "weightedRoutingPolicies"), ("stage-weight", "value")}),
    ("waiterix-serverless", ("overrides.traffic.stableVersions.api=7",), {("serverless-api-live", "routingConfig"),
                                                                         ("stage-weight", "value")}),
])
def test_every_front_door_kind_promotes_by_weights_alone(profile: str, pin: tuple[str, ...],
                                                         expected: set[tuple[str, str]]) -> None:
    d = render.diff(planned("prod", f"profile={profile}", *pin), planned("prod", f"profile={profile}", *pin,
                                                                          "greenWeight=10"))
    assert not d.created and not d.deleted
    assert {(r.name, k) for r, keys in d.changed if r.custom for k in keys} == expected


# --- gated promotion: `make promote` / `--check` against moto (tests/unit/test_gates.py has every gate) ---
class Gated:
    """moto SSM + CloudWatch holding pos-serverless prod's stage record at the stack file's weight."""

    def __init__(self, weight: int, smoke_passed: bool) -> None:
        import boto3

        self.ssm = boto3.client("ssm", region_name="us-east-1")
        self.cw = boto3.client("cloudwatch", region_name="us-east-1")
        put = {"Type": "String", "Overwrite": True}
        self.ssm.put_parameter(Name="/pos/prod/promotion/weight", Value=str(weight), **put)
        self.ssm.put_parameter(Name="/pos/prod/promotion/targets", Value=json.dumps(
            {"greenVersion": "products:4", "alarms": [], "green": None, "blue": None,
             "smokeParameter": "/pos/prod/promotion/smoke"}), **put)
        self.ssm.put_parameter(Name="/pos/prod/promotion/smoke", Value=json.dumps(
            {"version": "products:4", "passed": smoke_passed, "at": "2026-01-01T00:00:00Z", "checks": [
                {"name": "products", "passed": smoke_passed, "problem": "" if smoke_passed else "status 502"}]}), **put)


@pytest.fixture
def moto_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from moto import mock_aws

    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    for key in ("GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT"):
        monkeypatch.delenv(key, raising=False)
    with mock_aws():
        yield


def test_check_says_go_and_promote_moves_one_stage(project: Path, moto_env: None, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    aws = Gated(0, smoke_passed=True)
    summary, output = tmp_path / "summary.md", tmp_path / "output"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    report = tmp_path / "evidence.md"
    assert main(["promote", "prod", "--check", "--report", str(report)], root=project, clients=(aws.ssm, aws.cw)) == 0
    assert _weight(project) == 0  # --check edits nothing
    assert "**GO**" in report.read_text() and summary.read_text() == report.read_text()
    assert output.read_text() == "go=true\n"
    assert main(["promote", "prod", "--no-plan"], root=project, clients=(aws.ssm, aws.cw)) == 0
    assert _weight(project) == 10  # pos-serverless: 10 -> 50 -> 100


def test_a_failed_smoke_test_refuses_and_names_the_gate(project: Path, moto_env: None,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    aws = Gated(0, smoke_passed=False)
    assert main(["promote", "prod", "--check"], root=project, clients=(aws.ssm, aws.cw)) == 1
    assert main(["promote", "prod", "--no-plan"], root=project, clients=(aws.ssm, aws.cw)) == 1
    err = capsys.readouterr().err
    assert "refused: 0 -> 10 waits for: smoke: smoke test of products:4 failed" in err
    assert "products: status 502" in err
    assert _weight(project) == 0
    assert not (project / "promotions").exists()


def test_force_with_a_reason_promotes_and_is_recorded(project: Path, moto_env: None) -> None:
    aws = Gated(0, smoke_passed=False)
    reason = "checked by hand: 502 was the placeholder handler"
    assert main(["promote", "prod", "--no-plan", "--force", "--reason", reason], root=project,
                clients=(aws.ssm, aws.cw)) == 0
    assert _weight(project) == 10
    (entry,) = [json.loads(line) for line in (project / "promotions" / "prod.jsonl").read_text().splitlines()]
    assert (entry["from"], entry["to"], entry["reason"], entry["stack"]) == (0, 10, reason, "prod")
    assert [g["gate"] for g in entry["overridden"]] == ["smoke"]


@pytest.mark.parametrize("args", [["promote", "prod", "--force"], ["promote", "prod", "--force", "--reason", "x"],
                                  ["set", "prod", "50", "--check"]])
def test_force_needs_a_reason_and_check_is_for_promote(project: Path, args: list[str],
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*args, "--no-plan"], root=project) == 2
    assert "error:" in capsys.readouterr().err
    assert _weight(project) == 0
