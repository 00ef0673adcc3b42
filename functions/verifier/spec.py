"""What to verify: one dataset's spec, as JSON (the Lambda's ``DATASETS`` variable, or a file for the CLI).

    {
      "dataset": "bookings",
      "pair": "postgres->postgres" | "mysql->dynamodb" | "mysql->mysql",
      "source": {"host": "db.internal", "port": 5432, "database": "app",
                 "secretArn": "arn:aws:secretsmanager:...",   # JSON with username, password (RDS format;
                                                              # host/port/dbname in it fill what is unset)
                 "tls": true, "caBundle": "/opt/rds-ca.pem"},  # tls defaults to true; caBundle optional
      "target": {... the same, for PostgreSQL} | {"region": "us-east-1"}   # DynamoDB
      "schemas": ["public"],                                   # postgres->postgres: schemas compared;
                                                               # mysql->mysql: the databases compared
      "tables": [{"source": "yoga.bookings", "target": "yoga-Bookings-prod",   # mysql->dynamodb
                  "partitionKey": "bookingId", "sortKey": null, "updatedAt": "updated_at",
                  "attributes": {"bookingId": {"column": "id", "type": "S"}, "userId": {"column": "user_id"}}}],
      "receiptParameter": "/yoga/prod/data/bookings/receipt",
      "chunkRows": 50000, "sampleSize": 200, "gsiProbes": 3, "lobMaxSizeKb": 32, "recheckSeconds": 30
    }

Errors name the key path (``datasets[0].tables[1].attributes.userId.type``) and the allowed values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

try:
    from .mysql_dynamo import ATTRIBUTE_TYPES, AttributeMap, DynamoMapping
    from .receipt import PAIRS
except ImportError:  # Lambda: the code root is functions/verifier
    from mysql_dynamo import ATTRIBUTE_TYPES, AttributeMap, DynamoMapping  # type: ignore[no-redef]
    from receipt import PAIRS  # type: ignore[no-redef]

DEFAULT_LOB_MAX_KB = 32  # DMS LobMaxSize default in limited LOB mode (DMS task settings)


class SpecError(ValueError):
    """Bad verifier input; the message names the key path and the allowed values."""


@dataclass(frozen=True)
class Endpoint:
    host: str | None = None
    port: int | None = None
    database: str | None = None
    secret_arn: str | None = None
    tls: bool = True
    ca_bundle: str | None = None
    region: str | None = None  # DynamoDB


@dataclass(frozen=True)
class DatasetSpec:
    dataset: str
    pair: str
    source: Endpoint
    target: Endpoint
    receipt_parameter: str | None
    schemas: tuple[str, ...] = ("public",)
    tables: tuple[DynamoMapping, ...] = ()
    chunk_rows: int = 50_000
    sample_size: int = 200
    gsi_probes: int = 3
    lob_max_kb: int = DEFAULT_LOB_MAX_KB
    recheck_seconds: int = 30


def _typed(obj: Mapping[str, Any], key: str, path: str, kind: type, default: Any = None, required: bool = False) -> Any:
    if key not in obj or obj[key] is None:
        if required:
            raise SpecError(f"{path}{key}: missing")
        return default
    value = obj[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise SpecError(f"{path}{key}: expected {kind.__name__}, got {value!r}")
    return value


def _positive(obj: Mapping[str, Any], key: str, path: str, default: int, minimum: int = 1) -> int:
    value = int(_typed(obj, key, path, int, default))
    if value < minimum:
        raise SpecError(f"{path}{key}: must be >= {minimum}, got {value}")
    return value


def _endpoint(raw: Any, path: str) -> Endpoint:
    if not isinstance(raw, dict):
        raise SpecError(f"{path}: expected an object")
    p = f"{path}."
    known = {"host", "port", "database", "secretArn", "tls", "caBundle", "region"}
    for key in raw:
        if key not in known:
            raise SpecError(f"{p}{key}: unknown key (allowed: {' | '.join(sorted(known))})")
    return Endpoint(host=_typed(raw, "host", p, str), port=_typed(raw, "port", p, int),
                    database=_typed(raw, "database", p, str), secret_arn=_typed(raw, "secretArn", p, str),
                    tls=_typed(raw, "tls", p, bool, True), ca_bundle=_typed(raw, "caBundle", p, str),
                    region=_typed(raw, "region", p, str))


def _mapping(raw: Any, path: str) -> DynamoMapping:
    if not isinstance(raw, dict):
        raise SpecError(f"{path}: expected an object")
    p = f"{path}."
    source = _typed(raw, "source", p, str, required=True)
    if source.count(".") != 1:
        raise SpecError(f"{p}source: expected schema.table, got {source!r}")
    attrs_raw = _typed(raw, "attributes", p, dict, required=True)
    attrs = []
    for name, a in attrs_raw.items():
        ap = f"{p}attributes.{name}."
        if not isinstance(a, dict):
            raise SpecError(f"{p}attributes.{name}: expected an object with column and type")
        kind = _typed(a, "type", ap, str, "S")
        if kind not in ATTRIBUTE_TYPES:
            raise SpecError(f"{ap}type: unknown value {kind!r} (allowed: {' | '.join(ATTRIBUTE_TYPES)})")
        attrs.append(AttributeMap(name, _typed(a, "column", ap, str, required=True), kind))
    mapping = DynamoMapping(source=source, target=_typed(raw, "target", p, str, required=True),
                            partition_key=_typed(raw, "partitionKey", p, str, required=True),
                            attributes=tuple(attrs), sort_key=_typed(raw, "sortKey", p, str),
                            updated_at=_typed(raw, "updatedAt", p, str))
    for key, label in ((mapping.partition_key, "partitionKey"), (mapping.sort_key, "sortKey")):
        if key and key not in attrs_raw:
            raise SpecError(f"{p}{label}: {key!r} is not among the attributes ({', '.join(attrs_raw)})")
    return mapping


def parse_spec(raw: Any, path: str = "") -> DatasetSpec:
    if not isinstance(raw, dict):
        raise SpecError(f"{path or 'spec'}: expected an object")
    p = f"{path}." if path else ""
    pair = _typed(raw, "pair", p, str, required=True)
    if pair not in PAIRS:
        raise SpecError(f"{p}pair: unknown value {pair!r} (allowed: {' | '.join(PAIRS)})")
    tables_raw = _typed(raw, "tables", p, list, [])
    if pair == "mysql->dynamodb" and not tables_raw:
        raise SpecError(f"{p}tables: a mysql->dynamodb dataset needs at least one table mapping")
    schemas = _typed(raw, "schemas", p, list, ["public"])
    if not schemas or not all(isinstance(s, str) and s for s in schemas):
        raise SpecError(f"{p}schemas: expected a non-empty list of schema names")
    return DatasetSpec(
        dataset=_typed(raw, "dataset", p, str, required=True), pair=pair,
        source=_endpoint(_typed(raw, "source", p, dict, required=True), f"{p}source"),
        target=_endpoint(_typed(raw, "target", p, dict, required=True), f"{p}target"),
        receipt_parameter=_typed(raw, "receiptParameter", p, str),
        schemas=tuple(schemas), tables=tuple(_mapping(t, f"{p}tables[{i}]") for i, t in enumerate(tables_raw)),
        chunk_rows=_positive(raw, "chunkRows", p, 50_000, minimum=2),
        sample_size=_positive(raw, "sampleSize", p, 200, minimum=0),
        gsi_probes=_positive(raw, "gsiProbes", p, 3, minimum=0),
        lob_max_kb=_positive(raw, "lobMaxSizeKb", p, DEFAULT_LOB_MAX_KB),
        recheck_seconds=_positive(raw, "recheckSeconds", p, 30, minimum=0))


def parse_specs(raw: Any) -> dict[str, DatasetSpec]:
    """A list of dataset specs, keyed by dataset name (names must be unique)."""
    if not isinstance(raw, list) or not raw:
        raise SpecError("datasets: expected a non-empty list of dataset specs")
    out: dict[str, DatasetSpec] = {}
    for i, item in enumerate(raw):
        spec = parse_spec(item, f"datasets[{i}]")
        if spec.dataset in out:
            raise SpecError(f"datasets[{i}].dataset: {spec.dataset!r} appears twice")
        out[spec.dataset] = spec
    return out
