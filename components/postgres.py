"""RDS PostgreSQL in isolated subnets, optionally behind an RDS Proxy (seed 000).

The instance's security group has no rules of its own: consumers are admitted by security-group
reference through the ``database:main`` StoreRef (its ``security_group_id`` and ``port``). With a
proxy, the ref points consumers at the PROXY (endpoint, security group, IAM ``rds-db:connect`` on
the proxy's resource id) and only the proxy's security group is admitted to the instance: nothing
reaches the database around the connection pool.

The master password is created and rotated by RDS in Secrets Manager
(``manage_master_user_password``); the proxy authenticates to the database with that secret and
requires IAM authentication (and TLS) from its clients. Only the secret's ARN leaves the component.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.alarms import DeclaredAlarm, rds_alarms
from components.refs import StoreRef
from cutover import iam
from cutover.config import EnvironmentSettings, PostgresConfig
from cutover.config.databases import POSTGRES_PORT
from cutover.data_guard import readonly_user
from cutover.naming import Kind, Namer
from cutover.rds_limits import postgres_max_connections

ENGINE = "postgres"
READ_ACTIONS = ("rds-db:connect", "secretsmanager:GetSecretValue")
READONLY_ACTIONS = ("rds-db:connect",)  # IAM database authentication (RDS user guide), as one user


def engine_major(version: str) -> str:
    """``16.6`` -> ``16``: PostgreSQL 10+ numbers majors with one component (``MAJOR.MINOR``)."""
    major = version.split(".", 1)[0]
    if not major.isdigit():
        raise ValueError(f"{version!r} is not a PostgreSQL MAJOR[.MINOR] version")
    return major


@dataclass(frozen=True)
class PostgresArgs:
    config: PostgresConfig
    namer: Namer
    env: EnvironmentSettings
    vpc_id: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]  # the database's tier (isolated by default)
    proxy_subnet_ids: Sequence[pulumi.Input[str]]  # private subnets: where consumers' ENIs live
    region: str
    account_id: str


class PostgresDatabase(pulumi.ComponentResource):
    instance: aws.rds.Instance
    proxy: aws.rds.Proxy | None
    instance_identifier: str  # physical identifier (CloudWatch DBInstanceIdentifier)
    proxy_name: str | None  # physical proxy name (CloudWatch ProxyName)
    instance_class: str
    allocated_storage_gb: int
    security_group_id: pulumi.Output[str]  # the instance's
    proxy_security_group_id: pulumi.Output[str] | None
    endpoint: pulumi.Output[str]  # what consumers connect to: the proxy when there is one
    instance_address: pulumi.Output[str]
    secret_arn: pulumi.Output[str]  # RDS-managed master credentials

    def __init__(self, name: str, args: PostgresArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cutover:data:PostgresDatabase", name, None, opts)
        cfg, env, namer = args.config, args.env, args.namer
        keep = env.protect_stateful
        child = pulumi.ResourceOptions(parent=self)
        ident = namer.name(Kind.RDS_IDENTIFIER, "postgres")
        self.instance_identifier, self.instance_class = ident, cfg.instance_class
        self.allocated_storage_gb = cfg.allocated_storage

        subnets = aws.rds.SubnetGroup(
            f"{name}-subnets", name=ident, description=f"{namer.prefix} PostgreSQL: {cfg.subnets} subnets",
            subnet_ids=list(args.subnet_ids), opts=child)
        sg_name = namer.name(Kind.SECURITY_GROUP, "postgres")
        sg = aws.ec2.SecurityGroup(
            f"{name}-sg", name=sg_name, vpc_id=args.vpc_id, tags={"Name": sg_name},
            description="RDS PostgreSQL: consumers (or the RDS Proxy) are admitted by security-group reference only",
            opts=child)
        # RDS would create this log group itself with no retention; own it so retention applies.
        logs = aws.cloudwatch.LogGroup(
            f"{name}-postgresql-logs", name=f"/aws/rds/instance/{ident}/postgresql",
            retention_in_days=env.log_retention_days, opts=child)
        monitoring_role = self._monitoring_role(name, namer) if cfg.monitoring_interval else None

        self.instance = aws.rds.Instance(
            name,
            identifier=ident,
            engine=ENGINE,
            # The major only ("16" for a configured 16.6): RDS applies minor upgrades in the maintenance
            # window (auto_minor_version_upgrade), and a pinned minor would then read as a change back
            # to 16.6 on the next `pulumi up`, which RDS refuses (no downgrades). The provider documents
            # the prefix form for exactly this case (pulumi_aws rds.Instance engine_version: "If
            # auto_minor_version_upgrade is enabled, you can provide a prefix of the version such as
            # 8.0 (for 8.0.36). The actual engine version used is returned in engine_version_actual").
            # So the profile's minor is dropped here: RDS creates the instance at its default minor of
            # that major and keeps it patched from then on.
            engine_version=engine_major(cfg.engine_version),
            allow_major_version_upgrade=False,
            auto_minor_version_upgrade=True,
            instance_class=cfg.instance_class,
            storage_type="gp3",
            allocated_storage=cfg.allocated_storage,
            max_allocated_storage=cfg.max_allocated_storage,
            storage_encrypted=True,
            db_name=cfg.database_name,
            username=cfg.master_username,
            manage_master_user_password=True,
            iam_database_authentication_enabled=True,
            port=POSTGRES_PORT,
            db_subnet_group_name=subnets.name,
            vpc_security_group_ids=[sg.id],
            publicly_accessible=False,
            multi_az=cfg.multi_az,
            backup_retention_period=cfg.backup_retention_days,
            backup_window="03:00-04:00",
            maintenance_window="sun:04:30-sun:05:30",
            copy_tags_to_snapshot=True,
            deletion_protection=cfg.deletion_protection,
            skip_final_snapshot=not keep,
            final_snapshot_identifier=namer.name(Kind.RDS_IDENTIFIER, "postgres-final") if keep else None,
            delete_automated_backups=not keep,
            # Free tier: 7 days. RDS for PostgreSQL supports it on every class (micro included; the
            # micro/small exclusions apply to MySQL and MariaDB only).
            performance_insights_enabled=cfg.performance_insights,
            performance_insights_retention_period=7 if cfg.performance_insights else None,
            monitoring_interval=cfg.monitoring_interval,
            monitoring_role_arn=monitoring_role.arn if monitoring_role else None,
            enabled_cloudwatch_logs_exports=["postgresql"],
            apply_immediately=not env.is_prod,  # prod changes wait for the maintenance window
            tags=cfg.suppress_tags or None,  # policy waivers (postgres.suppress), with their reasons
            opts=pulumi.ResourceOptions(parent=self, protect=keep, retain_on_delete=keep, depends_on=[logs]))

        self.security_group_id = sg.id
        self.instance_address = self.instance.address
        self.secret_arn = self.instance.master_user_secrets.apply(lambda s: s[0].secret_arn)
        self.proxy = None
        self.proxy_name = None
        self.proxy_security_group_id = None
        if cfg.proxy is not None:
            self._proxy(name, args, sg)
            assert self.proxy is not None
            self.endpoint = self.proxy.endpoint
            resource_id = self.proxy.arn.apply(lambda arn: arn.split(":")[-1])  # prx-...
        else:
            self.endpoint = self.instance.address
            resource_id = self.instance.resource_id  # db-...
        # IAM database authentication: the resource is the proxy's (prx-...) or instance's (db-...) id.
        self._db_user_arn = pulumi.Output.concat(
            f"arn:aws:rds-db:{args.region}:{args.account_id}:dbuser:", resource_id, "/*")
        # The non-writer color of a dataset connects only as the read-only user (cutover/data_guard.py).
        self._readonly_user = readonly_user(args.namer.app)
        self._readonly_user_arn = pulumi.Output.concat(
            f"arn:aws:rds-db:{args.region}:{args.account_id}:dbuser:", resource_id, "/", self._readonly_user)
        self._config = cfg
        self.register_outputs({"endpoint": self.endpoint, "instanceIdentifier": ident, "proxyName": self.proxy_name,
                               "securityGroupId": self.security_group_id, "secretArn": self.secret_arn})

    def _monitoring_role(self, name: str, namer: Namer) -> aws.iam.Role:
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{name}-monitoring", name=namer.name(Kind.IAM_ROLE, "postgres-monitoring"),
            assume_role_policy=iam.assume_role("monitoring.rds.amazonaws.com"),
            description="RDS enhanced monitoring: writes OS metrics to RDSOSMetrics", opts=child)
        # The statements of AmazonRDSEnhancedMonitoringRole, inline (no AWS managed policies here).
        aws.iam.RolePolicy(f"{name}-monitoring", role=role.id, name="enhanced-monitoring", policy=iam.document(
            iam.statement(["logs:CreateLogGroup", "logs:PutRetentionPolicy"], "arn:aws:logs:*:*:log-group:RDS*"),
            iam.statement(["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams",
                           "logs:GetLogEvents"], "arn:aws:logs:*:*:log-group:RDS*:log-stream:*")), opts=child)
        return role

    def _proxy(self, name: str, args: PostgresArgs, db_sg: aws.ec2.SecurityGroup) -> None:
        cfg, namer = args.config, args.namer
        assert cfg.proxy is not None
        child = pulumi.ResourceOptions(parent=self)
        proxy_name = namer.name(Kind.RDS_PROXY, "postgres")
        self.proxy_name = proxy_name
        sg_name = namer.name(Kind.SECURITY_GROUP, "postgres-proxy")
        sg = aws.ec2.SecurityGroup(
            f"{name}-proxy-sg", name=sg_name, vpc_id=args.vpc_id, tags={"Name": sg_name},
            description="RDS Proxy: consumers by security-group reference; out to the database only", opts=child)
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-proxy-to-db", security_group_id=sg.id, ip_protocol="tcp", from_port=POSTGRES_PORT,
            to_port=POSTGRES_PORT, referenced_security_group_id=db_sg.id, description="to PostgreSQL", opts=child)
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-db-from-proxy", security_group_id=db_sg.id, ip_protocol="tcp", from_port=POSTGRES_PORT,
            to_port=POSTGRES_PORT, referenced_security_group_id=sg.id, description="from the RDS Proxy", opts=child)

        role = aws.iam.Role(
            f"{name}-proxy", name=namer.name(Kind.IAM_ROLE, "postgres-proxy"),
            assume_role_policy=iam.assume_role("rds.amazonaws.com"),
            description="RDS Proxy: reads only the database's managed master secret", opts=child)
        policy = aws.iam.RolePolicy(
            f"{name}-proxy", role=role.id, name="read-master-secret",
            policy=self.secret_arn.apply(lambda arn: iam.document(iam.statement(
                ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], arn, sid="MasterSecret"))),
            opts=child)
        self.proxy = aws.rds.Proxy(
            f"{name}-proxy", name=proxy_name, engine_family="POSTGRESQL", role_arn=role.arn,
            vpc_subnet_ids=list(args.proxy_subnet_ids), vpc_security_group_ids=[sg.id],
            require_tls=True, debug_logging=False, idle_client_timeout=cfg.proxy.idle_client_timeout,
            auths=[{"auth_scheme": "SECRETS", "secret_arn": self.secret_arn, "iam_auth": "REQUIRED",
                    "client_password_auth_type": "POSTGRES_SCRAM_SHA_256",
                    "description": "RDS-managed master secret; clients authenticate with IAM"}],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]))
        aws.rds.ProxyDefaultTargetGroup(
            f"{name}-proxy-pool", db_proxy_name=self.proxy.name,
            connection_pool_config={
                "max_connections_percent": cfg.proxy.max_connections_percent,
                "max_idle_connections_percent": cfg.proxy.max_idle_connections_percent,
                "connection_borrow_timeout": cfg.proxy.connection_borrow_timeout,
            }, opts=child)
        aws.rds.ProxyTarget(f"{name}-proxy-target", db_proxy_name=self.proxy.name, target_group_name="default",
                            db_instance_identifier=self.instance.identifier, opts=child)
        self.proxy_security_group_id = sg.id

    def refs(self) -> dict[str, StoreRef]:
        """``database:main``: IAM auth to the proxy (or instance) as any user, and the master secret's ARN."""
        cfg = self._config
        sg = self.proxy_security_group_id if self.proxy_security_group_id is not None else self.security_group_id
        return {cfg.ref_key: StoreRef(
            key=cfg.ref_key,
            resource_arns=[self._db_user_arn, self.secret_arn],
            read_actions=READ_ACTIONS,
            write_actions=(),  # what a connection may change is decided by database grants
            env={"DB_HOST": self.endpoint, "DB_PORT": str(POSTGRES_PORT), "DB_NAME": cfg.database_name,
                 "DB_USER": cfg.master_username, "DB_SECRET_ARN": self.secret_arn},
            in_vpc=True,
            security_group_id=sg,
            port=POSTGRES_PORT,
            # No master secret: IAM authentication as the read-only user, whose grants refuse writes.
            read_only_ref=StoreRef(
                key=cfg.ref_key, resource_arns=[self._readonly_user_arn], read_actions=READONLY_ACTIONS,
                write_actions=(), env={"DB_HOST": self.endpoint, "DB_PORT": str(POSTGRES_PORT),
                                       "DB_NAME": cfg.database_name, "DB_USER": self._readonly_user},
                in_vpc=True, security_group_id=sg, port=POSTGRES_PORT),
        )}

    def monitoring_alarms(self, key: str = "main") -> list[DeclaredAlarm]:
        """CPU, connections against the class's max_connections, storage (opt-in thresholds)."""
        return rds_alarms(key, self.instance_identifier, postgres_max_connections(self.instance_class),
                          self.allocated_storage_gb)
