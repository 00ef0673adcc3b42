"""Aurora Serverless v2 PostgreSQL in isolated subnets (seed 004's "VPC-isolated" database).

The cluster's security group has no rules: each consumer admits itself by security-group reference
(``aws.vpc.SecurityGroupIngressRule`` with ``referenced_security_group_id``) using
``security_group_id`` and ``port`` from the ``database:main`` StoreRef. The master password is
created and rotated by RDS in Secrets Manager; only its ARN leaves the component.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.refs import StoreRef
from cutover.config import EnvironmentSettings
from cutover.config.datastores import AuroraConfig
from cutover.data_guard import readonly_user
from cutover.naming import Kind, Namer

PORT = 5432
ENGINE = "aurora-postgresql"
READ_ACTIONS = ("rds-db:connect", "secretsmanager:GetSecretValue")
READONLY_ACTIONS = ("rds-db:connect",)  # IAM database authentication (RDS user guide), as one user


@dataclass(frozen=True)
class AuroraArgs:
    config: AuroraConfig
    namer: Namer
    env: EnvironmentSettings
    vpc_id: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]  # the network's isolated subnets
    region: str
    account_id: str


class AuroraPostgres(pulumi.ComponentResource):
    cluster: aws.rds.Cluster
    instances: list[aws.rds.ClusterInstance]
    security_group_id: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    reader_endpoint: pulumi.Output[str]
    secret_arn: pulumi.Output[str]  # RDS-managed master credentials (Secrets Manager)
    cluster_identifier: str

    def __init__(self, name: str, args: AuroraArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cutover:data:AuroraPostgres", name, None, opts)
        cfg, env, namer = args.config, args.env, args.namer
        keep = env.protect_stateful
        child = pulumi.ResourceOptions(parent=self)
        ident = namer.name(Kind.RDS_IDENTIFIER, "aurora")
        self.cluster_identifier = ident

        subnets = aws.rds.SubnetGroup(
            f"{name}-subnets", name=ident, description=f"{namer.prefix} Aurora: isolated subnets",
            subnet_ids=list(args.subnet_ids), opts=child)
        sg = aws.ec2.SecurityGroup(
            f"{name}-sg", name=namer.name(Kind.SECURITY_GROUP, "aurora"), vpc_id=args.vpc_id,
            description="Aurora PostgreSQL: consumers are admitted by security-group reference only",
            tags={"Name": namer.name(Kind.GENERIC, "aurora")}, opts=child)
        # RDS would create this log group itself with no retention; own it so retention applies.
        logs = aws.cloudwatch.LogGroup(
            f"{name}-postgresql-logs", name=f"/aws/rds/cluster/{ident}/postgresql",
            retention_in_days=env.log_retention_days, opts=child)

        scaling: dict[str, object] = {"min_capacity": cfg.min_capacity, "max_capacity": cfg.max_capacity}
        if cfg.seconds_until_auto_pause is not None:
            scaling["seconds_until_auto_pause"] = cfg.seconds_until_auto_pause
        self.cluster = aws.rds.Cluster(
            name,
            cluster_identifier=ident,
            engine=ENGINE,
            engine_mode="provisioned",
            # Created at the configured MAJOR.MINOR (the parser checks it against the auto-pause floor,
            # e.g. 16.3+ for minCapacity 0, which a bare major would not guarantee), then owned by AWS:
            # Aurora applies minor upgrades in the maintenance window (the instances'
            # auto_minor_version_upgrade below), and without ignore_changes the next `pulumi up` after
            # one would try to move the cluster back to the configured minor, which RDS refuses. Major
            # upgrades are refused here anyway (allow_major_version_upgrade=False): a planned, manual step.
            engine_version=cfg.engine_version,
            allow_major_version_upgrade=False,
            database_name=cfg.database_name,
            master_username=cfg.master_username,
            manage_master_user_password=True,
            iam_database_authentication_enabled=True,
            port=PORT,
            db_subnet_group_name=subnets.name,
            vpc_security_group_ids=[sg.id],
            storage_encrypted=True,
            serverlessv2_scaling_configuration=scaling,
            backup_retention_period=cfg.backup_retention_days,
            preferred_backup_window="03:00-04:00",
            preferred_maintenance_window="sun:04:30-sun:05:30",
            copy_tags_to_snapshot=True,
            deletion_protection=cfg.deletion_protection,
            skip_final_snapshot=not keep,
            final_snapshot_identifier=namer.name(Kind.RDS_IDENTIFIER, "aurora-final") if keep else None,
            delete_automated_backups=not keep,
            enabled_cloudwatch_logs_exports=["postgresql"],
            opts=pulumi.ResourceOptions(parent=self, protect=keep, retain_on_delete=keep, depends_on=[logs],
                                        ignore_changes=["engine_version"]))

        self.instances = []
        for n in range(1, cfg.instances + 1):
            self.instances.append(aws.rds.ClusterInstance(
                f"{name}-{n}",
                identifier=namer.name(Kind.RDS_IDENTIFIER, "aurora", str(n)),
                cluster_identifier=self.cluster.id,
                instance_class="db.serverless",
                engine=ENGINE,
                engine_version=self.cluster.engine_version,
                db_subnet_group_name=subnets.name,
                publicly_accessible=False,
                auto_minor_version_upgrade=True,
                # Tiers 0-1 scale, pause and resume with the writer; tier 2 readers scale on their own
                # load (aurora.readerScalesWithWriter: false), idling at minCapacity.
                promotion_tier=cfg.promotion_tier(n),
                performance_insights_enabled=cfg.performance_insights,
                performance_insights_retention_period=7 if cfg.performance_insights else None,
                copy_tags_to_snapshot=True,
                # Follows the cluster (pulumi_aws: an instance's version is upgraded on the cluster).
                opts=pulumi.ResourceOptions(parent=self, protect=keep, retain_on_delete=keep,
                                            ignore_changes=["engine_version"])))

        self.security_group_id = sg.id
        self.endpoint = self.cluster.endpoint
        self.reader_endpoint = self.cluster.reader_endpoint
        self.secret_arn = self.cluster.master_user_secrets.apply(lambda s: s[0].secret_arn)
        self._db_user_arn = pulumi.Output.concat(
            f"arn:aws:rds-db:{args.region}:{args.account_id}:dbuser:", self.cluster.cluster_resource_id, "/*")
        # The non-writer color of a dataset connects only as the read-only user (cutover/data_guard.py).
        self._readonly_user = readonly_user(args.namer.app)
        self._readonly_user_arn = pulumi.Output.concat(
            f"arn:aws:rds-db:{args.region}:{args.account_id}:dbuser:", self.cluster.cluster_resource_id, "/",
            self._readonly_user)
        self._database_name = cfg.database_name
        self.register_outputs({"endpoint": self.endpoint, "readerEndpoint": self.reader_endpoint,
                               "securityGroupId": self.security_group_id, "secretArn": self.secret_arn})

    def refs(self) -> dict[str, StoreRef]:
        """``database:main``: IAM auth as any database user, and the master secret's ARN."""
        return {"database:main": StoreRef(
            key="database:main",
            resource_arns=[self._db_user_arn, self.secret_arn],
            read_actions=READ_ACTIONS,
            write_actions=(),  # what a connection may change is decided by database grants
            env={"DB_HOST": self.endpoint, "DB_PORT": str(PORT), "DB_NAME": self._database_name,
                 "DB_SECRET_ARN": self.secret_arn},
            in_vpc=True,
            security_group_id=self.security_group_id,
            port=PORT,
            # No master secret: IAM authentication as the read-only user, whose grants refuse writes.
            read_only_ref=StoreRef(
                key="database:main", resource_arns=[self._readonly_user_arn], read_actions=READONLY_ACTIONS,
                write_actions=(), env={"DB_HOST": self.endpoint, "DB_PORT": str(PORT),
                                       "DB_NAME": self._database_name, "DB_USER": self._readonly_user},
                in_vpc=True, security_group_id=self.security_group_id, port=PORT),
        )}
