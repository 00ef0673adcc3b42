"""Data stores: RDS/Aurora, RDS Proxy, ElastiCache, DynamoDB, SNS, SQS, KMS keys and log groups."""

from __future__ import annotations

from typing import Any, Final

from pulumi_policy import PolicyResource, ReportViolation, ResourceValidationArgs, StackValidationArgs

from cutover_guard._util import (
    as_bool,
    as_number,
    as_str,
    get,
    is_unknown,
    items,
    not_enabled,
    of_type,
    refers_to,
    resource_environment,
    resource_policy,
    stack_environment,
    stack_policy,
)

RDS_INSTANCE: Final = "aws:rds/instance:Instance"
RDS_CLUSTER: Final = "aws:rds/cluster:Cluster"
RDS_CLUSTER_INSTANCE: Final = "aws:rds/clusterInstance:ClusterInstance"
RDS_PROXY: Final = "aws:rds/proxy:Proxy"
REPLICATION_GROUP: Final = "aws:elasticache/replicationGroup:ReplicationGroup"
DYNAMODB_TABLE: Final = "aws:dynamodb/table:Table"
SNS_TOPIC: Final = "aws:sns/topic:Topic"
SQS_QUEUE: Final = "aws:sqs/queue:Queue"
KMS_KEY: Final = "aws:kms/key:Key"
LOG_GROUP: Final = "aws:cloudwatch/logGroup:LogGroup"

DEFAULT_MIN_BACKUP_DAYS: Final = {"dev": 1, "prod": 7}


def _flag_unless_true(prop: str, message: str) -> Any:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if not_enabled(args.props, prop):
            report(message, None)
    return validate


# --- RDS / Aurora ---------------------------------------------------------------------------------

def _rds_encrypted(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type == RDS_INSTANCE and get(args.props, "replicateSourceDb") is not None:
        return  # read replicas inherit the source's encryption
    if not_enabled(args.props, "storageEncrypted"):
        report("Database storage must be encrypted (storageEncrypted: true).", None)


rds_storage_encrypted = resource_policy(
    "rds-storage-encrypted", "RDS instances and Aurora clusters must encrypt storage at rest.",
    [RDS_INSTANCE, RDS_CLUSTER], _rds_encrypted)


def _rds_not_public(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if as_bool(get(args.props, "publiclyAccessible")) is True:
        report("Database must not be publicly accessible.", None)


rds_not_public = resource_policy(
    "rds-not-public", "RDS instances, Aurora clusters and cluster instances must not be publicly accessible.",
    [RDS_INSTANCE, RDS_CLUSTER, RDS_CLUSTER_INSTANCE], _rds_not_public)


def _rds_backups(args: ResourceValidationArgs, report: ReportViolation) -> None:
    env = resource_environment(args)
    minimums = {**DEFAULT_MIN_BACKUP_DAYS, **dict(args.get_config().get("minDays", {}))}
    raw = get(args.props, "backupRetentionPeriod")
    if is_unknown(raw):
        return
    days = as_number(raw)
    days = 1.0 if days is None else days  # the RDS API default
    if days < minimums[env]:
        report(f"Backup retention is {days:g} day(s); {env} requires at least {minimums[env]}.", None)


rds_backup_retention = resource_policy(
    "rds-backup-retention", "RDS instances and Aurora clusters must keep automated backups (>= 7 days in prod).",
    [RDS_INSTANCE, RDS_CLUSTER], _rds_backups,
    config={"minDays": {"type": "object", "default": DEFAULT_MIN_BACKUP_DAYS}})


def _rds_deletion_protection(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if resource_environment(args) != "prod":
        return
    if not_enabled(args.props, "deletionProtection"):
        report("Production databases must enable deletion protection.", None)


rds_deletion_protection = resource_policy(
    "rds-deletion-protection", "RDS instances and Aurora clusters in prod must have deletion protection.",
    [RDS_INSTANCE, RDS_CLUSTER], _rds_deletion_protection)


def cluster_instances(cluster: PolicyResource, resources: list[PolicyResource]) -> list[PolicyResource]:
    return [i for i in of_type(resources, RDS_CLUSTER_INSTANCE)
            if refers_to(i, cluster, "clusterIdentifier", ("id", "clusterIdentifier"))]


def _rds_multi_az(args: StackValidationArgs, report: ReportViolation) -> None:
    if stack_environment(args) != "prod":
        return
    resources = list(args.resources)
    for db in of_type(resources, RDS_INSTANCE):
        value = get(db.props, "multiAz")
        if get(db.props, "replicateSourceDb") is None and not is_unknown(value) and as_bool(value) is not True:
            report(f"RDS instance '{db.name}' must be Multi-AZ in prod.", db.urn)
    for cluster in of_type(resources, RDS_CLUSTER):
        if get(cluster.props, "dbClusterInstanceClass") is not None:
            continue  # a Multi-AZ DB cluster always has three instances across AZs
        n = len(cluster_instances(cluster, resources))
        if n < 2:
            report(f"Aurora cluster '{cluster.name}' has {n} instance(s); prod needs a writer and a reader "
                   "in another AZ.", cluster.urn)


rds_multi_az = stack_policy(
    "rds-multi-az", "Production databases must span two AZs (Multi-AZ instance, or an Aurora reader).",
    _rds_multi_az)

rds_iam_auth = resource_policy(
    "rds-iam-auth", "RDS instances and Aurora clusters should enable IAM database authentication.",
    [RDS_INSTANCE, RDS_CLUSTER],
    _flag_unless_true("iamDatabaseAuthenticationEnabled", "IAM database authentication is not enabled."))

rds_proxy_tls = resource_policy(
    "rds-proxy-tls", "RDS proxies must require TLS.", [RDS_PROXY],
    _flag_unless_true("requireTls", "RDS Proxy must require TLS (requireTls: true)."))

# The parameter that makes the database refuse unencrypted connections, per engine family. MySQL:
# require_secure_transport, OFF by default on RDS for MySQL 8.0/8.4 and Aurora MySQL 3 ("Requiring SSL/TLS for
# all connections to a MySQL DB instance", RDS user guide; set 1 or ON in a custom parameter group).
# PostgreSQL: rds.force_ssl, 1 by default from RDS for PostgreSQL 15 ("Requiring an SSL connection to a
# PostgreSQL DB instance", RDS user guide).
MYSQL_ENGINES: Final = ("mysql", "mariadb", "aurora-mysql")
TLS_ON: Final = ("1", "on", "true")
PARAMETER_GROUP: Final = "aws:rds/parameterGroup:ParameterGroup"
CLUSTER_PARAMETER_GROUP: Final = "aws:rds/clusterParameterGroup:ClusterParameterGroup"
POSTGRES_FORCE_SSL_DEFAULT_MAJOR: Final = 15


def _parameter(group: PolicyResource, name: str) -> str | None:
    for p in items(get(group.props, "parameters")):
        if as_str(get(p, "name")) == name:
            return (as_str(get(p, "value")) or "").lower()
    return None


def _rds_tls_required(args: StackValidationArgs, report: ReportViolation) -> None:
    resources = list(args.resources)
    checks = ((RDS_INSTANCE, "parameterGroupName", PARAMETER_GROUP),
              (RDS_CLUSTER, "dbClusterParameterGroupName", CLUSTER_PARAMETER_GROUP))
    for type_, prop, group_type in checks:
        for db in of_type(resources, type_):
            engine = as_str(get(db.props, "engine")) or ""
            if get(db.props, "replicateSourceDb") is not None or is_unknown(get(db.props, prop)):
                continue
            mysql = engine in MYSQL_ENGINES
            param = "require_secure_transport" if mysql else "rds.force_ssl"
            groups = [g for g in of_type(resources, group_type) if refers_to(db, g, prop, ("name", "id"))]
            value = _parameter(groups[0], param) if groups else None
            if value is not None:
                if value not in TLS_ON:
                    report(f"{type_.rsplit(':', 1)[-1]} '{db.name}' ({engine}) lets clients connect without TLS: "
                           f"its parameter group sets {param} = {value}.", db.urn)
                continue
            if mysql:
                report(f"{type_.rsplit(':', 1)[-1]} '{db.name}' ({engine}) accepts unencrypted connections: "
                       f"require_secure_transport is OFF unless a parameter group sets it to 1.", db.urn)
            elif engine == "postgres":
                major = as_number((as_str(get(db.props, "engineVersion")) or "0").split(".", 1)[0])
                if major is not None and major < POSTGRES_FORCE_SSL_DEFAULT_MAJOR:
                    report(f"RDS instance '{db.name}' runs PostgreSQL {major:g}, whose default rds.force_ssl is 0: "
                           "set it to 1 in a parameter group.", db.urn)
            # Aurora PostgreSQL without a parameter group is not judged here: its default depends on the
            # engine version and no documented floor is encoded above.


rds_tls_required = stack_policy(
    "rds-tls-required", "Databases must refuse unencrypted connections (MySQL require_secure_transport, "
    "PostgreSQL rds.force_ssl).", _rds_tls_required)


# --- ElastiCache ----------------------------------------------------------------------------------

def _elasticache_encryption(args: ResourceValidationArgs, report: ReportViolation) -> None:
    for prop, what in (("atRestEncryptionEnabled", "at rest"), ("transitEncryptionEnabled", "in transit")):
        if not_enabled(args.props, prop):
            report(f"Replication group must encrypt data {what} ({prop}: true).", None)


elasticache_encryption = resource_policy(
    "elasticache-encryption", "ElastiCache replication groups must encrypt at rest and in transit.",
    [REPLICATION_GROUP], _elasticache_encryption)


def _elasticache_auth(args: ResourceValidationArgs, report: ReportViolation) -> None:
    token, groups = get(args.props, "authToken"), get(args.props, "userGroupIds")
    if is_unknown(token) or is_unknown(groups) or token or groups:
        return
    report("Replication group has neither an AUTH token nor RBAC user groups.", None)


elasticache_auth = resource_policy(
    "elasticache-auth", "ElastiCache replication groups should require AUTH or RBAC.", [REPLICATION_GROUP],
    _elasticache_auth)


def _elasticache_multi_az(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if resource_environment(args) != "prod":
        return
    failover, multi_az = get(args.props, "automaticFailoverEnabled"), get(args.props, "multiAzEnabled")
    if is_unknown(failover) or is_unknown(multi_az):
        return
    if as_bool(failover) is not True or as_bool(multi_az) is not True:
        report("Production replication groups need automaticFailoverEnabled and multiAzEnabled.", None)


elasticache_multi_az = resource_policy(
    "elasticache-multi-az", "ElastiCache replication groups in prod must be Multi-AZ with automatic failover.",
    [REPLICATION_GROUP], _elasticache_multi_az)


# --- DynamoDB, SNS, SQS ---------------------------------------------------------------------------

def _dynamodb_pitr(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not_enabled(args.props, "pointInTimeRecovery", "enabled"):
        report("DynamoDB table must enable point-in-time recovery.", None)


dynamodb_pitr = resource_policy("dynamodb-pitr", "DynamoDB tables must have point-in-time recovery.",
                                [DYNAMODB_TABLE], _dynamodb_pitr)


def _dynamodb_encryption(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if as_bool(get(args.props, "serverSideEncryption", "enabled")) is False:
        report("DynamoDB table disables server-side encryption with a KMS key (serverSideEncryption.enabled).", None)


dynamodb_encryption = resource_policy(
    "dynamodb-encryption", "DynamoDB tables must not turn off KMS server-side encryption.", [DYNAMODB_TABLE],
    _dynamodb_encryption)


def _sns_encrypted(args: ResourceValidationArgs, report: ReportViolation) -> None:
    key = get(args.props, "kmsMasterKeyId")
    if not is_unknown(key) and not as_str(key):
        report("SNS topic must be encrypted with KMS (kmsMasterKeyId, e.g. alias/aws/sns).", None)


sns_encrypted = resource_policy("sns-encrypted", "SNS topics must be encrypted at rest.", [SNS_TOPIC], _sns_encrypted)


def _sqs_encrypted(args: ResourceValidationArgs, report: ReportViolation) -> None:
    key, managed = get(args.props, "kmsMasterKeyId"), get(args.props, "sqsManagedSseEnabled")
    if is_unknown(key) or is_unknown(managed) or as_str(key):
        return
    if as_bool(managed) is False:  # absent = SQS-managed SSE, on by default for new queues
        report("SQS queue turns off server-side encryption (sqsManagedSseEnabled: false without a KMS key).", None)


sqs_encrypted = resource_policy("sqs-encrypted", "SQS queues must be encrypted at rest.", [SQS_QUEUE], _sqs_encrypted)


# --- KMS, logs ------------------------------------------------------------------------------------

def _kms_rotation(args: ResourceValidationArgs, report: ReportViolation) -> None:
    spec = get(args.props, "customerMasterKeySpec")
    if spec not in (None, "SYMMETRIC_DEFAULT"):
        return  # only symmetric keys can rotate automatically
    if not_enabled(args.props, "enableKeyRotation"):
        report("KMS key must enable automatic rotation (enableKeyRotation: true).", None)


kms_key_rotation = resource_policy("kms-key-rotation", "Symmetric KMS keys must rotate automatically.",
                                   [KMS_KEY], _kms_rotation)


def _log_retention(args: ResourceValidationArgs, report: ReportViolation) -> None:
    raw = get(args.props, "retentionInDays")
    if is_unknown(raw):
        return
    days = as_number(raw)
    if not days:
        report("Log group must set retentionInDays (logs are kept forever otherwise).", None)


log_group_retention = resource_policy(
    "log-group-retention", "CloudWatch log groups must set a retention period.", [LOG_GROUP], _log_retention)

POLICIES: Final = [
    rds_storage_encrypted, rds_not_public, rds_backup_retention, rds_deletion_protection, rds_multi_az, rds_iam_auth,
    rds_proxy_tls, rds_tls_required,
    elasticache_encryption, elasticache_auth, elasticache_multi_az, dynamodb_pitr, dynamodb_encryption,
    sns_encrypted, sqs_encrypted, kms_key_rotation, log_group_retention,
]
