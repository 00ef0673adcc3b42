"""DynamoDB tables from the ``tables:`` section: keys, GSIs, TTL, encryption, PITR in prod."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.alarms import DeclaredAlarm, dynamodb_throttles
from components.refs import StoreRef
from components.specs.datastores import BillingMode, IndexConfig, TableConfig
from components.specs.environment import EnvironmentSettings
from cutover.naming import Kind, Namer

READ_ACTIONS = ("dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchGetItem",
                "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable")
WRITE_ACTIONS = ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem")


@dataclass(frozen=True)
class TablesArgs:
    tables: tuple[TableConfig, ...]
    namer: Namer
    env: EnvironmentSettings


class Tables(pulumi.ComponentResource):
    """One ``aws.dynamodb.Table`` per configured table, keyed by its logical name."""

    tables: dict[str, aws.dynamodb.Table]
    names: dict[str, pulumi.Output[str]]  # physical names, keyed by logical name
    arns: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: TablesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cutover:data:Tables", name, None, opts)
        keep = args.env.protect_stateful
        self._configs = {t.name: t for t in args.tables}
        self.tables, self.names, self.arns = {}, {}, {}
        for t in args.tables:
            table = aws.dynamodb.Table(
                f"{name}-{t.name}",
                name=args.namer.env_suffixed(Kind.DYNAMODB_TABLE, t.name),
                billing_mode=t.billing_mode.value,
                read_capacity=t.read_capacity,
                write_capacity=t.write_capacity,
                hash_key=t.hash_key,
                range_key=t.range_key,
                attributes=[{"name": n, "type": typ} for n, typ in t.attributes],
                global_secondary_indexes=[_gsi(i, t) for i in t.indexes] or None,
                ttl={"attribute_name": t.ttl_attribute, "enabled": True} if t.ttl_attribute else None,
                point_in_time_recovery={"enabled": t.point_in_time_recovery},
                deletion_protection_enabled=t.deletion_protection,
                # AWS-owned key unless enabled; enabled=True uses the AWS managed key aws/dynamodb.
                server_side_encryption={"enabled": True},
                opts=pulumi.ResourceOptions(parent=self, protect=keep, retain_on_delete=keep))
            self.tables[t.name] = table
            self.names[t.name] = table.name
            self.arns[t.name] = table.arn
        self.register_outputs({"names": self.names, "arns": self.arns})

    def refs(self) -> dict[str, StoreRef]:
        """``table:<Name>`` refs: item-level access to the table and its indexes, never DDL."""
        return {
            cfg.ref_key: StoreRef(
                key=cfg.ref_key,
                resource_arns=[self.arns[name], pulumi.Output.concat(self.arns[name], "/index/*")],
                read_actions=READ_ACTIONS,
                write_actions=WRITE_ACTIONS,
                env={cfg.env_var: self.names[name]},
            )
            for name, cfg in self._configs.items()
        }

    def monitoring_alarms(self) -> list[DeclaredAlarm]:
        """Each table's throttled requests (opt-in threshold: dynamodbThrottles)."""
        return [dynamodb_throttles(key, name) for key, name in self.names.items()]


def _gsi(index: IndexConfig, table: TableConfig) -> dict[str, Any]:
    keys = [{"attribute_name": index.hash_key, "key_type": "HASH"}]
    if index.range_key:
        keys.append({"attribute_name": index.range_key, "key_type": "RANGE"})
    gsi: dict[str, Any] = {"name": index.name, "key_schemas": keys, "projection_type": index.projection}
    if index.non_key_attributes:
        gsi["non_key_attributes"] = list(index.non_key_attributes)
    if table.billing_mode is BillingMode.PROVISIONED:
        gsi["read_capacity"] = table.read_capacity
        gsi["write_capacity"] = table.write_capacity
    return gsi
