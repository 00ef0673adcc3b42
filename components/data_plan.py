"""The data plan as the program builds it: which grants each color's compute gets, the migrations and the
verifier it needs, and the ``DataPlan`` record of who can write which copy.

``DataPlan`` (type ``cutover:data:DataPlan``, logical name ``data-plan``) carries exactly::

    {"greenWeight": int, "datasets": {<dataset>: {"method": "dms"|"dump"|"shared", "writer": "blue"|"green",
      "copies": [{"color": "blue"|"green", "store": str, "writers": [colors]}], "receipt": str|None}}}

``copies[].writers`` comes from what the program grants, never from the configuration: green's copy
lists the colors whose compute components were given a ref that can change it
(``StoreRef.grants_write``, reported by the components as built); blue's copy of an external database
lists blue while write requests for the dataset still reach blue (the front door's weights and
write rules, ``cutover.data_guard.blue_takes_writes``), and green when green's compute holds the
``shared`` ref to it. The policy ``data-plan-single-writer`` fails a plan in which two copies have
writers. ``receipt`` is the SSM parameter the verifier writes for the dataset (None when no verifier
runs for it).

Each dataset's writer is also written to SSM (``/<app>/<stack>/data/<ds>/writer``): the next deployment
reads it to know whether ``writer: green`` is a change (a flip, which needs a receipt) or not.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.data_migration import (
    AttributeMapping,
    DatabaseEndpoint,
    DataMigrationArgs,
    DynamoDBTarget,
    TableMapping,
)
from components.refs import Access, StoreRef
from components.specs.engines import ENGINES, env_prefix
from components.specs.migrations import Color, DatasetConfig, Method, NetworkPath, SourceDatabase
from components.verifier import VerifiedDatabase, VerifiedDataset, VerifiedTable
from cutover.data_guard import blue_takes_writes, green_uses_source
from cutover.naming import Kind, Namer

TYPE = "cutover:data:DataPlan"
ANYWHERE = "0.0.0.0/0"
SECRET_READ = ("secretsmanager:GetSecretValue",)  # what a service needs to read the credentials, nothing more
# The DMS source engine names (DMS API EngineName) of the profile's engines.
DMS_ENGINES = {"postgres": "postgres", "mysql": "mysql", "mariadb": "mariadb"}


def source_cidrs(src: SourceDatabase, peer_cidr: str | None) -> tuple[str, ...]:
    """Where blue's database is, for security-group egress: the peered VPC, or anywhere (a public endpoint,
    TLS required); ``vpc`` is admitted by security-group reference instead."""
    if src.network is NetworkPath.PEERING:
        assert peer_cidr is not None  # the parser requires traffic.blue.peering
        return (peer_cidr,)
    return (ANYWHERE,) if src.network is NetworkPath.TLS else ()


def shared_ref(d: DatasetConfig, peer_cidr: str | None) -> StoreRef:
    """Green's services on blue's database (method shared): its endpoint, the secret with its credentials
    (read, nothing else) and the network path; what a connection may change is the database's grants."""
    src = d.source
    assert src is not None  # the parser requires a source database for shared
    cidrs = source_cidrs(src, peer_cidr)
    # database:<name> keeps the variables the app reads for that database (DB_HOST for main, ORDERS_DB_HOST for
    # database:orders); a table's dataset gets its own prefix, since one service may use several tables that
    # all live in blue's one database.
    prefix = (env_prefix(d.target.partition(":")[2]) if d.target_kind == "database"
              else re.sub(r"[^A-Z0-9]+", "_", d.name.upper()) + "_")
    return StoreRef(key=d.target, resource_arns=[src.secret_arn], read_actions=SECRET_READ, write_actions=(),
                    env={f"{prefix}DB_HOST": src.host, f"{prefix}DB_PORT": str(src.port),
                         f"{prefix}DB_NAME": src.database, f"{prefix}DB_SECRET_ARN": src.secret_arn},
                    in_vpc=True, security_group_id=src.security_group_id, port=src.port, cidr_blocks=cidrs)


def color_refs(refs: Mapping[str, StoreRef], datasets: Sequence[DatasetConfig], color: Color,
               peer_cidr: str | None, front_door: str, green_weight: int) -> dict[str, StoreRef]:
    """The refs a color's compute is built with: green on blue's database where it writes through to it
    (``shared``; a copy blue writes behind a front door that cannot route writes), otherwise read-only
    on the targets of the datasets the color does not write. Blue never writes a copy's target, even as the
    dataset's writer: it writes its source, and the copy is the replication's alone (a blue built in this stack
    with write access to the target would be a second writer of green's copy while DMS fills it)."""
    out = dict(refs)
    for d in datasets:
        if color is Color.GREEN and green_uses_source(d, front_door, green_weight):
            out[d.target] = shared_ref(d, peer_cidr)
        elif d.method is not Method.SHARED and (d.writer is not color or color is Color.BLUE) and d.target in out:
            out[d.target] = out[d.target].read_only()
    return out


@dataclass(frozen=True)
class DataRefs:
    """``color_refs`` for one stack's data plan and stage."""

    datasets: tuple[DatasetConfig, ...]
    peer_cidr: str | None
    front_door: str
    green_weight: int

    def of(self, refs: Mapping[str, StoreRef], color: Color) -> dict[str, StoreRef]:
        return color_refs(refs, self.datasets, color, self.peer_cidr, self.front_door, self.green_weight)


def write_grants(uses: Mapping[str, str], refs: Mapping[str, StoreRef]) -> tuple[str, ...]:
    """The store keys a compute component built with ``refs`` and ``uses`` (key -> read|write) can change."""
    return tuple(sorted(k for k, a in uses.items() if k in refs and refs[k].grants_write(Access(a))))


@dataclass(frozen=True)
class DatabaseTarget:
    """One relational database of this stack as DMS and the verifier reach it: the instance or the cluster's
    writer, never an RDS Proxy (the proxy takes IAM authentication only; they connect with the master secret)."""

    engine: str  # the RDS engine: postgres | mysql | aurora-postgresql | aurora-mysql
    host: pulumi.Input[str]
    port: int
    name: str
    secret_arn: pulumi.Input[str]
    security_group_id: pulumi.Input[str] | None = None

    @property
    def family(self) -> str:
        return ENGINES[self.engine].family


@dataclass(frozen=True)
class Targets:
    """This stack's stores a dataset can land in, as DMS and the verifier reach them."""

    database_engine: str | None = None  # "postgres" (RDS) | "aurora-postgresql"
    database_host: pulumi.Input[str] | None = None  # the instance or the cluster's writer, never the proxy
    database_name: str = ""
    database_secret_arn: pulumi.Input[str] | None = None
    database_security_group_id: pulumi.Input[str] | None = None
    table_names: Mapping[str, pulumi.Input[str]] | None = None  # DynamoDB: logical -> physical
    table_arns: Mapping[str, pulumi.Input[str]] | None = None
    table_keys: Mapping[str, tuple[str, str | None]] | None = None  # logical -> (hashKey, rangeKey)
    databases: Mapping[str, DatabaseTarget] | None = None  # by store key (database:<name>), main included

    def database(self, key: str) -> DatabaseTarget | None:
        """The database behind ``key``: from ``databases``, else ``database:main`` from the fields above."""
        if self.databases and key in self.databases:
            return self.databases[key]
        if key != "database:main" or self.database_engine is None or self.database_host is None:
            return None
        assert self.database_secret_arn is not None
        return DatabaseTarget(self.database_engine, self.database_host, ENGINES[self.database_engine].port,
                              self.database_name, self.database_secret_arn, self.database_security_group_id)


def _source_endpoint(src: SourceDatabase, peer_cidr: str | None) -> DatabaseEndpoint:
    return DatabaseEndpoint(engine=DMS_ENGINES[src.engine], server_name=src.host, port=src.port,
                            database_name=src.database, secret_arn=src.secret_arn,
                            ca_certificate_pem=src.ca_certificate, security_group_id=src.security_group_id,
                            cidr_blocks=source_cidrs(src, peer_cidr))


def migration_args(d: DatasetConfig, targets: Targets, namer: Namer, *, peer_cidr: str | None,
                   vpc_id: pulumi.Input[str], subnet_ids: Sequence[pulumi.Input[str]], kms_key_arn: pulumi.Input[str],
                   alert_topic_arn: pulumi.Input[str], region: str, account_id: str,
                   log_retention_days: int) -> DataMigrationArgs:
    """DMS full load + CDC for one ``dms`` dataset: blue's database into the target store."""
    src = d.source
    assert src is not None and d.method is Method.DMS
    target: DatabaseEndpoint | DynamoDBTarget
    tables: tuple[TableMapping, ...]
    if d.target_kind == "table":
        assert d.mapping is not None and targets.table_names is not None and targets.table_arns is not None
        name = d.target.partition(":")[2]
        schema, table = d.mapping.table.split(".", 1)
        keys = _table_keys(d, targets)
        tables = (TableMapping(schema=schema, table=table, target_table=namer.env_suffixed(Kind.DYNAMODB_TABLE, name),
                               partition_key=keys["hash"], sort_key=keys.get("range"),
                               attributes=tuple(AttributeMapping(a.attribute, a.column, a.type)
                                                for a in d.mapping.attributes),
                               exclude_columns=d.mapping.exclude_columns),)
        target = DynamoDBTarget(table_arns=(targets.table_arns[name],))
    else:
        db = targets.database(d.target)
        assert db is not None
        # A MySQL-compatible target is verified against its CA too (DMS offers it verify-ca/verify-full only).
        target = DatabaseEndpoint(engine=ENGINES[db.engine].dms_engine, server_name=db.host, port=db.port,
                                  database_name=db.name, secret_arn=db.secret_arn,
                                  security_group_id=db.security_group_id,
                                  ca_certificate_pem=d.target_ca_certificate if db.family == "mysql" else None)
        # Every table of each schema (DMS selection rules take % as a wildcard).
        tables = tuple(TableMapping(schema=s, table="%") for s in d.schemas)
    return DataMigrationArgs(dataset=d.name, namer=namer, source=_source_endpoint(src, peer_cidr), target=target,
                             tables=tables, vpc_id=vpc_id, subnet_ids=subnet_ids, kms_key_arn=kms_key_arn,
                             alert_topic_arn=alert_topic_arn, region=region, account_id=account_id,
                             log_retention_days=log_retention_days)


def _table_keys(d: DatasetConfig, targets: Targets) -> dict[str, str]:
    """The item's keys: the target table's own hashKey/rangeKey (the parser checked they are mapped)."""
    assert targets.table_keys is not None
    hash_key, range_key = targets.table_keys[d.target.partition(":")[2]]
    return {"hash": hash_key, **({"range": range_key} if range_key else {})}


def verified_dataset(d: DatasetConfig, targets: Targets, *, peer_cidr: str | None) -> VerifiedDataset | None:
    """What the verifier compares for one copied dataset; None for a pair it does not verify."""
    src = d.source
    if src is None or d.method is Method.SHARED:
        return None
    source = VerifiedDatabase(host=src.host, port=src.port, database=src.database, secret_arn=src.secret_arn,
                              security_group_id=src.security_group_id, cidr_blocks=source_cidrs(src, peer_cidr),
                              ca_certificate_pem=src.ca_certificate)
    db = targets.database(d.target) if d.target_kind == "database" else None
    if db is not None and src.engine == "postgres" and db.family == "postgres":
        return VerifiedDataset(dataset=d.name, source=source, schemas=d.schemas, target=VerifiedDatabase(
            host=db.host, port=db.port, database=db.name, secret_arn=db.secret_arn,
            security_group_id=db.security_group_id))
    if db is not None and src.engine in ("mysql", "mariadb") and db.family == "mysql":
        # MySQL's schemas are its databases: the source database is compared with the target database.
        return VerifiedDataset(dataset=d.name, source=source, engine="mysql", schemas=(src.database,),
                               target=VerifiedDatabase(host=db.host, port=db.port, database=db.name,
                                                       secret_arn=db.secret_arn,
                                                       security_group_id=db.security_group_id))
    if d.target_kind == "table" and src.engine in ("mysql", "mariadb") and d.mapping is not None:
        assert targets.table_names is not None and targets.table_arns is not None
        name = d.target.partition(":")[2]
        keys = _table_keys(d, targets)
        types = {a.attribute: (a.column, a.type) for a in d.mapping.attributes}
        return VerifiedDataset(dataset=d.name, source=source, tables=(VerifiedTable(
            source=d.mapping.table, table_name=targets.table_names[name], table_arn=targets.table_arns[name],
            partition_key=keys["hash"], sort_key=keys.get("range"), attributes=types,
            updated_at=d.mapping.updated_at),))
    return None


@dataclass(frozen=True)
class DataPlanArgs:
    namer: Namer
    green_weight: int
    front_door: str  # alb | route53 | alias | none
    datasets: tuple[DatasetConfig, ...]
    green_writes: frozenset[str]  # store keys green's compute components were granted write on
    blue_writes: frozenset[str]  # store keys blue's compute built in this stack was granted write on
    blue_retired: bool
    receipts: Mapping[str, str]  # dataset -> receipt parameter (datasets the verifier covers)


def plan_props(args: DataPlanArgs) -> dict[str, Any]:
    """The DataPlan's props (the contract in the module docstring)."""
    datasets: dict[str, Any] = {}
    for d in args.datasets:
        blue_store = f"blue:{d.source.host}/{d.source.database}" if d.source is not None else str(d.source_store)
        through = green_uses_source(d, args.front_door, args.green_weight)  # green's target ref is blue's database
        blue = [c.value for c, on in ((Color.BLUE, blue_takes_writes(d, args.front_door, args.green_weight,
                                                                      args.blue_retired)),
                                      (Color.GREEN, through and d.target in args.green_writes))
                if on]
        if d.source_store is not None and d.source_store in args.blue_writes:
            blue = sorted({*blue, Color.BLUE.value})
        copies = [{"color": Color.BLUE.value, "store": blue_store, "writers": blue}]
        # Green's own store: written through to blue, green's services hold the ref to blue's database instead.
        green = [] if through else \
            [c.value for c, keys in ((Color.BLUE, args.blue_writes), (Color.GREEN, args.green_writes))
             if d.target in keys]
        copies.append({"color": Color.GREEN.value, "store": d.target, "writers": green})
        datasets[d.name] = {"method": d.method.value, "writer": d.writer.value, "copies": copies,
                            "receipt": args.receipts.get(d.name)}
    return {"greenWeight": args.green_weight, "datasets": datasets}


class DataPlan(pulumi.ComponentResource):
    """The record of the data plan at this stage, and each dataset's writer in SSM."""

    writer_parameters: dict[str, str]

    def __init__(self, name: str, args: DataPlanArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        props = plan_props(args)
        super().__init__(TYPE, name, props, opts)
        self.props = props
        self.writer_parameters = {}
        for d in args.datasets:
            parameter = args.namer.path("data", d.name, "writer")
            # Its value changes only when the writer does: the next deployment reads it (a flip or not).
            aws.ssm.Parameter(f"{name}-{d.name}-writer", name=parameter, type="String", value=d.writer.value,
                              description=f"dataset {d.name}: the color that writes it (cutover/data_guard.py)",
                              opts=pulumi.ResourceOptions(parent=self))
            self.writer_parameters[d.name] = parameter
        self.register_outputs({"greenWeight": args.green_weight, "datasets": props["datasets"],
                               "writerParameters": self.writer_parameters})


class MigrationKey(pulumi.ComponentResource):
    """The customer-managed key DMS encrypts its endpoints' settings and replication storage with."""

    arn: pulumi.Output[str]

    def __init__(self, name: str, namer: Namer, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cutover:data:MigrationKey", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        key = aws.kms.Key(name, description=f"{namer.prefix} data migration (DMS endpoints and storage)",
                          enable_key_rotation=True, deletion_window_in_days=30, opts=child)
        aws.kms.Alias(name, name=f"alias/{namer.prefix}-data", target_key_id=key.key_id, opts=child)
        self.arn = key.arn
        self.register_outputs({"arn": self.arn})


def write_routes(datasets: Sequence[DatasetConfig], services: Sequence[Any]) -> dict[str, Any]:
    """alb kind: each API service that writes a copied dataset's target, with its routes and that writer
    (``check_stage`` made sure a service's datasets share one writer)."""
    from components.front_door import WriteRoute

    by_target = {d.target: d for d in datasets if d.method is not Method.SHARED}
    out: dict[str, Any] = {}
    for s in services:
        touched = sorted(by_target[k].name for k, a in s.uses.items() if a == "write" and k in by_target)
        if not touched or not s.routes:
            continue
        writer = next(by_target[k].writer for k, a in s.uses.items() if a == "write" and k in by_target)
        out[s.name] = WriteRoute(writer=writer.value, routes=tuple((r.method, r.path) for r in s.routes),
                                 datasets=tuple(touched))
    return out


@dataclass(frozen=True)
class DataBuild:
    """What ``build_data`` registered."""

    plan: DataPlan
    migrations: dict[str, Any]
    verifier: Any


def build_data(args: DataPlanArgs, targets: Targets, *, peer_cidr: str | None, vpc_id: pulumi.Input[str],
               subnet_ids: Sequence[pulumi.Input[str]], alert_topic_arn: pulumi.Input[str], region: str,
               account_id: str, log_retention_days: int, green_present: bool,
               opts: pulumi.ResourceOptions) -> DataBuild:
    """DMS for every ``dms`` dataset blue still writes, the verifier for every copied dataset while blue
    is live, and the DataPlan record (registered last: it reports what the compute was granted)."""
    from components.data_migration import DataMigration
    from components.verifier import DataVerifier, DataVerifierArgs

    migrations: dict[str, Any] = {}
    live = green_present and not args.blue_retired
    replicate = [d for d in args.datasets if live and d.method is Method.DMS and d.writer is Color.BLUE]
    waiting = [d for d in replicate if d.source is not None and d.source.engine != "postgres"
               and not d.source.ca_certificate]
    for d in waiting:  # DMS offers MySQL-compatible sources verify-ca/verify-full only: the CA is needed
        pulumi.log.warn(f"migrations.{d.name}.source.caCertificate is not set: no DMS replication until it is "
                        "(DMS verifies a MySQL-compatible server's certificate against it)")
    for d in replicate:  # ... and MySQL-compatible targets alike (the RDS certificate bundle of the region)
        db = targets.database(d.target) if d.target_kind == "database" else None
        if d not in waiting and db is not None and db.family == "mysql" and not d.target_ca_certificate:
            waiting.append(d)
            pulumi.log.warn(f"migrations.{d.name}.targetCaCertificate is not set: no DMS replication until it is "
                            f"(DMS verifies the {db.engine} target's certificate against it: the RDS CA bundle)")
    replicate = [d for d in replicate if d not in waiting]
    if replicate:
        key = MigrationKey("data-key", args.namer, opts=opts)
        for d in replicate:
            migrations[d.name] = DataMigration(f"migration-{d.name}", migration_args(
                d, targets, args.namer, peer_cidr=peer_cidr, vpc_id=vpc_id, subnet_ids=subnet_ids,
                kms_key_arn=key.arn, alert_topic_arn=alert_topic_arn, region=region, account_id=account_id,
                log_retention_days=log_retention_days), opts=opts)
    verified = [v for d in args.datasets if live
                for v in [verified_dataset(d, targets, peer_cidr=peer_cidr)] if v is not None]
    verifier = None
    if verified:
        verifier = DataVerifier("verifier", DataVerifierArgs(
            args.namer, tuple(verified), vpc_id, subnet_ids, region, account_id,
            log_retention_days=log_retention_days), opts=opts)
    receipts = dict(verifier.receipt_parameters) if verifier is not None else {}
    plan = DataPlan("data-plan", DataPlanArgs(
        args.namer, args.green_weight, args.front_door, args.datasets, args.green_writes, args.blue_writes,
        args.blue_retired, receipts), opts=opts)
    return DataBuild(plan, migrations, verifier)
