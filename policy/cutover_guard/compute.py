"""Compute: EC2 instances, Lambda functions, ECR repositories and ECS task definitions/services."""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import cache
from pathlib import Path
from typing import Any, Final

from pulumi_policy import ReportViolation, ResourceValidationArgs

from cutover_guard._util import (
    as_bool,
    entries,
    get,
    is_unknown,
    items,
    not_enabled,
    resource_policy,
    to_plain,
)

INSTANCE_TYPE: Final = "aws:ec2/instance:Instance"
VOLUME_TYPE: Final = "aws:ebs/volume:Volume"
FUNCTION_TYPE: Final = "aws:lambda/function:Function"
ECR_TYPE: Final = "aws:ecr/repository:Repository"
TASK_DEF_TYPE: Final = "aws:ecs/taskDefinition:TaskDefinition"
ECS_SERVICE_TYPE: Final = "aws:ecs/service:Service"
ECS_CLUSTER_TYPE: Final = "aws:ecs/cluster:Cluster"

RUNTIMES_FILE: Final = Path(__file__).with_name("lambda_runtimes.json")

# Variable names that suggest a secret value, and value shapes that are secrets whatever the name.
SECRET_NAME_RE: Final = re.compile(
    r"PASSWORD|PASSWD|PWD$|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL|AUTH_?KEY|SIGNING_?KEY"
    r"|CONNECTION_?STRING|DSN$", re.IGNORECASE)
# A variable that names where a secret lives, rather than holding it, is fine.
REFERENCE_SUFFIX_RE: Final = re.compile(r"_(ARN|NAME|ID|PATH|PARAM|PARAMETER|HEADER|TTL|TTL_SECONDS)$", re.IGNORECASE)
SECRET_VALUE_RE: Final = re.compile(
    r"AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----|\bsk_live_[0-9a-zA-Z]{10,}|\bghp_[0-9A-Za-z]{20,}"
    r"|\bxox[abp]-[0-9A-Za-z-]{10,}|://[^/\s:@]+:[^/\s@]+@")


def secret_like(name: str, value: Any) -> bool:
    """Whether an environment variable looks like it carries a secret in plain text.

    Unknown or empty values are never findings; an ARN value (``DB_SECRET_ARN``) is a reference, not a secret.
    """
    if value is None or value == "" or is_unknown(value):
        return False
    if isinstance(value, str):
        if SECRET_VALUE_RE.search(value):
            return True
        if value.startswith("arn:"):
            return False
    return bool(SECRET_NAME_RE.search(name)) and not REFERENCE_SUFFIX_RE.search(name)


# --- EC2 ------------------------------------------------------------------------------------------

def _imdsv2(args: ResourceValidationArgs, report: ReportViolation) -> None:
    tokens = get(args.props, "metadataOptions", "httpTokens")
    if is_unknown(tokens) or get(args.props, "metadataOptions", "httpEndpoint") == "disabled":
        return
    if tokens != "required":
        report("Instance must require IMDSv2: set metadataOptions.httpTokens to 'required'.", None)


ec2_imdsv2 = resource_policy("ec2-imdsv2", "EC2 instances must require IMDSv2 session tokens.",
                             [INSTANCE_TYPE], _imdsv2)


def _no_public_ip(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if as_bool(get(args.props, "associatePublicIpAddress")) is not True:
        return
    if as_bool(get(args.props, "sourceDestCheck")) is False or is_unknown(get(args.props, "sourceDestCheck")):
        return  # a NAT instance (source/dest check off) needs its public address
    report("Instance must not get a public IPv4 address (only NAT instances, with sourceDestCheck off, may).", None)


ec2_no_public_ip = resource_policy(
    "ec2-no-public-ip", "EC2 instances must not have a public IP unless they are NAT instances.",
    [INSTANCE_TYPE], _no_public_ip)


def _ebs_encrypted(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = args.props
    if args.resource_type == VOLUME_TYPE:
        enc = get(props, "encrypted")
        if not is_unknown(enc) and as_bool(enc) is not True:
            report("EBS volume must be encrypted.", None)
        return
    root = get(props, "rootBlockDevice", "encrypted")
    if not is_unknown(root) and as_bool(root) is not True:
        report("Instance root block device must be encrypted (rootBlockDevice.encrypted).", None)
    for dev in items(get(props, "ebsBlockDevices")):
        enc = get(dev, "encrypted")
        if not is_unknown(enc) and as_bool(enc) is not True:
            report(f"EBS block device {get(dev, 'deviceName')} must be encrypted.", None)


ebs_encrypted = resource_policy("ebs-encrypted", "EBS volumes and instance block devices must be encrypted.",
                                [INSTANCE_TYPE, VOLUME_TYPE], _ebs_encrypted)


def _detailed_monitoring(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not_enabled(args.props, "monitoring"):
        report("Instance should enable detailed monitoring (monitoring: true).", None)


ec2_detailed_monitoring = resource_policy(
    "ec2-detailed-monitoring", "EC2 instances should have detailed CloudWatch monitoring.",
    [INSTANCE_TYPE], _detailed_monitoring)


# --- Lambda ---------------------------------------------------------------------------------------

@cache
def runtime_table() -> tuple[dict[str, str], frozenset[str]]:
    data = json.loads(RUNTIMES_FILE.read_text())
    return dict(data["supported"]), frozenset(data["deprecated"])


def runtime_problem(runtime: str, today: dt.date | None = None) -> str | None:
    supported, deprecated = runtime_table()
    today = today or dt.date.today()
    if runtime in supported:
        ends = dt.date.fromisoformat(supported[runtime])
        return None if today < ends else f"runtime {runtime} reached deprecation on {ends.isoformat()}"
    if runtime in deprecated:
        return f"runtime {runtime} is deprecated"
    return f"runtime {runtime} is not in the supported list"


def _supported_runtime(args: ResourceValidationArgs, report: ReportViolation) -> None:
    runtime = get(args.props, "runtime")
    if runtime is None or is_unknown(runtime):
        return  # container images carry their own runtime
    extra = set(args.get_config().get("extraAllowed", []))
    problem = None if runtime in extra else runtime_problem(str(runtime))
    if problem:
        supported, _ = runtime_table()
        report(f"Lambda {problem}; use one of {sorted(supported)}.", None)


lambda_supported_runtime = resource_policy(
    "lambda-supported-runtime", "Lambda functions must use a supported runtime.", [FUNCTION_TYPE],
    _supported_runtime, config={"extraAllowed": {"type": "array", "items": {"type": "string"}, "default": []}})


def _lambda_env_secrets(args: ResourceValidationArgs, report: ReportViolation) -> None:
    bad = [name for name, value in entries(get(args.props, "environment", "variables")) if secret_like(name, value)]
    if bad:
        report(f"Environment variables {sorted(bad)} look like secrets; store them in Secrets Manager and pass "
               "the ARN (e.g. DB_SECRET_ARN).", None)


lambda_no_env_secrets = resource_policy(
    "lambda-no-env-secrets", "Lambda environment variables must not hold secrets.", [FUNCTION_TYPE],
    _lambda_env_secrets)


# --- ECR ------------------------------------------------------------------------------------------

def _ecr_scan(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not_enabled(args.props, "imageScanningConfiguration", "scanOnPush"):
        report("ECR repository must scan images on push (imageScanningConfiguration.scanOnPush).", None)


ecr_scan_on_push = resource_policy("ecr-scan-on-push", "ECR repositories must scan images on push.",
                                   [ECR_TYPE], _ecr_scan)


def _ecr_immutable(args: ResourceValidationArgs, report: ReportViolation) -> None:
    value = get(args.props, "imageTagMutability")
    if not is_unknown(value) and not str(value or "MUTABLE").startswith("IMMUTABLE"):
        report("ECR repository tags must be immutable (imageTagMutability IMMUTABLE).", None)


ecr_immutable_tags = resource_policy("ecr-immutable-tags", "ECR repositories must use immutable tags.",
                                     [ECR_TYPE], _ecr_immutable)


# --- ECS ------------------------------------------------------------------------------------------

def containers(props: Any) -> list[dict[str, Any]]:
    """Container definitions, parsed from the JSON string the provider takes (or a list)."""
    raw = get(props, "containerDefinitions")
    if raw is None or is_unknown(raw):
        return []
    if isinstance(raw, str):
        try:
            parsed = json.loads(raw)
        except ValueError:
            return []
    else:
        parsed = to_plain(raw)
    if isinstance(parsed, dict):
        parsed = [parsed]
    return [c for c in parsed if isinstance(c, dict)] if isinstance(parsed, list) else []


def _ecs_privileged(args: ResourceValidationArgs, report: ReportViolation) -> None:
    for c in containers(args.props):
        if c.get("privileged") is True:
            report(f"Container '{c.get('name')}' runs privileged.", None)


ecs_no_privileged = resource_policy("ecs-no-privileged", "ECS containers must not run privileged.",
                                    [TASK_DEF_TYPE], _ecs_privileged)


def _ecs_env_secrets(args: ResourceValidationArgs, report: ReportViolation) -> None:
    for c in containers(args.props):
        env = c.get("environment") or []
        bad = [str(e["name"]) for e in env if isinstance(e, dict) and isinstance(e.get("name"), str)
               and secret_like(e["name"], e.get("value"))]
        if bad:
            report(f"Container '{c.get('name')}' has secret-looking environment variables {sorted(bad)}; "
                   "use the 'secrets' field (Secrets Manager / SSM references).", None)


ecs_no_env_secrets = resource_policy(
    "ecs-no-env-secrets", "ECS container environment variables must not hold secrets.", [TASK_DEF_TYPE],
    _ecs_env_secrets)


def _ecs_logging(args: ResourceValidationArgs, report: ReportViolation) -> None:
    for c in containers(args.props):
        if not isinstance(c.get("logConfiguration"), dict):
            report(f"Container '{c.get('name')}' has no logConfiguration.", None)


ecs_container_logging = resource_policy(
    "ecs-container-logging", "ECS containers should send logs somewhere (logConfiguration).", [TASK_DEF_TYPE],
    _ecs_logging)


def _ecs_public_ip(args: ResourceValidationArgs, report: ReportViolation) -> None:
    value = get(args.props, "networkConfiguration", "assignPublicIp")
    if as_bool(value) is True:
        report("ECS service assigns public IPs to tasks; run tasks in private subnets.", None)


ecs_no_public_ip = resource_policy("ecs-no-public-ip", "ECS services must not assign public IPs.",
                                   [ECS_SERVICE_TYPE], _ecs_public_ip)


def _container_insights(args: ResourceValidationArgs, report: ReportViolation) -> None:
    settings = get(args.props, "settings")
    if is_unknown(settings):
        return
    for s in items(settings):
        if get(s, "name") == "containerInsights":
            value = get(s, "value")
            if is_unknown(value) or value in ("enabled", "enhanced"):
                return
    report("ECS cluster should enable Container Insights.", None)


ecs_container_insights = resource_policy(
    "ecs-container-insights", "ECS clusters should enable Container Insights.", [ECS_CLUSTER_TYPE],
    _container_insights)

POLICIES: Final = [
    ec2_imdsv2, ec2_no_public_ip, ebs_encrypted, ec2_detailed_monitoring, lambda_supported_runtime,
    lambda_no_env_secrets, ecr_scan_on_push, ecr_immutable_tags, ecs_no_privileged, ecs_no_env_secrets,
    ecs_container_logging, ecs_no_public_ip, ecs_container_insights,
]
