"""The offline runner: enforcement merging, real pulumi_policy args, unknowns, the pack files."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from pulumi_policy import EnforcementLevel, ResourceValidationArgs, ResourceValidationPolicy
from pulumi_policy.proxy import UNKNOWN_BOOLEAN_VALUE, UNKNOWN_NUMBER_VALUE, UNKNOWN_STRING_VALUE

from cutover_guard import ALL_POLICIES, offline
from tests.policy.conftest import POLICY_DIR, TAGS, profile, res

DEV = offline.load_pack_config(POLICY_DIR / "dev.json")
PROD = offline.load_pack_config(POLICY_DIR / "prod.json")
PUBLIC_DB = res("aws:rds/instance:Instance", "db", inputs={
    "instanceClass": "db.t4g.small", "publiclyAccessible": True, "storageEncrypted": True, "multiAz": True,
    "backupRetentionPeriod": 7, "deletionProtection": True, "iamDatabaseAuthenticationEnabled": True,
    "tags": dict(TAGS)})


def levels(config: dict[str, Any]) -> dict[str, str]:
    return {name: s.level for name, s in offline.reconcile(ALL_POLICIES, config).items()}


def test_pack_configs_cover_every_policy_and_pass_the_environment() -> None:
    names = {p.name for p in ALL_POLICIES}
    for env, cfg in (("dev", DEV), ("prod", PROD)):
        assert set(cfg) - {"all"} == names
        assert all(cfg[n]["environment"] == env for n in names)
        for p in ALL_POLICIES:  # the CLI validates config against each policy's schema
            assert p.config_schema is not None and "environment" in p.config_schema.properties
    prod = levels(PROD)
    for must in ("s3-no-public-policy", "iam-no-admin-statements", "rds-storage-encrypted", "monthly-budget",
                 "waf-public-entry-points", "sg-no-public-ingress", "required-tags"):
        assert prod[must] == "mandatory", must
    dev = levels(DEV)
    assert dev["monthly-budget"] == "advisory" and dev["rds-storage-encrypted"] == "advisory"
    assert sum(v == "advisory" for v in dev.values()) > len(dev) / 2


def test_enforcement_merging_like_the_cli() -> None:
    assert set(levels({}).values()) == {"advisory"}  # policy/pack default
    assert set(levels({"all": "mandatory"}).values()) == {"mandatory"}
    merged = levels({"all": "mandatory", "kms-key-rotation": "advisory",
                     "rds-not-public": {"enforcementLevel": "disabled"}, "log-retention-cap": {"maxDays": {}}})
    assert merged["kms-key-rotation"] == "advisory" and merged["rds-not-public"] == "disabled"
    assert merged["log-retention-cap"] == "mandatory"  # config without a level keeps the merged one
    settings = offline.reconcile(ALL_POLICIES, {"sg-no-public-ingress": {"environment": "prod"}})
    assert settings["sg-no-public-ingress"].config == {"environment": "prod", "allowedPorts": [80, 443]}


def test_mandatory_violation_reported_as_mandatory() -> None:
    prod = offline.evaluate([PUBLIC_DB], PROD)
    assert [(v.policy, v.level) for v in prod] == [("rds-not-public", "mandatory")]
    assert offline.has_mandatory(prod)
    dev = offline.evaluate([PUBLIC_DB], {**DEV, "rds-not-public": {"enforcementLevel": "advisory"}})
    assert [(v.policy, v.level) for v in dev] == [("rds-not-public", "advisory")]
    assert not offline.has_mandatory(dev)
    assert offline.evaluate([PUBLIC_DB], {**PROD, "rds-not-public": "disabled"}) == []
    remediate = offline.evaluate([PUBLIC_DB], {"all": "disabled", "rds-not-public": "remediate"})
    assert [v.level for v in remediate] == ["mandatory"]


UNKNOWN_INPUTS = {
    "aws:rds/instance:Instance": {"publiclyAccessible": UNKNOWN_BOOLEAN_VALUE, "storageEncrypted":
                                  UNKNOWN_BOOLEAN_VALUE, "backupRetentionPeriod": UNKNOWN_NUMBER_VALUE,
                                  "multiAz": UNKNOWN_BOOLEAN_VALUE, "deletionProtection": UNKNOWN_BOOLEAN_VALUE,
                                  "instanceClass": UNKNOWN_STRING_VALUE, "tags": UNKNOWN_STRING_VALUE,
                                  "iamDatabaseAuthenticationEnabled": UNKNOWN_BOOLEAN_VALUE},
    "aws:lambda/function:Function": {"runtime": UNKNOWN_STRING_VALUE, "tags": dict(TAGS),
                                     "environment": {"variables": {"DB_PASSWORD": UNKNOWN_STRING_VALUE}}},
    "aws:iam/rolePolicy:RolePolicy": {"role": "r", "policy": UNKNOWN_STRING_VALUE},
    "aws:ec2/securityGroup:SecurityGroup": {"tags": dict(TAGS), "ingress": [
        {"protocol": "tcp", "fromPort": UNKNOWN_NUMBER_VALUE, "toPort": UNKNOWN_NUMBER_VALUE,
         "cidrBlocks": ["0.0.0.0/0"]}, UNKNOWN_STRING_VALUE]},
    "aws:cloudfront/distribution:Distribution": {"tags": dict(TAGS), "webAclId": UNKNOWN_STRING_VALUE,
                                                 "defaultCacheBehavior": UNKNOWN_STRING_VALUE,
                                                 "viewerCertificate": UNKNOWN_STRING_VALUE,
                                                 "loggingConfig": {"bucket": UNKNOWN_STRING_VALUE}},
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": {
        "bucket": UNKNOWN_STRING_VALUE, "blockPublicAcls": UNKNOWN_BOOLEAN_VALUE, "blockPublicPolicy": True,
        "ignorePublicAcls": True, "restrictPublicBuckets": True},
    "aws:ecs/taskDefinition:TaskDefinition": {"containerDefinitions": UNKNOWN_STRING_VALUE, "tags": dict(TAGS),
                                              "cpu": UNKNOWN_STRING_VALUE, "requiresCompatibilities": ["FARGATE"]},
}


@pytest.mark.parametrize("type_", sorted(UNKNOWN_INPUTS))
def test_unknown_values_never_crash_nor_violate(type_: str) -> None:
    r = res(type_, "u", inputs=UNKNOWN_INPUTS[type_])
    found = offline.evaluate([profile("prod"), r], {**PROD, "all": "mandatory"})
    assert [v for v in found if v.urn == r.urn] == []


def test_unknown_bucket_id_is_matched_by_dependencies_in_stack_policies() -> None:
    b = res("aws:s3/bucket:Bucket", "b", inputs={"tags": dict(TAGS)},
            outputs={"bucket": UNKNOWN_STRING_VALUE, "id": UNKNOWN_STRING_VALUE, "tags": dict(TAGS)})
    pab = res("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "pab", dependencies=(b.urn,), inputs={
        "bucket": UNKNOWN_STRING_VALUE, "blockPublicAcls": True, "blockPublicPolicy": True,
        "ignorePublicAcls": True, "restrictPublicBuckets": True})
    found = offline.evaluate([profile("prod"), b, pab], PROD)
    assert "s3-bucket-public-access-block" not in {v.policy for v in found}


def test_policies_receive_real_pulumi_policy_args() -> None:
    seen: list[ResourceValidationArgs] = []
    spy = ResourceValidationPolicy("spy", "records its args", validate=lambda args, _: seen.append(args),
                                   enforcement_level=EnforcementLevel.ADVISORY)
    provider = res("pulumi:providers:aws", "aws", inputs={"defaultTags": json.dumps({"tags": TAGS})})
    child = res("aws:sqs/queue:Queue", "q", inputs={"name": "q"}, provider=f"{provider.urn}::id-1",
                parent="urn:pulumi:dev::cutover::cutover:x:Y::comp", protect=True)
    offline.evaluate([provider, child], {}, policies=[spy])
    args = seen[-1]
    assert isinstance(args, ResourceValidationArgs) and args.urn == child.urn
    assert args.provider is not None and args.provider.urn == provider.urn
    assert args.opts.parent == child.parent and args.opts.protect is True
    assert args.props["name"] == "q"


def test_importing_the_package_does_not_start_a_server() -> None:
    code = "import sys; sys.path.insert(0, sys.argv[1]); import cutover_guard, cutover_guard.offline; print('ok')"
    out = subprocess.run([sys.executable, "-c", code, str(POLICY_DIR)], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "ok", out.stderr
    main = (POLICY_DIR / "__main__.py").read_text()
    assert "from cutover_guard import" in main and main.count("PolicyPack(") == 1


def test_load_pack_config_rejects_bad_levels(tmp_path: Any) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"all": "loud"}))
    with pytest.raises(ValueError, match="invalid enforcement level"):
        offline.load_pack_config(bad)
