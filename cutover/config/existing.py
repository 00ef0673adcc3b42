"""``existing:``: stores that already exist outside this stack (a third-party API key, a legacy bucket),
used by reference through the same ``uses:`` refs as the stack's own stores.

```yaml
existing:
  secrets:   {stripe-key: {arn: arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe/key-AbC123}}
  buckets:   {legacy-uploads: {name: acme-legacy-uploads}}
  tables:    {Orders: {arn: arn:aws:dynamodb:us-east-1:123456789012:table/Orders}}
  queues:    {jobs: {name: legacy-jobs}}
  databases: {legacy: {host: db.example.com, engine: mysql, database: app, secretArn: arn:aws:secretsmanager:...}}
```

Each secret, bucket, table or queue gives exactly one of ``arn`` or ``name`` (then the ARN is derived with the
stack's partition, region and account: ``components/existing.py``). Every ARN is checked against the format the
service documents, and against the stack's partition (a role cannot be granted a resource of another partition).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

from components.specs.existing import ExistingKind as ExistingKind
from components.specs.existing import ExistingStore as ExistingStore
from components.specs.existing import partition_of as partition_of
from cutover.config.reader import Reader
from cutover.errors import ConfigError

REF_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
_P = r"(?P<partition>aws[a-z-]*)"
_RA = r"(?P<region>[a-z]{2,4}(-[a-z]+)+-\d+):(?P<account>\d{12})"
# Secrets Manager: names are 1..512 of ASCII letters, digits and /_+=.@- (botocore secretsmanager NameType, and
# CreateSecret's documentation); the ARN ends with a hyphen and six random characters it appends to the name.
SECRET_NAME = re.compile(r"^[A-Za-z0-9/_+=.@-]{1,512}$")
SECRET_ARN = re.compile(
    rf"^arn:{_P}:secretsmanager:{_RA}:secret:(?P<name>[A-Za-z0-9/_+=.@-]{{1,512}})-[A-Za-z0-9]{{6}}$")
# S3 bucket naming rules (S3 user guide, "General purpose bucket naming rules"): 3..63 lowercase letters,
# digits, dots and hyphens, starting and ending with a letter or digit. Bucket ARNs have no region or account.
BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
BUCKET_ARN = re.compile(rf"^arn:{_P}:s3:::(?P<name>[a-z0-9][a-z0-9.-]{{1,61}}[a-z0-9])$")
# DynamoDB: table names 3..255 of [a-zA-Z0-9_.-] (botocore dynamodb TableName); arn:...:table/<name>.
TABLE_NAME = re.compile(r"^[a-zA-Z0-9_.-]{3,255}$")
TABLE_ARN = re.compile(rf"^arn:{_P}:dynamodb:{_RA}:table/(?P<name>[a-zA-Z0-9_.-]{{3,255}})$")
# SQS: queue names 1..80 of letters, digits, hyphens and underscores, FIFO queues ending in .fifo (SQS developer
# guide, quotas); the ARN is arn:...:sqs:<region>:<account>:<name>.
QUEUE_NAME = re.compile(r"^(?=.{1,80}$)[A-Za-z0-9_-]+(\.fifo)?$")
QUEUE_ARN = re.compile(rf"^arn:{_P}:sqs:{_RA}:(?P<name>(?=.{{1,80}}$)[A-Za-z0-9_-]+(\.fifo)?)$")
# KMS key ARNs: arn:...:kms:<region>:<account>:key/<key id> (a UUID, or mrk-<32 hex> for multi-Region keys).
KMS_KEY_ARN = re.compile(
    rf"^arn:{_P}:kms:{_RA}:key/(?P<name>(mrk-[0-9a-f]{{32}}|[0-9a-f]{{8}}(-[0-9a-f]{{4}}){{3}}-[0-9a-f]{{12}}))$")
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
HOST = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*$")  # DNS labels of 1..63 (RFC 1123); IPv4 matches too
# Engines whose default port is MySQL's 3306; the others PostgreSQL's 5432.
DATABASE_ENGINES = ("postgres", "aurora-postgresql", "mysql", "aurora-mysql", "mariadb")
MYSQL_FAMILY = ("mysql", "aurora-mysql", "mariadb")

_FORMATS: dict[ExistingKind, tuple[re.Pattern[str], re.Pattern[str], str, str]] = {
    ExistingKind.SECRET: (SECRET_ARN, SECRET_NAME,
                          "arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>",
                          "1..512 of letters, digits and /_+=.@-"),
    ExistingKind.BUCKET: (BUCKET_ARN, BUCKET_NAME, "arn:aws:s3:::<bucket>",
                          "3..63 lowercase letters, digits, dots, hyphens; starts and ends with a letter or digit"),
    ExistingKind.TABLE: (TABLE_ARN, TABLE_NAME, "arn:aws:dynamodb:<region>:<account>:table/<name>",
                         "3..255 of letters, digits and _ . -"),
    ExistingKind.QUEUE: (QUEUE_ARN, QUEUE_NAME, "arn:aws:sqs:<region>:<account>:<name>",
                         "1..80 of letters, digits, hyphens and underscores (FIFO: ending in .fifo)"),
}


def parse_existing(r: Reader, region: str) -> tuple[ExistingStore, ...]:
    """Every store of the ``existing`` section, in profile order within each kind."""
    partition = partition_of(region)
    out: list[ExistingStore] = []
    for kind in ExistingKind:
        parse: Callable[[str, Reader], ExistingStore]
        if kind is ExistingKind.DATABASE:
            def parse(name: str, inner: Reader) -> ExistingStore:
                return _database(name, inner, partition)
        else:
            def parse(name: str, inner: Reader, kind: ExistingKind = kind) -> ExistingStore:
                return _store(kind, name, inner, partition)
        out.extend(r.mapping_of(kind.value, parse))
    r.finish()
    return tuple(out)


def _ref_name(kind: ExistingKind, name: str, path: str) -> None:
    if not REF_NAME.match(name):
        raise ConfigError(path, f"{name!r} is not a ref name (services use it as {kind.ref_kind}:<name>)",
                          "a letter, then letters, digits, _ and -; at most 64")


def _arn(r: Reader, key: str, pattern: re.Pattern[str], shape: str, partition: str) -> re.Match[str]:
    value = r.string(key)
    match = pattern.match(value)
    if match is None:
        raise ConfigError(r.key(key), f"{value!r} is not a valid ARN here", shape)
    if match.group("partition") != partition:
        raise ConfigError(r.key(key), f"{value!r} is in partition {match.group('partition')!r}, but the stack's "
                          f"region is in {partition!r} (IAM cannot grant a resource of another partition)",
                          shape.replace("arn:aws:", f"arn:{partition}:"))
    return match


def _store(kind: ExistingKind, name: str, r: Reader, partition: str) -> ExistingStore:
    _ref_name(kind, name, r.path)
    arn_pattern, name_pattern, shape, name_rule = _FORMATS[kind]
    if r.has("arn") == r.has("name"):
        raise ConfigError(r.path, "give exactly one of arn or name", f"arn: {shape} | name: {name_rule}")
    kms = _arn(r, "kmsKeyArn", KMS_KEY_ARN, "arn:aws:kms:<region>:<account>:key/<key id>", partition).group(0) \
        if r.has("kmsKeyArn") else r.raw("kmsKeyArn", None)
    if r.has("arn"):
        match = _arn(r, "arn", arn_pattern, shape, partition)
        return ExistingStore(kind, name, match.group("name"), arn=match.group(0), kms_key_arn=kms)
    physical = r.string("name")
    if not name_pattern.match(physical):
        raise ConfigError(r.key("name"), f"{physical!r} is not a valid {kind.ref_kind} name", name_rule)
    if kind is ExistingKind.SECRET and re.search(r"-[A-Za-z0-9]{6}$", physical):
        # Secrets Manager's own warning: a name ending in a hyphen and six characters is read as a full ARN's
        # suffix by partial-ARN lookups, and the derived name-?????? grant would not match it.
        raise ConfigError(r.key("name"), f"{physical!r} ends with a hyphen and six characters, which Secrets "
                          "Manager reads as the random suffix of an ARN; give the full ARN instead", shape)
    return ExistingStore(kind, name, physical, kms_key_arn=kms)


def _database(name: str, r: Reader, partition: str) -> ExistingStore:
    _ref_name(ExistingKind.DATABASE, name, r.path)
    host = r.string("host")
    if not HOST.match(host):
        raise ConfigError(r.key("host"), f"{host!r} is not a DNS name or IPv4 address", "e.g. db.example.com")
    engine = r.string("engine", choices=DATABASE_ENGINES)
    port = r.integer("port", 3306 if engine in MYSQL_FAMILY else 5432, minimum=1, maximum=65535)
    secret = _arn(r, "secretArn", SECRET_ARN,
                  "arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>", partition).group(0)
    database = r.string("database", "")
    cidrs = r.string_list("cidrBlocks", [])
    for i, cidr in enumerate(cidrs):
        try:
            ipaddress.IPv4Network(cidr, strict=True)
        except ValueError:
            raise ConfigError(f"{r.key('cidrBlocks')}[{i}]", f"{cidr!r} is not an IPv4 CIDR block",
                              "e.g. 10.20.0.0/16") from None
    return ExistingStore(ExistingKind.DATABASE, name, host, engine=engine, port=port, database_name=database,
                         secret_arn=secret, cidr_blocks=tuple(cidrs))
