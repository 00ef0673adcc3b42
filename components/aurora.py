"""An Aurora cluster (PostgreSQL or MySQL; Serverless v2 or provisioned) in isolated subnets (seed 004's
"VPC-isolated" database), optionally behind an RDS Proxy.

The cluster's security group has no rules: each consumer admits itself by security-group reference
(``aws.vpc.SecurityGroupIngressRule`` with ``referenced_security_group_id``) using
``security_group_id`` and ``port`` from the ``database:<name>`` StoreRef. The master password is
created and rotated by RDS in Secrets Manager; only its ARN leaves the component.

What differs by engine is one row of ``components.specs.engines.ENGINES``. The ``aurora:`` section
(``database:main``) keeps the names and properties it always had; a cluster of the ``databases:`` map is
named ``<app>-<stack>-db-<name>`` and gets a cluster parameter group that refuses unencrypted connections.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.postgres import build_proxy, database_refs, tls_parameters
from components.refs import StoreRef
from components.specs.datastores import AuroraConfig
from components.specs.engines import ENGINES, Engine
from components.specs.environment import EnvironmentSettings
from cutover.data_guard import readonly_user
from cutover.naming import Kind, Namer

PORT = 5432
ENGINE = "aurora-postgresql"
READ_ACTIONS = ("rds-db:connect", "secretsmanager:GetSecretValue")
READONLY_ACTIONS = ("rds-db:connect",)  # IAM database authentication (RDS user guide), as one user
SERVERLESS = "db.serverless"


@dataclass(frozen=True)
class AuroraArgs:
    config: AuroraConfig
    namer: Namer
    env: EnvironmentSettings
    vpc_id: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]  # the network's isolated subnets
    region: str
    account_id: str
    proxy_subnet_ids: Sequence[pulumi.Input[str]] = ()  # private subnets for an RDS Proxy (with config.proxy)


class AuroraCluster(pulumi.ComponentResource):
    cluster: aws.rds.Cluster
    instances: list[aws.rds.ClusterInstance]
    parameter_group: aws.rds.ClusterParameterGroup | None
    proxy: aws.rds.Proxy | None
    proxy_name: str | None
    engine: Engine
    security_group_id: pulumi.Output[str]
    endpoint: pulumi.Output[str]  # the writer's endpoint (the proxy's when there is one)
    writer_endpoint: pulumi.Output[str]  # always the cluster's writer (DMS, the verifier)
    reader_endpoint: pulumi.Output[str]
    secret_arn: pulumi.Output[str]  # RDS-managed master credentials (Secrets Manager)
    cluster_identifier: str
    database_name: str

    def __init__(self, name: str, args: AuroraArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        cfg, env, namer = args.config, args.env, args.namer
        engine = ENGINES[cfg.engine]
        super().__init__(engine.type_token, name, None, opts)
        self.engine = engine
        keep = env.protect_stateful
        child = pulumi.ResourceOptions(parent=self)
        part = cfg.physical_name  # "aurora" for the aurora: section, db-<name> for databases.<name>
        ident = namer.name(Kind.RDS_IDENTIFIER, part)
        self.cluster_identifier = ident

        subnets = aws.rds.SubnetGroup(
            f"{name}-subnets", name=ident, description=f"{namer.prefix} Aurora: isolated subnets",
            subnet_ids=list(args.subnet_ids), opts=child)
        sg = aws.ec2.SecurityGroup(
            f"{name}-sg", name=namer.name(Kind.SECURITY_GROUP, part), vpc_id=args.vpc_id,
            description=f"{engine.label}: consumers are admitted by security-group reference only",
            tags={"Name": namer.name(Kind.GENERIC, part)}, opts=child)
        # RDS would create these log groups itself with no retention; own them so retention applies.
        logs = [aws.cloudwatch.LogGroup(
            f"{name}-{log}-logs", name=f"/aws/rds/cluster/{ident}/{log}",
            retention_in_days=env.log_retention_days, opts=child) for log in engine.log_exports]
        self.parameter_group = None
        if cfg.tls_parameter_group:
            # Aurora sets TLS (require_secure_transport, rds.force_ssl) per cluster: a cluster parameter group.
            self.parameter_group = aws.rds.ClusterParameterGroup(
                f"{name}-params", name=ident, family=engine.parameter_family(cfg.engine_version),
                description=f"{namer.prefix} {engine.label}: TLS required", parameters=tls_parameters(engine),
                opts=child)

        serverless = cfg.instance_class == SERVERLESS
        scaling: dict[str, object] | None = None
        if serverless:
            scaling = {"min_capacity": cfg.min_capacity, "max_capacity": cfg.max_capacity}
            if cfg.seconds_until_auto_pause is not None:
                scaling["seconds_until_auto_pause"] = cfg.seconds_until_auto_pause
        self.cluster = aws.rds.Cluster(
            name,
            cluster_identifier=ident,
            engine=engine.name,
            engine_mode="provisioned",
            # Created at the configured version (the parser checks it against the Serverless v2 and auto-pause
            # floors, e.g. 16.3+ or Aurora MySQL 3.08.0+ for minCapacity 0, which a bare major would not
            # guarantee), then owned by AWS: Aurora applies minor upgrades in the maintenance window (the
            # instances' auto_minor_version_upgrade below), and without ignore_changes the next `pulumi up`
            # after one would try to move the cluster back to the configured minor, which RDS refuses. Major
            # upgrades are refused here anyway (allow_major_version_upgrade=False): a planned, manual step.
            engine_version=cfg.engine_version,
            allow_major_version_upgrade=False,
            database_name=cfg.database_name,
            master_username=cfg.master_username,
            manage_master_user_password=True,
            iam_database_authentication_enabled=True,
            port=engine.port,
            db_subnet_group_name=subnets.name,
            db_cluster_parameter_group_name=self.parameter_group.name if self.parameter_group is not None else None,
            vpc_security_group_ids=[sg.id],
            storage_encrypted=True,
            serverlessv2_scaling_configuration=scaling,
            backup_retention_period=cfg.backup_retention_days,
            preferred_backup_window="03:00-04:00",
            preferred_maintenance_window="sun:04:30-sun:05:30",
            copy_tags_to_snapshot=True,
            deletion_protection=cfg.deletion_protection,
            skip_final_snapshot=not keep,
            final_snapshot_identifier=namer.name(Kind.RDS_IDENTIFIER, f"{part}-final") if keep else None,
            delete_automated_backups=not keep,
            enabled_cloudwatch_logs_exports=list(engine.log_exports),
            tags=cfg.suppress_tags or None,  # policy waivers (suppress), with their reasons
            opts=pulumi.ResourceOptions(parent=self, protect=keep, retain_on_delete=keep, depends_on=logs,
                                        ignore_changes=["engine_version"]))

        self.instances = []
        for n in range(1, cfg.instances + 1):
            self.instances.append(aws.rds.ClusterInstance(
                f"{name}-{n}",
                identifier=namer.name(Kind.RDS_IDENTIFIER, part, str(n)),
                cluster_identifier=self.cluster.id,
                instance_class=cfg.instance_class,
                engine=engine.name,
                engine_version=self.cluster.engine_version,
                db_subnet_group_name=subnets.name,
                publicly_accessible=False,
                auto_minor_version_upgrade=True,
                # Tiers 0-1 scale, pause and resume with the writer; tier 2 readers scale on their own
                # load (readerScalesWithWriter: false), idling at minCapacity.
                promotion_tier=cfg.promotion_tier(n),
                performance_insights_enabled=cfg.performance_insights,
                performance_insights_retention_period=7 if cfg.performance_insights else None,
                copy_tags_to_snapshot=True,
                # Follows the cluster (pulumi_aws: an instance's version is upgraded on the cluster).
                opts=pulumi.ResourceOptions(parent=self, protect=keep, retain_on_delete=keep,
                                            ignore_changes=["engine_version"])))

        self.security_group_id = sg.id
        self.writer_endpoint = self.cluster.endpoint
        self.reader_endpoint = self.cluster.reader_endpoint
        self.secret_arn = self.cluster.master_user_secrets.apply(lambda s: s[0].secret_arn)
        self.proxy, self.proxy_name, self._proxy_sg = None, None, None
        if cfg.proxy is not None:
            self.proxy, self.proxy_name, self._proxy_sg = build_proxy(
                self, name, namer=namer, part=part, engine=engine, proxy=cfg.proxy, secret_arn=self.secret_arn,
                vpc_id=args.vpc_id, subnet_ids=args.proxy_subnet_ids, db_sg=sg,
                cluster_identifier=self.cluster.cluster_identifier)
            self.endpoint = self.proxy.endpoint
            resource_id = self.proxy.arn.apply(lambda arn: arn.split(":")[-1])  # prx-...
        else:
            self.endpoint = self.cluster.endpoint
            resource_id = self.cluster.cluster_resource_id  # cluster-...
        self._db_user_arn = pulumi.Output.concat(
            f"arn:aws:rds-db:{args.region}:{args.account_id}:dbuser:", resource_id, "/*")
        # The non-writer color of a dataset connects only as the read-only user (cutover/data_guard.py).
        self._readonly_user = readonly_user(args.namer.app)
        self._readonly_user_arn = pulumi.Output.concat(
            f"arn:aws:rds-db:{args.region}:{args.account_id}:dbuser:", resource_id, "/", self._readonly_user)
        self._config = cfg
        self.database_name = cfg.database_name
        self.register_outputs({"endpoint": self.endpoint, "readerEndpoint": self.reader_endpoint,
                               "securityGroupId": self.security_group_id, "secretArn": self.secret_arn})

    def refs(self) -> dict[str, StoreRef]:
        """``database:<name>``: IAM auth as any database user, and the master secret's ARN."""
        cfg = self._config
        # The aurora: section never exposed DB_USER; the databases: map does, as RdsDatabase always has.
        return database_refs(cfg.ref_key, cfg.name, self.engine, endpoint=self.endpoint,
                             database_name=cfg.database_name,
                             user=None if cfg.legacy else cfg.master_username,
                             secret_arn=self.secret_arn, db_user_arn=self._db_user_arn,
                             readonly_user=self._readonly_user, readonly_user_arn=self._readonly_user_arn,
                             security_group_id=self._proxy_sg if self._proxy_sg is not None
                             else self.security_group_id)


AuroraPostgres = AuroraCluster  # the name this component had while it built Aurora PostgreSQL only
