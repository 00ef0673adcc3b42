"""AWS DMS replication and the data plan: not public, customer-managed keys, validation, CDC-latency
alarms, and one writer per dataset.

Where each rule comes from:

* Public access: ``CreateReplicationInstance.PubliclyAccessible`` defaults to **true** (DMS API
  reference; botocore model ``dms`` 2016-01-01), so a replication instance must set it to false
  explicitly. A DMS Serverless replication (``ReplicationConfig``) has no such setting: its
  ``ComputeConfig`` carries none (same model) and "AWS DMS Serverless replications do not have a
  public IP address" (DMS user guide, "AWS DMS Serverless limitations"), so there is nothing to check.
* Encryption: DMS encrypts with the account's AWS-managed ``aws/dms`` key unless a ``KmsKeyId`` is
  given: an endpoint's key encrypts its connection parameters (``CreateEndpoint.KmsKeyId``), a
  replication instance's its storage (``CreateReplicationInstance.KmsKeyId``), a Serverless
  replication's the data during replication (``ComputeConfig.KmsKeyId``). Provider properties:
  ``kmsKeyArn`` (Endpoint, S3Endpoint, ReplicationInstance), ``computeConfig.kmsKeyId``
  (ReplicationConfig). Tasks, subnet groups and certificates have no key. A value naming an
  AWS-managed alias (``alias/aws/...``) is not customer-managed.
* Validation: DMS data validation works for these target engines (DMS user guide, "AWS DMS data
  validation"): Oracle, PostgreSQL-compatible (PostgreSQL, Aurora PostgreSQL, Aurora Serverless),
  MySQL-compatible (MySQL, MariaDB, Aurora MySQL, Aurora Serverless), SQL Server, IBM Db2 LUW,
  Amazon Redshift and Amazon S3. DynamoDB is not among them: a DynamoDB-target replication is not
  asked to validate (the platform's verifier covers it). The setting is
  ``ValidationSettings.EnableValidation`` in the task settings (default false; DMS user guide,
  "Data validation task settings").
* CDC latency: ``CDCLatencySource`` / ``CDCLatencyTarget`` in ``AWS/DMS`` (DMS user guide, "AWS DMS
  metrics") exist for replications that capture changes (``cdc`` or ``full-load-and-cdc``).
* One writer per dataset: the ``cutover:data:DataPlan`` component's props (see :func:`_single_writer`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from pulumi_policy import PolicyResource, ReportViolation, ResourceValidationArgs, StackValidationArgs

from cutover_guard._util import (
    as_bool,
    as_str,
    entries,
    get,
    is_unknown,
    items,
    of_type,
    refers_to,
    resource_policy,
    stack_policy,
    to_plain,
)

ENDPOINT: Final = "aws:dms/endpoint:Endpoint"
S3_ENDPOINT: Final = "aws:dms/s3Endpoint:S3Endpoint"
INSTANCE: Final = "aws:dms/replicationInstance:ReplicationInstance"
TASK: Final = "aws:dms/replicationTask:ReplicationTask"
CONFIG: Final = "aws:dms/replicationConfig:ReplicationConfig"
ALARM: Final = "aws:cloudwatch/metricAlarm:MetricAlarm"
DATA_PLAN: Final = "cutover:data:DataPlan"

# DMS API engine names (CreateEndpoint.EngineName) of the validation targets listed in the module docstring.
VALIDATION_TARGETS: Final = frozenset({
    "oracle", "postgres", "aurora-postgresql", "aurora-postgresql-serverless", "mysql", "mariadb", "aurora",
    "aurora-serverless", "sqlserver", "db2", "redshift", "s3"})
CDC_METRICS: Final = ("CDCLatencySource", "CDCLatencyTarget")
CDC_TYPES: Final = ("cdc", "full-load-and-cdc")


# --- not public -----------------------------------------------------------------------------------

def _not_public(args: ResourceValidationArgs, report: ReportViolation) -> None:
    value = get(args.props, "publiclyAccessible")
    if is_unknown(value):
        return
    if as_bool(value) is not False:  # absent = the API default, true
        report("DMS replication instance must set publiclyAccessible: false (the DMS API defaults to a public "
               "IP address).", None)


dms_not_public = resource_policy(
    "dms-not-public", "DMS replication instances must not be publicly accessible (Serverless replications "
    "never are).", [INSTANCE], _not_public)


# --- customer-managed keys ------------------------------------------------------------------------

def _key_of(args: ResourceValidationArgs) -> Any:
    if args.resource_type == CONFIG:
        return get(args.props, "computeConfig", "kmsKeyId")
    return get(args.props, "kmsKeyArn")


def _aws_managed(key: str) -> bool:
    return key.startswith("alias/aws/") or ":alias/aws/" in key


def _cmk(args: ResourceValidationArgs, report: ReportViolation) -> None:
    key = _key_of(args)
    if is_unknown(key):
        return
    prop = "computeConfig.kmsKeyId" if args.resource_type == CONFIG else "kmsKeyArn"
    text = as_str(key)
    if not text:
        report(f"DMS encrypts with the AWS-managed aws/dms key unless {prop} names a customer-managed key.", None)
    elif _aws_managed(text):
        report(f"{prop} names an AWS-managed key ({text}); use a customer-managed key.", None)


dms_customer_managed_key = resource_policy(
    "dms-customer-managed-key", "DMS endpoints and replications must encrypt with a customer-managed KMS key.",
    [ENDPOINT, S3_ENDPOINT, INSTANCE, CONFIG], _cmk)


# --- validation -----------------------------------------------------------------------------------

def _settings(r: PolicyResource) -> Mapping[str, Any] | None:
    raw = get(r.props, "replicationSettings" if r.resource_type == CONFIG else "replicationTaskSettings")
    if raw is None:
        return {}
    if is_unknown(raw):
        return None
    if isinstance(raw, str):
        try:
            parsed = json.loads(raw)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    plain = to_plain(raw)
    return plain if isinstance(plain, dict) else {}


def _target_engine(replication: PolicyResource, resources: list[PolicyResource]) -> str | None:
    for endpoint in of_type(resources, ENDPOINT, S3_ENDPOINT):
        if refers_to(replication, endpoint, "targetEndpointArn", ("endpointArn", "arn")):
            if endpoint.resource_type == S3_ENDPOINT:
                return "s3"
            return as_str(get(endpoint.props, "engineName"))
    return None  # an endpoint outside the stack: the rule cannot tell its engine


def _validation(args: StackValidationArgs, report: ReportViolation) -> None:
    resources = list(args.resources)
    replications = of_type(resources, TASK, CONFIG)
    if not replications:
        args.not_applicable("no DMS replication in the stack")
        return
    for r in replications:
        engine = _target_engine(r, resources)
        settings = _settings(r)
        if engine not in VALIDATION_TARGETS or settings is None:
            continue  # DynamoDB and other targets DMS cannot validate; or settings unknown in preview
        if get(settings, "ValidationSettings", "EnableValidation") is not True:
            report(f"DMS replication '{r.name}' targets {engine}, which DMS data validation supports: set "
                   "ValidationSettings.EnableValidation: true in its settings.", r.urn)


dms_validation_enabled = stack_policy(
    "dms-validation-enabled", "DMS replications must enable data validation where DMS supports it for the "
    "target.", _validation)


# --- CDC latency alarm ----------------------------------------------------------------------------

def _captures_changes(r: PolicyResource) -> bool:
    kind = get(r.props, "replicationType" if r.resource_type == CONFIG else "migrationType")
    return is_unknown(kind) or kind in CDC_TYPES


def _identifiers(r: PolicyResource) -> set[str]:
    """What a metric's dimensions carry for this replication: its id and its ARN's last part."""
    out = set()
    for prop in ("replicationTaskId", "replicationConfigIdentifier", "replicationTaskArn", "arn"):
        value = as_str(get(r.props, prop))
        if value:
            out |= {value, value.split(":")[-1]}
    return out


def _watches(alarm: PolicyResource, replication: PolicyResource) -> bool:
    if get(alarm.props, "namespace") != "AWS/DMS" or get(alarm.props, "metricName") not in CDC_METRICS:
        return False
    if replication.urn in {d.urn for d in alarm.dependencies}:
        return True
    ids = _identifiers(replication)
    for _, value in entries(get(alarm.props, "dimensions")):
        text = as_str(value)
        if text and (text in ids or text.split(":")[-1] in ids):
            return True
    return False


def _cdc_alarm(args: StackValidationArgs, report: ReportViolation) -> None:
    resources = list(args.resources)
    replications = [r for r in of_type(resources, TASK, CONFIG) if _captures_changes(r)]
    if not replications:
        args.not_applicable("no DMS replication capturing changes in the stack")
        return
    alarms = of_type(resources, ALARM)
    for r in replications:
        if not any(_watches(a, r) for a in alarms):
            report(f"DMS replication '{r.name}' has no CloudWatch alarm on AWS/DMS CDCLatencySource or "
                   "CDCLatencyTarget: a stalled replication would go unnoticed until the writer moves.", r.urn)


dms_cdc_latency_alarm = stack_policy(
    "dms-cdc-latency-alarm", "Every DMS replication that captures changes must have a CDC-latency alarm.",
    _cdc_alarm)


# --- one writer per dataset -----------------------------------------------------------------------

def _single_writer(args: StackValidationArgs, report: ReportViolation) -> None:
    """The DataPlan contract: ``{"greenWeight": int, "datasets": {name: {"method", "writer", "copies":
    [{"color", "store", "writers": [colors]}], "receipt"}}}``; each copy lists the colors whose compute
    can write to it at this configuration. Two copies with writers means two colors write to different
    copies of one dataset: the writes each receives are missing from the other, and retiring either
    loses them."""
    plans = of_type(args.resources, DATA_PLAN)
    if not plans:
        args.not_applicable("no DataPlan in the stack")
        return
    for plan in plans:
        for name, dataset in entries(get(plan.props, "datasets")):
            if is_unknown(dataset):
                continue
            written = []
            for copy in items(get(dataset, "copies")):
                writers = [str(w) for w in items(get(copy, "writers"))]
                if writers:
                    written.append(f"{get(copy, 'store')} ({get(copy, 'color')}'s copy, written by "
                                   f"{' and '.join(writers)})")
            if len(written) > 1:
                report(f"Dataset '{name}' can be written in {len(written)} copies at once: {'; '.join(written)}. "
                       "Give it one writer color (route writes to it, make the other color's access read-only, "
                       "or use method shared).", plan.urn)


data_plan_single_writer = stack_policy(
    "data-plan-single-writer", "At most one copy of each dataset may be writable at any stage.", _single_writer)

POLICIES: Final = [dms_not_public, dms_customer_managed_key, dms_validation_enabled, dms_cdc_latency_alarm,
                   data_plan_single_writer]
