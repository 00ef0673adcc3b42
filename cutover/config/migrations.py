"""The ``migrations:`` profile section: the data plan, one entry per dataset.

A dataset is one body of data that blue holds today and green must hold after the cutover: a source
(blue's database, or a store of this stack), a target (one store of this stack, by its store-ref
key), a method and a writer color. Keys (every one described in the configuration schema):

- ``source``: ``engine`` (``postgres`` | ``mysql`` | ``mariadb``), ``host``, ``port``, ``database``,
  ``secretArn`` (a Secrets Manager secret with ``username`` and ``password``: what DMS, the verifier
  and, with ``shared``, green's services read), ``network`` (how this stack reaches it: ``peering``
  through ``traffic.blue.peering``; ``tls`` to a public endpoint, which needs NAT; ``vpc`` in this
  stack's VPC, admitted by ``securityGroupId``), ``caCertificate`` (the server's CA, PEM: DMS accepts
  only ``verify-ca``/``verify-full`` for MySQL-compatible sources, DMS user guide "Using SSL with AWS
  DMS"). Or ``store: <ref>``: the data already lives in a store of this stack (no copy to make).
- ``target``: a store of this stack: ``database:<name>`` (``main`` or one of ``databases:``), ``table:<Name>``,
  ``bucket:<purpose>``. A ``postgres`` source goes into a PostgreSQL database, a ``mysql``/``mariadb`` source into
  a MySQL one (RDS MySQL or Aurora MySQL: homogeneous, through DMS) or a DynamoDB table.
- ``targetCaCertificate``: the CA (PEM, the region's RDS certificate bundle) DMS verifies a MySQL-compatible
  target database against (DMS offers MySQL-compatible endpoints ``verify-ca``/``verify-full`` only).
- ``method``: ``dms`` (full load + change data capture, AWS DMS), ``dump`` (a one-off copy made in a
  write freeze, docs/runbooks/data-migration.md), ``shared`` (both colors use blue's database; no copy).
- ``writer``: ``blue`` (default) | ``green``: the one color whose writes the dataset takes.
- ``writerSince``: UTC time ``YYYY-MM-DDTHH:MM:SSZ``, required with ``writer: green`` (not ``shared``):
  when blue stopped writing (the write freeze that precedes the flip). A receipt whose verification
  started at or after it proves green holds everything blue wrote (cutover/data_guard.py).
- ``schemas``: PostgreSQL schemas compared and replicated (default ``[public]``).
- ``mapping`` (DynamoDB targets): ``table`` (``schema.table`` on the source), ``attributes``
  (attribute -> column, or ``{column, type: S|N}``), ``excludeColumns``, ``updatedAt`` (the column the
  verifier reads as a high-water mark). The item's keys are the target table's ``hashKey``/``rangeKey``:
  they must be mapped attributes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from components.specs.migrations import (
    AttributeMap,
    Color,
    DatasetConfig,
    ItemMapping,
    Method,
    NetworkPath,
    SourceDatabase,
)
from cutover.config.reader import Reader
from cutover.errors import ConfigError

ENGINES = ("postgres", "mysql", "mariadb")
DEFAULT_PORTS = {"postgres": 5432, "mysql": 3306, "mariadb": 3306}
ATTRIBUTE_TYPES = ("S", "N")  # DMS object mapping attribute-sub-type string | number
DATASET_NAME = re.compile(r"^[a-z][a-z0-9-]{0,39}$")  # part of DMS identifiers and SSM paths
SECRET_ARN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$")
SOURCE_TABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*\.[A-Za-z_][A-Za-z0-9_$]*$")
UTC_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")  # the receipt's time format
TARGET_KINDS = ("database", "table", "bucket")


def parse_migrations(section: Reader) -> tuple[DatasetConfig, ...]:
    return tuple(sorted(_datasets(section), key=lambda d: d.name))


def _datasets(section: Reader) -> list[DatasetConfig]:
    out = []
    for name in section.keys():  # noqa: SIM118 (Reader.keys, not a dict)
        inner = section.section(name)
        out.append(_dataset(name, inner))
        inner.finish()
    section.finish()
    return out


def _dataset(name: str, r: Reader) -> DatasetConfig:
    if not DATASET_NAME.match(name):
        raise ConfigError(r.path, f"dataset name {name!r} is invalid (it becomes part of DMS identifiers and SSM "
                          "paths)", "lowercase letters, digits and hyphens, starting with a letter, at most 40")
    method = r.enum("method", Method)
    writer = r.enum("writer", Color, Color.BLUE)
    target = r.string("target", describe="a store of this stack: database:main, table:<Name>, bucket:<purpose>")
    if target.partition(":")[0] not in TARGET_KINDS or not target.partition(":")[2]:
        raise ConfigError(r.key("target"), f"{target!r} is not a store this stack builds a copy in",
                          "database:main | table:<Name> | bucket:<purpose>")
    src = r.section("source")
    source, source_store = None, None
    if src.has("store"):
        source_store = src.string("store")
        if source_store == target:
            raise ConfigError(src.key("store"), f"the source and the target are both {target}", "another store")
    else:
        source = _source(src)
    src.finish()
    since = r.string("writerSince", None)
    if since is not None and not UTC_TIME.match(since):
        raise ConfigError(r.key("writerSince"), f"{since!r} is not a UTC time", "YYYY-MM-DDTHH:MM:SSZ, e.g. "
                          "2025-09-01T02:00:00Z (when blue stopped writing the dataset)")
    if writer is Color.GREEN and method is not Method.SHARED and since is None:
        raise ConfigError(r.key("writerSince"), "writer green needs the time blue stopped writing the dataset "
                          "(the start of the write freeze before the flip): a receipt must prove it was copied after",
                          "YYYY-MM-DDTHH:MM:SSZ, set together with writer: green")
    schemas = r.string_list("schemas", ["public"])
    mapping = _mapping(r.section("mapping")) if r.has("mapping") else None
    if not r.has("mapping"):
        r.raw("mapping", None)
    if target.startswith("table:") and method is not Method.SHARED and mapping is None:
        raise ConfigError(r.key("mapping"), f"{target} is a DynamoDB table: say which source table becomes its "
                          "items and which columns its attributes", "{table: schema.table, attributes: {id: id, ...}}")
    if mapping is not None and not target.startswith("table:"):
        raise ConfigError(r.key("mapping"), f"an item mapping is for DynamoDB targets, and {target} is not one",
                          "remove mapping, or target: table:<Name>")
    if method is Method.SHARED and source is None:
        raise ConfigError(r.key("method"), "shared means green uses blue's database: give source.engine, host, "
                          "port, database, secretArn and network", "dms | dump with source.store")
    if method is Method.SHARED and target.startswith("bucket:"):
        raise ConfigError(r.key("target"), "shared gives green's services blue's database in place of the target, "
                          "and a bucket is not a database", "database:main | table:<Name>")
    target_ca = r.string("targetCaCertificate", None)
    if target_ca is not None and not target.startswith("database:"):
        raise ConfigError(r.key("targetCaCertificate"), f"only a database target is reached over TLS by DMS, and "
                          f"{target} is not one", "remove it, or target: database:<name>")
    return DatasetConfig(name=name, target=target, method=method, writer=writer, source=source,
                         source_store=source_store, writer_since=since, schemas=schemas, mapping=mapping,
                         target_ca_certificate=target_ca)


def _source(r: Reader) -> SourceDatabase:
    engine = r.string("engine", choices=ENGINES)
    network = r.enum("network", NetworkPath)
    sg = r.string("securityGroupId", None)
    if network is NetworkPath.VPC and sg is None:
        raise ConfigError(r.key("securityGroupId"), "network vpc admits this stack's clients on the database's "
                          "security group", "sg-<id> of the database in this stack's VPC")
    if network is not NetworkPath.VPC and sg is not None:
        raise ConfigError(r.key("securityGroupId"), f"only network vpc references a security group; {network.value} "
                          "is reached by CIDR", "remove it, or network: vpc")
    secret = r.string("secretArn", pattern=lambda v: bool(SECRET_ARN.match(v)),
                      describe="arn:aws:secretsmanager:<region>:<account>:secret:<name>")
    return SourceDatabase(
        engine=engine, host=r.string("host", describe="the database's DNS name or IP address"),
        port=r.integer("port", DEFAULT_PORTS[engine], minimum=1, maximum=65535),
        database=r.string("database"), secret_arn=secret, network=network, security_group_id=sg,
        ca_certificate=r.string("caCertificate", None))


def _mapping(r: Reader) -> ItemMapping:
    table = r.string("table", pattern=lambda v: bool(SOURCE_TABLE.match(v)), describe="schema.table on the source")
    attrs = r.section("attributes")
    mapped = []
    for attribute in attrs.keys():  # noqa: SIM118 (Reader.keys, not a dict)
        value = attrs.raw(attribute)
        if isinstance(value, str):
            mapped.append(AttributeMap(attribute, value))
            continue
        one = attrs.section(attribute)
        mapped.append(AttributeMap(attribute, one.string("column"), one.string("type", "S", choices=ATTRIBUTE_TYPES)))
        one.finish()
    attrs.finish()
    if not mapped:
        raise ConfigError(r.key("attributes"), "map at least the item's key attributes", "{attribute: column}")
    return ItemMapping(table=table, attributes=tuple(mapped),
                       exclude_columns=r.string_list("excludeColumns", []), updated_at=r.string("updatedAt", None))


def check_targets(datasets: tuple[DatasetConfig, ...], stores: Mapping[str, tuple[str, ...]],
                  key_attributes: Mapping[str, tuple[str, ...]]) -> None:
    """Targets must be stores this stack builds (``stores``: ref key -> engines, "" for non-databases); a
    DynamoDB mapping must map the table's key attributes; one store is the target of one dataset."""
    owners: dict[str, str] = {}
    for d in datasets:
        if d.target not in stores:
            raise ConfigError(f"migrations.{d.name}.target", f"{d.target} is not a store of this stack",
                              " | ".join(sorted(stores)) or "none: declare the store first")
        if d.target in owners:
            raise ConfigError(f"migrations.{d.name}.target", f"{d.target} is already the target of dataset "
                              f"{owners[d.target]}: a store has one writer, so it belongs to one dataset",
                              "another store")
        owners[d.target] = d.name
        if d.source_store is not None and d.source_store not in stores:
            raise ConfigError(f"migrations.{d.name}.source.store", f"{d.source_store} is not a store of this stack",
                              " | ".join(sorted(stores)))
        if d.mapping is not None:
            names = [a.attribute for a in d.mapping.attributes]
            for key in key_attributes.get(d.target, ()):
                if key not in names:
                    raise ConfigError(f"migrations.{d.name}.mapping.attributes", f"{d.target}'s key attribute "
                                      f"{key!r} is not mapped from a column", f"{key}: <column>")
        if d.method is Method.DMS and d.source is not None and d.target.startswith("bucket:"):
            raise ConfigError(f"migrations.{d.name}.method", "DMS copies databases, not S3 objects",
                              "dump (S3 sync in the write freeze) or shared")
