"""An RDS DB instance (PostgreSQL or MySQL) in isolated subnets, optionally behind an RDS Proxy (seed 000).

The instance's security group has no rules of its own: consumers are admitted by security-group
reference through the ``database:<name>`` StoreRef (its ``security_group_id`` and ``port``). With a
proxy, the ref points consumers at the PROXY (endpoint, security group, IAM ``rds-db:connect`` on
the proxy's resource id) and only the proxy's security group is admitted to the instance: nothing
reaches the database around the connection pool.

The master password is created and rotated by RDS in Secrets Manager
(``manage_master_user_password``); the proxy authenticates to the database with that secret and
requires IAM authentication (and TLS) from its clients. Only the secret's ARN leaves the component.

What differs by engine (port, log exports, the TLS parameter, the proxy's engine family) is one row of
``components.specs.engines.ENGINES``. The ``postgres:`` section (``database:main``) keeps the names and
properties it always had; a database of the ``databases:`` map is named ``<app>-<stack>-db-<name>`` and
gets a parameter group that refuses unencrypted connections (MySQL's ``require_secure_transport`` is OFF
by default on 8.0 and 8.4).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.alarms import DeclaredAlarm, rds_alarms
from components.refs import StoreRef
from components.specs.databases import PostgresConfig, ProxyConfig
from components.specs.engines import ENGINES, MYSQL_LOG_PARAMETERS, Engine, env_prefix, mysql_major
from components.specs.environment import EnvironmentSettings
from cutover import iam
from cutover.data_guard import readonly_user
from cutover.naming import Kind, Namer
from cutover.rds_limits import max_connections

ENGINE = "postgres"
READ_ACTIONS = ("rds-db:connect", "secretsmanager:GetSecretValue")
READONLY_ACTIONS = ("rds-db:connect",)  # IAM database authentication (RDS user guide), as one user


def engine_major(version: str) -> str:
    """``16.6`` -> ``16``: PostgreSQL 10+ numbers majors with one component (``MAJOR.MINOR``)."""
    major = version.split(".", 1)[0]
    if not major.isdigit():
        raise ValueError(f"{version!r} is not a PostgreSQL MAJOR[.MINOR] version")
    return major


def pinned_version(engine: str, version: str) -> str:
    """The major only (see the instance's engine_version below): ``16`` for PostgreSQL, ``8.0`` for MySQL."""
    return mysql_major(version) if engine == "mysql" else engine_major(version)


def short_label(engine: Engine) -> str:
    return engine.label.removeprefix("RDS ")  # "PostgreSQL", "MySQL"


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


RdsArgs = PostgresArgs


def tls_parameters(engine: Engine) -> list[dict[str, str]]:
    """The parameter group's parameters: TLS required, and for MySQL the slow query log to CloudWatch Logs.
    ``pending-reboot`` for PostgreSQL's rds.force_ssl (static before PostgreSQL 15); MySQL's are dynamic."""
    method = "immediate" if engine.family == "mysql" else "pending-reboot"
    params = [engine.tls_parameter, *(MYSQL_LOG_PARAMETERS if engine.family == "mysql" else ())]
    return [{"name": n, "value": v, "apply_method": method} for n, v in params]


def build_proxy(owner: pulumi.ComponentResource, name: str, *, namer: Namer, part: str, engine: Engine,
                proxy: ProxyConfig, secret_arn: pulumi.Output[str], vpc_id: pulumi.Input[str],
                subnet_ids: Sequence[pulumi.Input[str]], db_sg: aws.ec2.SecurityGroup,
                instance_identifier: pulumi.Input[str] | None = None,
                cluster_identifier: pulumi.Input[str] | None = None) -> tuple[aws.rds.Proxy, str, pulumi.Output[str]]:
    """RDS Proxy in front of one instance or cluster: IAM auth + TLS from clients, the master secret to the
    database, only the proxy's security group admitted to the database. Returns (proxy, name, its SG id)."""
    child = pulumi.ResourceOptions(parent=owner)
    port, what = engine.port, short_label(engine)
    proxy_name = namer.name(Kind.RDS_PROXY, part)
    sg_name = namer.name(Kind.SECURITY_GROUP, f"{part}-proxy")
    sg = aws.ec2.SecurityGroup(
        f"{name}-proxy-sg", name=sg_name, vpc_id=vpc_id, tags={"Name": sg_name},
        description="RDS Proxy: consumers by security-group reference; out to the database only", opts=child)
    aws.vpc.SecurityGroupEgressRule(
        f"{name}-proxy-to-db", security_group_id=sg.id, ip_protocol="tcp", from_port=port,
        to_port=port, referenced_security_group_id=db_sg.id, description=f"to {what}", opts=child)
    aws.vpc.SecurityGroupIngressRule(
        f"{name}-db-from-proxy", security_group_id=db_sg.id, ip_protocol="tcp", from_port=port,
        to_port=port, referenced_security_group_id=sg.id, description="from the RDS Proxy", opts=child)
    role = aws.iam.Role(
        f"{name}-proxy", name=namer.name(Kind.IAM_ROLE, f"{part}-proxy"),
        assume_role_policy=iam.assume_role("rds.amazonaws.com"),
        description="RDS Proxy: reads only the database's managed master secret", opts=child)
    policy = aws.iam.RolePolicy(
        f"{name}-proxy", role=role.id, name="read-master-secret",
        policy=secret_arn.apply(lambda arn: iam.document(iam.statement(
            ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], arn, sid="MasterSecret"))),
        opts=child)
    resource = aws.rds.Proxy(
        f"{name}-proxy", name=proxy_name, engine_family=engine.proxy_engine_family, role_arn=role.arn,
        vpc_subnet_ids=list(subnet_ids), vpc_security_group_ids=[sg.id],
        require_tls=True, debug_logging=False, idle_client_timeout=proxy.idle_client_timeout,
        auths=[{"auth_scheme": "SECRETS", "secret_arn": secret_arn, "iam_auth": "REQUIRED",
                "client_password_auth_type": engine.proxy_client_auth,
                "description": "RDS-managed master secret; clients authenticate with IAM"}],
        opts=pulumi.ResourceOptions(parent=owner, depends_on=[policy]))
    aws.rds.ProxyDefaultTargetGroup(
        f"{name}-proxy-pool", db_proxy_name=resource.name,
        connection_pool_config={
            "max_connections_percent": proxy.max_connections_percent,
            "max_idle_connections_percent": proxy.max_idle_connections_percent,
            "connection_borrow_timeout": proxy.connection_borrow_timeout,
        }, opts=child)
    aws.rds.ProxyTarget(f"{name}-proxy-target", db_proxy_name=resource.name, target_group_name="default",
                        db_instance_identifier=instance_identifier, db_cluster_identifier=cluster_identifier,
                        opts=child)
    return resource, proxy_name, sg.id


def database_refs(key: str, name: str, engine: Engine, *, endpoint: pulumi.Input[str], database_name: str,
                  user: str | None, secret_arn: pulumi.Input[str], db_user_arn: pulumi.Input[str],
                  readonly_user: str, readonly_user_arn: pulumi.Input[str],
                  security_group_id: pulumi.Input[str]) -> dict[str, StoreRef]:
    """``database:<name>``: IAM auth as any database user and the master secret's ARN; variables prefixed
    by the database's name (none for ``main``) so a service using several can tell them apart."""
    p, port = env_prefix(name), engine.port
    env: dict[str, pulumi.Input[str]] = {f"{p}DB_HOST": endpoint, f"{p}DB_PORT": str(port),
                                         f"{p}DB_NAME": database_name}
    if user is not None:
        env[f"{p}DB_USER"] = user
    env[f"{p}DB_SECRET_ARN"] = secret_arn
    return {key: StoreRef(
        key=key,
        resource_arns=[db_user_arn, secret_arn],
        read_actions=READ_ACTIONS,
        write_actions=(),  # what a connection may change is decided by database grants
        env=env,
        in_vpc=True,
        security_group_id=security_group_id,
        port=port,
        # No master secret: IAM authentication as the read-only user, whose grants refuse writes.
        read_only_ref=StoreRef(
            key=key, resource_arns=[readonly_user_arn], read_actions=READONLY_ACTIONS,
            write_actions=(), env={f"{p}DB_HOST": endpoint, f"{p}DB_PORT": str(port),
                                   f"{p}DB_NAME": database_name, f"{p}DB_USER": readonly_user},
            in_vpc=True, security_group_id=security_group_id, port=port),
    )}


class RdsDatabase(pulumi.ComponentResource):
    instance: aws.rds.Instance
    proxy: aws.rds.Proxy | None
    parameter_group: aws.rds.ParameterGroup | None
    engine: Engine
    instance_identifier: str  # physical identifier (CloudWatch DBInstanceIdentifier)
    proxy_name: str | None  # physical proxy name (CloudWatch ProxyName)
    instance_class: str
    allocated_storage_gb: int
    security_group_id: pulumi.Output[str]  # the instance's
    proxy_security_group_id: pulumi.Output[str] | None
    endpoint: pulumi.Output[str]  # what consumers connect to: the proxy when there is one
    instance_address: pulumi.Output[str]
    secret_arn: pulumi.Output[str]  # RDS-managed master credentials
    database_name: str

    def __init__(self, name: str, args: PostgresArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        cfg, env, namer = args.config, args.env, args.namer
        engine = ENGINES[cfg.engine]
        super().__init__(engine.type_token, name, None, opts)
        self.engine = engine
        keep = env.protect_stateful
        child = pulumi.ResourceOptions(parent=self)
        part = cfg.physical_name  # "postgres" for the postgres: section, db-<name> for databases.<name>
        ident = namer.name(Kind.RDS_IDENTIFIER, part)
        self.instance_identifier, self.instance_class = ident, cfg.instance_class
        self.allocated_storage_gb = cfg.allocated_storage
        what = short_label(engine)

        subnets = aws.rds.SubnetGroup(
            f"{name}-subnets", name=ident, description=f"{namer.prefix} {what}: {cfg.subnets} subnets",
            subnet_ids=list(args.subnet_ids), opts=child)
        sg_name = namer.name(Kind.SECURITY_GROUP, part)
        sg = aws.ec2.SecurityGroup(
            f"{name}-sg", name=sg_name, vpc_id=args.vpc_id, tags={"Name": sg_name},
            description=f"{engine.label}: consumers (or the RDS Proxy) are admitted by security-group reference only",
            opts=child)
        # RDS would create these log groups itself with no retention; own them so retention applies.
        logs = [aws.cloudwatch.LogGroup(
            f"{name}-{log}-logs", name=f"/aws/rds/instance/{ident}/{log}",
            retention_in_days=env.log_retention_days, opts=child) for log in engine.log_exports]
        monitoring_role = self._monitoring_role(name, namer, part) if cfg.monitoring_interval else None
        self.parameter_group = None
        if cfg.tls_parameter_group:
            self.parameter_group = aws.rds.ParameterGroup(
                f"{name}-params", name=ident, family=engine.parameter_family(cfg.engine_version),
                description=f"{namer.prefix} {what}: TLS required" + (", slow query log to CloudWatch Logs"
                                                                      if engine.family == "mysql" else ""),
                parameters=tls_parameters(engine), opts=child)

        self.instance = aws.rds.Instance(
            name,
            identifier=ident,
            engine=engine.name,
            # The major only ("16" for a configured 16.6, "8.0" for 8.0.39): RDS applies minor upgrades in the
            # maintenance window (auto_minor_version_upgrade), and a pinned minor would then read as a change
            # back on the next `pulumi up`, which RDS refuses (no downgrades). The provider documents the
            # prefix form for exactly this case (pulumi_aws rds.Instance engine_version: "If
            # auto_minor_version_upgrade is enabled, you can provide a prefix of the version such as
            # 8.0 (for 8.0.36). The actual engine version used is returned in engine_version_actual").
            # So the profile's minor is dropped here: RDS creates the instance at its default minor of
            # that major and keeps it patched from then on.
            engine_version=pinned_version(engine.name, cfg.engine_version),
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
            port=engine.port,
            db_subnet_group_name=subnets.name,
            parameter_group_name=self.parameter_group.name if self.parameter_group is not None else None,
            vpc_security_group_ids=[sg.id],
            publicly_accessible=False,
            multi_az=cfg.multi_az,
            backup_retention_period=cfg.backup_retention_days,
            backup_window="03:00-04:00",
            maintenance_window="sun:04:30-sun:05:30",
            copy_tags_to_snapshot=True,
            deletion_protection=cfg.deletion_protection,
            skip_final_snapshot=not keep,
            final_snapshot_identifier=namer.name(Kind.RDS_IDENTIFIER, f"{part}-final") if keep else None,
            delete_automated_backups=not keep,
            # Free tier: 7 days. RDS for PostgreSQL supports it on every class; RDS for MySQL not on the
            # micro/small classes (the parser refuses those).
            performance_insights_enabled=cfg.performance_insights,
            performance_insights_retention_period=7 if cfg.performance_insights else None,
            monitoring_interval=cfg.monitoring_interval,
            monitoring_role_arn=monitoring_role.arn if monitoring_role else None,
            enabled_cloudwatch_logs_exports=list(engine.log_exports),
            apply_immediately=not env.is_prod,  # prod changes wait for the maintenance window
            tags=cfg.suppress_tags or None,  # policy waivers (suppress), with their reasons
            opts=pulumi.ResourceOptions(parent=self, protect=keep, retain_on_delete=keep, depends_on=logs))

        self.security_group_id = sg.id
        self.instance_address = self.instance.address
        self.secret_arn = self.instance.master_user_secrets.apply(lambda s: s[0].secret_arn)
        self.proxy = None
        self.proxy_name = None
        self.proxy_security_group_id = None
        if cfg.proxy is not None:
            self.proxy, self.proxy_name, self.proxy_security_group_id = build_proxy(
                self, name, namer=namer, part=part, engine=engine, proxy=cfg.proxy, secret_arn=self.secret_arn,
                vpc_id=args.vpc_id, subnet_ids=args.proxy_subnet_ids, db_sg=sg,
                instance_identifier=self.instance.identifier)
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
        self.database_name = cfg.database_name
        self.register_outputs({"endpoint": self.endpoint, "instanceIdentifier": ident, "proxyName": self.proxy_name,
                               "securityGroupId": self.security_group_id, "secretArn": self.secret_arn})

    def _monitoring_role(self, name: str, namer: Namer, part: str) -> aws.iam.Role:
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{name}-monitoring", name=namer.name(Kind.IAM_ROLE, f"{part}-monitoring"),
            assume_role_policy=iam.assume_role("monitoring.rds.amazonaws.com"),
            description="RDS enhanced monitoring: writes OS metrics to RDSOSMetrics", opts=child)
        # The statements of AmazonRDSEnhancedMonitoringRole, inline (no AWS managed policies here).
        aws.iam.RolePolicy(f"{name}-monitoring", role=role.id, name="enhanced-monitoring", policy=iam.document(
            iam.statement(["logs:CreateLogGroup", "logs:PutRetentionPolicy"], "arn:aws:logs:*:*:log-group:RDS*"),
            iam.statement(["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams",
                           "logs:GetLogEvents"], "arn:aws:logs:*:*:log-group:RDS*:log-stream:*")), opts=child)
        return role

    def refs(self) -> dict[str, StoreRef]:
        """``database:<name>``: IAM auth to the proxy (or instance) as any user, and the master secret's ARN."""
        cfg = self._config
        sg = self.proxy_security_group_id if self.proxy_security_group_id is not None else self.security_group_id
        return database_refs(cfg.ref_key, cfg.name, self.engine, endpoint=self.endpoint,
                             database_name=cfg.database_name, user=cfg.master_username, secret_arn=self.secret_arn,
                             db_user_arn=self._db_user_arn, readonly_user=self._readonly_user,
                             readonly_user_arn=self._readonly_user_arn, security_group_id=sg)

    def monitoring_alarms(self, key: str | None = None) -> list[DeclaredAlarm]:
        """CPU, connections against the class's default max_connections, storage (opt-in thresholds)."""
        return rds_alarms(key or self._config.name, self.instance_identifier,
                          max_connections(self.engine.name, self.instance_class), self.allocated_storage_gb)


PostgresDatabase = RdsDatabase  # the name this component had while it built PostgreSQL only
