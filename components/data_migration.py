"""AWS DMS replication of one dataset from blue's database to green's store: full load, then CDC.

Shape (one ``DataMigration`` per dataset):

* **Compute**: DMS Serverless (``aws.dms.ReplicationConfig``) by default — it supports every pair
  the platform migrates (PostgreSQL and MySQL-compatible sources; PostgreSQL, MySQL and DynamoDB
  targets; DMS user guide, "Supported endpoints" of DMS Serverless) and bills only the DCUs used. A
  replication instance plus task (``InstanceCapacity``) is the fallback for a pair Serverless does
  not support, or when a fixed instance class is wanted.
* **Network**: a replication subnet group over the given private subnets and a security group of
  its own with no ingress and egress only to the two databases' ports (by security-group reference
  or CIDR) — 443 to DynamoDB for a DynamoDB target. Never publicly accessible.
* **Credentials**: each database endpoint reads its secret from Secrets Manager through a role
  that trusts ``dms.<region>.amazonaws.com`` (DMS user guide, "Using secrets to access AWS DMS
  endpoints") and may read only those secrets (and decrypt them with their KMS key, if given).
* **TLS**: required on every database endpoint. DMS supports per engine (DMS user guide, "Using SSL
  with AWS DMS"): PostgreSQL ``require`` | ``verify-ca`` | ``verify-full``; MySQL/MariaDB/Aurora
  MySQL ``verify-ca`` | ``verify-full`` only (``require`` is "Not supported"), so a MySQL-compatible
  endpoint needs the server's CA (``ca_certificate_pem``, imported as a DMS certificate). A DynamoDB
  endpoint has no SSL mode: every DynamoDB API call is HTTPS.
* **Encryption**: the customer-managed KMS key encrypts the endpoints' connection settings and the
  replication's storage.
* **Validation**: DMS data validation (``ValidationSettings.EnableValidation``) wherever DMS supports
  it for the pair — relational sources to PostgreSQL/MySQL targets; not DynamoDB targets (DMS user
  guide, "AWS DMS data validation": the supported target list has no DynamoDB). The platform's
  verifier (functions/verifier) covers those.
* **Alarms** to the alert topic: CDCLatencySource and CDCLatencyTarget over the threshold, and (with
  validation) ValidationFailedOverallCount above 0. Namespace ``AWS/DMS``. Dimensions: a task runs
  under ``ReplicationInstanceIdentifier`` + ``ReplicationTaskIdentifier`` (the task's resource id,
  the last part of its ARN) per the DMS metrics reference; a Serverless replication's metrics carry
  ``ReplicationConfigId`` = ``<account id>:<the config ARN's last part>``.

Account-wide service roles. DMS looks up two IAM roles by exact name, ``dms-vpc-role`` (managed
policy ``AmazonDMSVPCManagementRole``: it creates the network interfaces of subnet groups) and
``dms-cloudwatch-logs-role`` (``AmazonDMSCloudWatchLogsRole``), both trusting ``dms.amazonaws.com``
(DMS user guide, "Creating the IAM roles to use with AWS DMS"). IAM role names are unique per
account, so two stacks creating them collide. ``create_account_roles`` decides: exactly ONE stack per
account (say the first prod stack) sets it and owns the roles, retained on delete so that removing
that stack never breaks another stack's replication; every other stack leaves it off and relies on
the roles by name. The component never looks them up (a lookup fails the preview of the very
stack that is meant to create them).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from cutover import iam
from cutover.naming import Kind, Namer

RELATIONAL_ENGINES = ("postgres", "aurora-postgresql", "mysql", "mariadb", "aurora")
MYSQL_FAMILY = ("mysql", "mariadb", "aurora")
# DMS user guide, "Using SSL with AWS DMS", table of SSL modes per engine.
SSL_MODES = {"postgres": ("require", "verify-ca", "verify-full"),
             "aurora-postgresql": ("require", "verify-ca", "verify-full"),
             "mysql": ("verify-ca", "verify-full"), "mariadb": ("verify-ca", "verify-full"),
             "aurora": ("verify-ca", "verify-full")}
# DMS user guide, DMS Serverless "Supported endpoints" (engine names as the DMS API spells them).
SERVERLESS_SOURCES = ("postgres", "aurora-postgresql", "mysql", "mariadb", "aurora")
SERVERLESS_TARGETS = ("postgres", "aurora-postgresql", "mysql", "mariadb", "aurora", "dynamodb")
# DMS data validation targets (DMS user guide, "AWS DMS data validation"), among the engines here.
VALIDATION_TARGETS = RELATIONAL_ENGINES
DCU_VALUES = (1, 2, 4, 8, 16, 32, 64, 128, 192, 256, 384)  # pulumi_aws ReplicationConfig compute_config docs
ATTRIBUTE_TYPES = {"S": "string", "N": "number"}  # DMS object mapping attribute-sub-type
ACCOUNT_ROLES = {"dms-vpc-role": "arn:aws:iam::aws:policy/service-role/AmazonDMSVPCManagementRole",
                 "dms-cloudwatch-logs-role": "arn:aws:iam::aws:policy/service-role/AmazonDMSCloudWatchLogsRole"}
# DMS user guide, "Using an Amazon DynamoDB database as a target": the service access role's
# permissions on the target tables and on the two control tables DMS writes exceptions to.
DYNAMODB_TARGET_ACTIONS = ("dynamodb:PutItem", "dynamodb:CreateTable", "dynamodb:DescribeTable",
                           "dynamodb:DeleteTable", "dynamodb:DeleteItem", "dynamodb:UpdateItem")
DMS_CONTROL_TABLES = ("awsdms_apply_exceptions", "awsdms_full_load_exceptions")
HTTPS = 443


@dataclass(frozen=True)
class DatabaseEndpoint:
    """A PostgreSQL or MySQL-compatible database DMS connects to."""

    engine: str  # postgres | aurora-postgresql | mysql | mariadb | aurora
    server_name: pulumi.Input[str]
    port: int
    database_name: str
    secret_arn: pulumi.Input[str]  # JSON with username and password (and host/port) for DMS
    secret_kms_key_arn: pulumi.Input[str] | None = None  # the secret's CMK, if not aws/secretsmanager
    ssl_mode: str | None = None  # default: verify-full with a CA, else require (PostgreSQL only)
    ca_certificate_pem: str | None = None  # the server's CA bundle: needed for verify-ca / verify-full
    security_group_id: pulumi.Input[str] | None = None  # the database's SG: DMS is admitted by reference
    cidr_blocks: tuple[str, ...] = ()  # where it lives when there is no SG to reference (peered VPC)


@dataclass(frozen=True)
class DynamoDBTarget:
    """DynamoDB tables of this stack, written by DMS through a service access role."""

    table_arns: tuple[pulumi.Input[str], ...]
    prefix_list_id: pulumi.Input[str] | None = None  # the DynamoDB gateway endpoint's; else 443 anywhere


@dataclass(frozen=True)
class AttributeMapping:
    attribute: str  # DynamoDB attribute name
    column: str  # source column
    type: str = "S"  # S | N


@dataclass(frozen=True)
class TableMapping:
    """One source table; for a DynamoDB target, the item it becomes."""

    schema: str
    table: str
    target_table: str | None = None  # DynamoDB table name (physical)
    partition_key: str | None = None  # attribute names, among ``attributes``
    sort_key: str | None = None
    attributes: tuple[AttributeMapping, ...] = ()
    exclude_columns: tuple[str, ...] = ()  # columns that must not become attributes


@dataclass(frozen=True)
class ServerlessCapacity:
    min_dcu: int = 1
    max_dcu: int = 4
    multi_az: bool = False


@dataclass(frozen=True)
class InstanceCapacity:
    instance_class: str = "dms.t3.medium"
    allocated_storage_gb: int = 50
    multi_az: bool = False


@dataclass(frozen=True)
class DataMigrationArgs:
    dataset: str  # the data plan's dataset name; part of every physical name
    namer: Namer
    source: DatabaseEndpoint
    target: DatabaseEndpoint | DynamoDBTarget
    tables: tuple[TableMapping, ...]
    vpc_id: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]  # private subnets, at least two AZs (DMS subnet group rule)
    kms_key_arn: pulumi.Input[str]  # customer-managed key
    alert_topic_arn: pulumi.Input[str]
    region: str
    account_id: str
    capacity: ServerlessCapacity | InstanceCapacity | None = None  # None: Serverless when the pair allows
    create_account_roles: bool = False  # see the module docstring: one stack per account sets it
    start: bool = False  # run the replication on deploy (after the verifier's preflight)
    lob_max_size_kb: int = 32  # limited LOB mode (DMS default LobMaxSize)
    cdc_latency_threshold_seconds: int = 300
    log_retention_days: int = 14
    tags: dict[str, str] = field(default_factory=dict)


def _mapping_rules(tables: Sequence[TableMapping], dynamodb: bool) -> list[dict[str, Any]]:
    """Selection rules (and DynamoDB object-mapping rules), per the DMS table-mapping JSON format."""
    rules: list[dict[str, Any]] = []
    for t in tables:
        locator = {"schema-name": t.schema, "table-name": t.table}
        rules.append({"rule-type": "selection", "rule-id": str(len(rules) + 1), "rule-name": f"include-{t.table}",
                      "object-locator": locator, "rule-action": "include"})
        if not dynamodb:
            continue
        params: dict[str, Any] = {"partition-key-name": t.partition_key}
        if t.sort_key:
            params["sort-key-name"] = t.sort_key
        # map-record-to-record also copies every other column under its own name: exclude the
        # columns mapped under another name (and those asked for) so no value lands twice.
        renamed = [a.column for a in t.attributes if a.column != a.attribute]
        params["exclude-columns"] = sorted({*renamed, *t.exclude_columns})
        params["attribute-mappings"] = [
            {"target-attribute-name": a.attribute, "attribute-type": "scalar",
             "attribute-sub-type": ATTRIBUTE_TYPES[a.type], "value": "${" + a.column + "}"}
            for a in t.attributes]
        rules.append({"rule-type": "object-mapping", "rule-id": str(len(rules) + 1),
                      "rule-name": f"map-{t.table}", "rule-action": "map-record-to-record",
                      "object-locator": locator, "target-table-name": t.target_table,
                      "mapping-parameters": params})
    return rules


def table_mappings(tables: Sequence[TableMapping], dynamodb: bool) -> str:
    return json.dumps({"rules": _mapping_rules(tables, dynamodb)}, sort_keys=True)


def replication_settings(validation: bool, lob_max_size_kb: int) -> str:
    """Task settings (DMS user guide, "Task settings"): limited LOB mode, validation, logging."""
    settings: dict[str, Any] = {
        # The target schema belongs to green (migrations, or this stack's DynamoDB tables): DMS
        # must neither drop nor truncate it.
        "FullLoadSettings": {"TargetTablePrepMode": "DO_NOTHING"},
        "TargetMetadata": {"SupportLobs": True, "FullLobMode": False, "LimitedSizeLobMode": True,
                           "LobMaxSize": lob_max_size_kb},
        "Logging": {"EnableLogging": True},
        "ValidationSettings": {"EnableValidation": validation},
    }
    if validation:
        settings["ValidationSettings"].update({"ValidationMode": "ROW_LEVEL", "ThreadCount": 5,
                                               "FailureMaxCount": 10000, "ValidationOnly": False})
    return json.dumps(settings, sort_keys=True)


def validate(args: DataMigrationArgs) -> None:
    """Combinations DMS would refuse at deploy time, with the argument at fault."""
    engines = {"source": args.source.engine}
    if isinstance(args.target, DatabaseEndpoint):
        engines["target"] = args.target.engine
    for side, engine in engines.items():
        if engine not in RELATIONAL_ENGINES:
            raise ValueError(f"{side}.engine: unknown value {engine!r} (allowed: {' | '.join(RELATIONAL_ENGINES)})")
        endpoint = args.source if side == "source" else args.target
        assert isinstance(endpoint, DatabaseEndpoint)
        mode = _ssl_mode(endpoint)
        if mode not in SSL_MODES[engine]:
            raise ValueError(f"{side}.ssl_mode: {mode!r} is not supported by DMS for {engine} "
                             f"(allowed: {' | '.join(SSL_MODES[engine])}; 'none' is never allowed here)")
        if mode.startswith("verify") and not endpoint.ca_certificate_pem:
            raise ValueError(f"{side}.ca_certificate_pem: required for ssl_mode {mode!r}"
                             + (" (DMS offers no 'require' for MySQL-compatible engines)"
                                if engine in MYSQL_FAMILY else ""))
        if not endpoint.security_group_id and not endpoint.cidr_blocks:
            raise ValueError(f"{side}: give security_group_id or cidr_blocks: DMS egress goes only to the database")
    if not args.tables:
        raise ValueError("tables: at least one table to replicate")
    names = [f"{t.schema}.{t.table}" for t in args.tables]
    if len(set(names)) != len(names):
        raise ValueError(f"tables: a table appears twice ({', '.join(sorted(n for n in names if names.count(n) > 1))})")
    if isinstance(args.target, DynamoDBTarget):
        for t in args.tables:
            attrs = [a.attribute for a in t.attributes]
            if not t.target_table or not t.partition_key:
                raise ValueError(f"tables[{t.schema}.{t.table}]: a DynamoDB target needs target_table and "
                                 "partition_key")
            for key in (t.partition_key, t.sort_key):
                if key and key not in attrs:
                    raise ValueError(f"tables[{t.schema}.{t.table}]: key {key!r} is not a mapped attribute "
                                     f"({', '.join(attrs)})")
            for a in t.attributes:
                if a.type not in ATTRIBUTE_TYPES:
                    raise ValueError(f"tables[{t.schema}.{t.table}].attributes[{a.attribute}].type: {a.type!r} "
                                     f"(allowed: {' | '.join(ATTRIBUTE_TYPES)})")
    cap = args.capacity
    if isinstance(cap, ServerlessCapacity):
        target_engine = "dynamodb" if isinstance(args.target, DynamoDBTarget) else args.target.engine
        if args.source.engine not in SERVERLESS_SOURCES or target_engine not in SERVERLESS_TARGETS:
            raise ValueError(f"capacity: DMS Serverless does not support {args.source.engine} -> {target_engine}: "
                             "use InstanceCapacity")
        for label, value in (("min_dcu", cap.min_dcu), ("max_dcu", cap.max_dcu)):
            if value not in DCU_VALUES:
                raise ValueError(f"capacity.{label}: {value} (allowed: {', '.join(map(str, DCU_VALUES))})")
        if cap.min_dcu > cap.max_dcu:
            raise ValueError(f"capacity: min_dcu {cap.min_dcu} exceeds max_dcu {cap.max_dcu}")
    if len(args.subnet_ids) < 2:
        raise ValueError("subnet_ids: a DMS subnet group needs subnets in at least two Availability Zones")


def _ssl_mode(endpoint: DatabaseEndpoint) -> str:
    if endpoint.ssl_mode:
        return endpoint.ssl_mode
    return "verify-full" if endpoint.ca_certificate_pem or endpoint.engine in MYSQL_FAMILY else "require"


def _resource_id(arn: str | None) -> str | None:
    """The last part of a DMS ARN (``arn:aws:dms:<region>:<account>:task:<ID>``): what metrics carry."""
    return arn.split(":")[-1] if arn else None  # None only in previews, before DMS has made the ARN


def validation_supported(args: DataMigrationArgs) -> bool:
    return isinstance(args.target, DatabaseEndpoint) and args.target.engine in VALIDATION_TARGETS


class DataMigration(pulumi.ComponentResource):
    """Full load and CDC of one dataset; alarms on CDC latency and validation failures."""

    mode: str  # serverless | instance
    validation_enabled: bool
    table_mappings: str
    replication_settings: str
    security_group_id: pulumi.Output[str]
    source_endpoint_arn: pulumi.Output[str]
    target_endpoint_arn: pulumi.Output[str]
    replication_arn: pulumi.Output[str]  # the ReplicationConfig's or the ReplicationTask's
    alarm_names: list[str]

    def __init__(self, name: str, args: DataMigrationArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cutover:data:DataMigration", name, None, opts)
        validate(args)
        namer, ds = args.namer, args.dataset
        child = pulumi.ResourceOptions(parent=self)
        dynamodb = isinstance(args.target, DynamoDBTarget)
        cap = args.capacity
        if cap is None:
            cap = ServerlessCapacity()
        self.mode = "serverless" if isinstance(cap, ServerlessCapacity) else "instance"
        self.validation_enabled = validation_supported(args)
        self.table_mappings = table_mappings(args.tables, dynamodb)
        self.replication_settings = replication_settings(self.validation_enabled, args.lob_max_size_kb)
        ident = namer.name(Kind.RDS_IDENTIFIER, "dms", ds)

        account_roles = self._account_roles(name) if args.create_account_roles else []
        sg = self._security_group(name, args)
        self.security_group_id = sg.id
        subnets = aws.dms.ReplicationSubnetGroup(
            f"{name}-subnets", replication_subnet_group_id=ident,
            replication_subnet_group_description=f"{namer.prefix} DMS {ds}: private subnets",
            subnet_ids=list(args.subnet_ids),
            opts=pulumi.ResourceOptions(parent=self, depends_on=account_roles))

        secrets_role = self._secrets_role(name, args)
        source = self._database_endpoint(name, "source", args.source, args, secrets_role)
        if isinstance(args.target, DynamoDBTarget):
            target = self._dynamodb_endpoint(name, args.target, args)
        else:
            target = self._database_endpoint(name, "target", args.target, args, secrets_role)
        self.source_endpoint_arn, self.target_endpoint_arn = source.endpoint_arn, target.endpoint_arn

        if isinstance(cap, ServerlessCapacity):
            config = aws.dms.ReplicationConfig(
                name, replication_config_identifier=ident, replication_type="full-load-and-cdc",
                source_endpoint_arn=source.endpoint_arn, target_endpoint_arn=target.endpoint_arn,
                table_mappings=self.table_mappings, replication_settings=self.replication_settings,
                start_replication=args.start,
                compute_config={"replication_subnet_group_id": subnets.replication_subnet_group_id,
                                 "vpc_security_group_ids": [sg.id], "kms_key_id": args.kms_key_arn,
                                 "min_capacity_units": cap.min_dcu, "max_capacity_units": cap.max_dcu,
                                 "multi_az": cap.multi_az, "preferred_maintenance_window": "sun:05:30-sun:06:00"},
                opts=child)
            self.replication_arn = config.arn
            replication: pulumi.Resource = config
            resource_id = config.arn.apply(_resource_id)
            # DMS Serverless writes to this group (named after the config's resource id) and creates it
            # without retention if it does not exist: own it so the retention applies.
            aws.cloudwatch.LogGroup(f"{name}-logs", name=pulumi.Output.concat("dms-serverless-replication-",
                                                                             resource_id),
                                    retention_in_days=args.log_retention_days, opts=child)
            dimensions: pulumi.Input[dict[str, pulumi.Input[str]]] = {
                "ReplicationConfigId": pulumi.Output.concat(args.account_id, ":", resource_id)}
        else:
            instance = aws.dms.ReplicationInstance(
                name, replication_instance_id=ident, replication_instance_class=cap.instance_class,
                allocated_storage=cap.allocated_storage_gb, multi_az=cap.multi_az, publicly_accessible=False,
                kms_key_arn=args.kms_key_arn, replication_subnet_group_id=subnets.replication_subnet_group_id,
                vpc_security_group_ids=[sg.id], auto_minor_version_upgrade=True, apply_immediately=False,
                preferred_maintenance_window="sun:05:30-sun:06:00", opts=child)
            task = aws.dms.ReplicationTask(
                f"{name}-task", replication_task_id=ident, migration_type="full-load-and-cdc",
                replication_instance_arn=instance.replication_instance_arn,
                source_endpoint_arn=source.endpoint_arn, target_endpoint_arn=target.endpoint_arn,
                table_mappings=self.table_mappings, replication_task_settings=self.replication_settings,
                start_replication_task=args.start, opts=child)
            self.replication_arn = task.replication_task_arn
            replication = task
            aws.cloudwatch.LogGroup(f"{name}-logs", name=pulumi.Output.concat("dms-tasks-", ident),
                                    retention_in_days=args.log_retention_days, opts=child)
            dimensions = {"ReplicationInstanceIdentifier": ident,
                          "ReplicationTaskIdentifier": task.replication_task_arn.apply(_resource_id)}
        self.alarm_names = self._alarms(name, args, dimensions, replication)
        self.register_outputs({
            "mode": self.mode, "validationEnabled": self.validation_enabled, "replicationArn": self.replication_arn,
            "sourceEndpointArn": self.source_endpoint_arn, "targetEndpointArn": self.target_endpoint_arn,
            "securityGroupId": self.security_group_id, "tableMappings": self.table_mappings,
            "alarmNames": self.alarm_names})

    # ── pieces ───────────────────────────────────────────────────────────────────────────────────

    def _account_roles(self, name: str) -> list[pulumi.Resource]:
        roles: list[pulumi.Resource] = []
        for role_name, policy_arn in ACCOUNT_ROLES.items():
            # Shared by every stack of the account: never deleted with the stack that created it.
            keep = pulumi.ResourceOptions(parent=self, retain_on_delete=True)
            role = aws.iam.Role(f"{name}-{role_name}", name=role_name, assume_role_policy=iam.assume_role(
                "dms.amazonaws.com"), description="DMS account-wide service role (looked up by DMS by this name)",
                opts=keep)
            roles.append(role)
            roles.append(aws.iam.RolePolicyAttachment(f"{name}-{role_name}", role=role.name, policy_arn=policy_arn,
                                                      opts=keep))
        return roles

    def _security_group(self, name: str, args: DataMigrationArgs) -> aws.ec2.SecurityGroup:
        child = pulumi.ResourceOptions(parent=self)
        sg_name = args.namer.name(Kind.SECURITY_GROUP, "dms", args.dataset)
        sg = aws.ec2.SecurityGroup(
            f"{name}-sg", name=sg_name, vpc_id=args.vpc_id, tags={"Name": sg_name},
            description="DMS replication: no ingress; egress only to the source and target database ports",
            opts=child)
        endpoints = [("source", args.source)]
        if isinstance(args.target, DatabaseEndpoint):
            endpoints.append(("target", args.target))
        for side, ep in endpoints:
            if ep.security_group_id is not None:
                aws.vpc.SecurityGroupEgressRule(
                    f"{name}-to-{side}", security_group_id=sg.id, ip_protocol="tcp", from_port=ep.port,
                    to_port=ep.port, referenced_security_group_id=ep.security_group_id,
                    description=f"to the {side} database", opts=child)
                aws.vpc.SecurityGroupIngressRule(
                    f"{name}-{side}-from-dms", security_group_id=ep.security_group_id, ip_protocol="tcp",
                    from_port=ep.port, to_port=ep.port, referenced_security_group_id=sg.id,
                    description=f"from DMS ({args.dataset})", opts=child)
            for cidr in ep.cidr_blocks:
                aws.vpc.SecurityGroupEgressRule(
                    f"{name}-to-{side}-{cidr}", security_group_id=sg.id, ip_protocol="tcp", from_port=ep.port,
                    to_port=ep.port, cidr_ipv4=cidr, description=f"to the {side} database", opts=child)
        if isinstance(args.target, DynamoDBTarget):
            target = args.target
            if target.prefix_list_id is not None:
                aws.vpc.SecurityGroupEgressRule(
                    f"{name}-to-dynamodb", security_group_id=sg.id, ip_protocol="tcp", from_port=HTTPS,
                    to_port=HTTPS, prefix_list_id=target.prefix_list_id, description="to DynamoDB (gateway endpoint)",
                    opts=child)
            else:
                aws.vpc.SecurityGroupEgressRule(
                    f"{name}-to-dynamodb", security_group_id=sg.id, ip_protocol="tcp", from_port=HTTPS,
                    to_port=HTTPS, cidr_ipv4="0.0.0.0/0", description="to DynamoDB's public endpoint (HTTPS)",
                    opts=child)
        return sg

    def _secrets_role(self, name: str, args: DataMigrationArgs) -> aws.iam.Role:
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{name}-secrets", name=args.namer.name(Kind.IAM_ROLE, "dms", args.dataset, "secrets"),
            # The regional service principal, as the DMS guide's Secrets Manager trust policy shows.
            assume_role_policy=iam.assume_role(f"dms.{args.region}.amazonaws.com"),
            description=f"DMS {args.dataset}: reads the endpoints' database credentials", opts=child)
        endpoints = [args.source] + ([args.target] if isinstance(args.target, DatabaseEndpoint) else [])
        secrets = [ep.secret_arn for ep in endpoints]
        keys = [ep.secret_kms_key_arn for ep in endpoints if ep.secret_kms_key_arn is not None]

        def document(values: list[Any]) -> str:
            arns, kms = values[:len(secrets)], values[len(secrets):]
            statements = [iam.statement(["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                                        sorted(set(arns)), sid="EndpointSecrets")]
            if kms:
                statements.append(iam.statement(["kms:Decrypt"], sorted(set(kms)), sid="DecryptSecrets",
                                                condition={"StringEquals": {
                                                    "kms:ViaService": f"secretsmanager.{args.region}.amazonaws.com"}}))
            return iam.document(*statements)

        aws.iam.RolePolicy(f"{name}-secrets", role=role.id, name="read-endpoint-secrets",
                           policy=pulumi.Output.all(*secrets, *keys).apply(document), opts=child)
        return role

    def _database_endpoint(self, name: str, side: str, ep: DatabaseEndpoint, args: DataMigrationArgs,
                           role: aws.iam.Role) -> aws.dms.Endpoint:
        child = pulumi.ResourceOptions(parent=self)
        certificate = None
        if ep.ca_certificate_pem:
            certificate = aws.dms.Certificate(
                f"{name}-{side}-ca", certificate_id=args.namer.name(Kind.RDS_IDENTIFIER, "dms", args.dataset, side),
                certificate_pem=ep.ca_certificate_pem, opts=child)
        return aws.dms.Endpoint(
            f"{name}-{side}", endpoint_id=args.namer.name(Kind.RDS_IDENTIFIER, "dms", args.dataset, side),
            endpoint_type=side, engine_name=ep.engine, server_name=ep.server_name, port=ep.port,
            database_name=ep.database_name, ssl_mode=_ssl_mode(ep),
            certificate_arn=certificate.certificate_arn if certificate else None,
            secrets_manager_arn=ep.secret_arn, secrets_manager_access_role_arn=role.arn,
            kms_key_arn=args.kms_key_arn,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[certificate] if certificate else None))

    def _dynamodb_endpoint(self, name: str, target: DynamoDBTarget, args: DataMigrationArgs) -> aws.dms.Endpoint:
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{name}-dynamodb", name=args.namer.name(Kind.IAM_ROLE, "dms", args.dataset, "dynamodb"),
            assume_role_policy=iam.assume_role("dms.amazonaws.com"),
            description=f"DMS {args.dataset}: writes the target DynamoDB tables", opts=child)
        control = [f"arn:aws:dynamodb:{args.region}:{args.account_id}:table/{t}" for t in DMS_CONTROL_TABLES]

        def document(arns: list[str]) -> str:
            return iam.document(
                iam.statement(DYNAMODB_TARGET_ACTIONS, [*sorted(arns), *control], sid="TargetTables"),
                iam.statement(["dynamodb:ListTables"], "*", sid="ListTables"))

        policy = aws.iam.RolePolicy(f"{name}-dynamodb", role=role.id, name="write-target-tables",
                                    policy=pulumi.Output.all(*target.table_arns).apply(document), opts=child)
        return aws.dms.Endpoint(
            f"{name}-target", endpoint_id=args.namer.name(Kind.RDS_IDENTIFIER, "dms", args.dataset, "target"),
            endpoint_type="target", engine_name="dynamodb", service_access_role=role.arn,
            kms_key_arn=args.kms_key_arn, opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]))

    def _alarms(self, name: str, args: DataMigrationArgs, dimensions: pulumi.Input[dict[str, pulumi.Input[str]]],
                replication: pulumi.Resource) -> list[str]:
        child = pulumi.ResourceOptions(parent=self, depends_on=[replication])
        specs = [("cdc-latency-source", "CDCLatencySource", args.cdc_latency_threshold_seconds,
                  "changes captured from the source lag"),
                 ("cdc-latency-target", "CDCLatencyTarget", args.cdc_latency_threshold_seconds,
                  "changes applied to the target lag")]
        if self.validation_enabled:
            specs.append(("validation-failed", "ValidationFailedOverallCount", 0, "rows failed DMS data validation"))
        names = []
        for suffix, metric, threshold, what in specs:
            alarm_name = args.namer.name(Kind.ALARM, "dms", args.dataset, suffix)
            latency = metric.startswith("CDC")
            aws.cloudwatch.MetricAlarm(
                f"{name}-{suffix}", name=alarm_name, namespace="AWS/DMS", metric_name=metric,
                dimensions=dimensions, statistic="Maximum", period=300,
                evaluation_periods=3 if latency else 1, datapoints_to_alarm=3 if latency else 1,
                threshold=threshold, comparison_operator="GreaterThanThreshold",
                treat_missing_data="notBreaching",
                alarm_description=f"DMS {args.dataset}: {what} (threshold {threshold}"
                                  f"{' s' if latency else ''}); the writer cannot move to green meanwhile",
                alarm_actions=[args.alert_topic_arn], ok_actions=[args.alert_topic_arn], opts=child)
            names.append(alarm_name)
        return names
