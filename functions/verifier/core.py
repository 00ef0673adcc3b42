"""Connections, the two modes, and the receipt in SSM: shared by the Lambda handler and the CLI."""

from __future__ import annotations

import json
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

try:
    from . import mysql, mysql_dynamo, postgres
    from .findings import PreflightReport
    from .receipt import Receipt, ReceiptError, encode_receipt, now, parse_receipt, parse_time
    from .spec import DatasetSpec, Endpoint, SpecError
except ImportError:  # Lambda: the code root is functions/verifier
    import mysql  # type: ignore[no-redef]
    import mysql_dynamo  # type: ignore[no-redef]
    import postgres  # type: ignore[no-redef]
    from findings import PreflightReport  # type: ignore[no-redef]
    from receipt import Receipt, ReceiptError, encode_receipt, now, parse_receipt, parse_time  # type: ignore[no-redef]
    from spec import DatasetSpec, Endpoint, SpecError  # type: ignore[no-redef]

CONNECT_TIMEOUT_S = 10


@dataclass(frozen=True)
class Credentials:
    user: str
    password: str | None
    host: str
    port: int
    database: str | None


def resolve(endpoint: Endpoint, path: str, secrets: Any | None = None, user: str | None = None,
            password: str | None = None, default_port: int = 5432) -> Credentials:
    """Endpoint fields, filled from its Secrets Manager secret (RDS format); explicit user/password win."""
    secret: dict[str, Any] = {}
    if endpoint.secret_arn and (user is None or password is None):
        if secrets is None:
            raise SpecError(f"{path}.secretArn: set, but no Secrets Manager client (give --*-user/--*-password)")
        value = secrets.get_secret_value(SecretId=endpoint.secret_arn)["SecretString"]
        try:
            secret = json.loads(value)
        except ValueError:
            raise SpecError(f"{path}.secretArn: the secret is not JSON with username and password") from None
    host = endpoint.host or secret.get("host")
    if not host:
        raise SpecError(f"{path}.host: missing (not in the spec nor in the secret)")
    name = user or secret.get("username")
    if not name:
        raise SpecError(f"{path}: no user (give one, or a secretArn whose secret holds username)")
    return Credentials(user=str(name), password=password if password is not None else secret.get("password"),
                       host=str(host), port=int(endpoint.port or secret.get("port") or default_port),
                       database=endpoint.database or secret.get("dbname"))


def _tls(endpoint: Endpoint) -> ssl.SSLContext | None:
    if not endpoint.tls:
        return None
    return ssl.create_default_context(cafile=endpoint.ca_bundle)  # verifies the certificate and host name


def connect_postgres(c: Credentials, endpoint: Endpoint) -> Any:
    import pg8000.native

    conn = pg8000.native.Connection(c.user, host=c.host, port=c.port, database=c.database, password=c.password,
                                    ssl_context=_tls(endpoint), timeout=CONNECT_TIMEOUT_S * 30,
                                    application_name="cutover-verifier")
    postgres.prepare(conn)
    return conn


def connect_mysql(c: Credentials, endpoint: Endpoint) -> Any:
    import pymysql

    context = _tls(endpoint)
    return pymysql.connect(host=c.host, port=c.port, user=c.user, password=c.password or "",
                           database=c.database, ssl=context, connect_timeout=CONNECT_TIMEOUT_S,
                           read_timeout=300, charset="utf8mb4", autocommit=True)


# ── modes ────────────────────────────────────────────────────────────────────────────────────────

def preflight(spec: DatasetSpec, source: Any) -> PreflightReport:
    """``source``: a pg8000 connection (postgres->postgres) or a PyMySQL one (mysql->dynamodb, mysql->mysql)."""
    if spec.pair == "postgres->postgres":
        findings = postgres.preflight(source, spec.schemas, spec.lob_max_kb)
    elif spec.pair == "mysql->mysql":
        with source.cursor() as cur:
            findings = mysql.preflight(cur, spec.schemas, spec.lob_max_kb)
    else:
        with source.cursor() as cur:
            findings = mysql_dynamo.preflight(cur, spec.tables, spec.lob_max_kb)
    return PreflightReport(spec.dataset, spec.pair, now(), tuple(findings))


def verify(spec: DatasetSpec, source: Any, target: Any, since: datetime | None = None,
           sleep: Callable[[float], None] = time.sleep) -> Receipt:
    """Compare ``source`` with ``target`` (a pg8000 connection, a PyMySQL one for mysql->mysql, or a boto3
    DynamoDB client).

    Differences are re-checked once after ``spec.recheck_seconds`` so that changes still in flight
    through replication are not reported; only persistent ones are.
    """
    started = now()
    results = []
    if spec.pair == "postgres->postgres":
        position = postgres.source_position(source)
        waited = [False]

        def recheck() -> None:
            if not waited[0] and spec.recheck_seconds:
                sleep(spec.recheck_seconds)
            waited[0] = True

        for t in postgres.tables(source, spec.schemas):
            results.append(postgres.compare_table(source, target, t, spec.chunk_rows, recheck))
        sequences = postgres.compare_sequences(source, target, spec.schemas)
        if sequences is not None:
            results.append(sequences)
    elif spec.pair == "mysql->mysql":
        waited_once = [False]

        def recheck_once() -> None:
            if not waited_once[0] and spec.recheck_seconds:
                sleep(spec.recheck_seconds)
            waited_once[0] = True

        with source.cursor() as src, target.cursor() as tgt:
            position = mysql_dynamo.source_position(src)
            # One source database copied into the target endpoint's database (DMS may rename the schema);
            # several keep their names.
            rename = spec.target.database if len(spec.schemas) == 1 else None
            for mt in mysql.tables(src, spec.schemas):
                results.append(mysql.compare_table(src, tgt, mt, spec.chunk_rows, recheck_once, rename))
    else:
        with source.cursor() as cur:
            position = mysql_dynamo.source_position(cur)
            for m in spec.tables:
                result = mysql_dynamo.compare_table(cur, target, m, spec.sample_size, since, spec.gsi_probes)
                if result.mismatches and spec.recheck_seconds:
                    sleep(spec.recheck_seconds)
                    result = mysql_dynamo.compare_table(cur, target, m, spec.sample_size, since, spec.gsi_probes)
                results.append(result)
    return Receipt(dataset=spec.dataset, pair=spec.pair, at=now(), started_at=started, source_position=position,
                   recheck_seconds=spec.recheck_seconds, tables=tuple(results))


# ── receipts in SSM ──────────────────────────────────────────────────────────────────────────────

def write_receipt(ssm: Any, parameter: str, receipt: Receipt) -> str:
    """Store the receipt; Intelligent-Tiering picks Standard (4 KB) or Advanced (8 KB) by size."""
    value = encode_receipt(receipt)
    ssm.put_parameter(Name=parameter, Value=value, Type="String", Overwrite=True, Tier="Intelligent-Tiering",
                      Description=f"cutover verification receipt: {receipt.dataset}"[:1024])
    return value


def read_receipt(ssm: Any, parameter: str) -> Receipt | None:
    try:
        value = ssm.get_parameter(Name=parameter)["Parameter"]["Value"]
    except ssm.exceptions.ParameterNotFound:
        return None
    return parse_receipt(value)


def high_water_mark(ssm: Any, parameter: str | None) -> datetime | None:
    """Where the last receipt's verification started: every row changed since then gets compared."""
    if ssm is None or parameter is None:
        return None
    try:
        previous = read_receipt(ssm, parameter)
    except ReceiptError:
        return None  # an unreadable receipt gives no mark: only the sample is compared, and it is replaced
    return parse_time(previous.started_at) if previous else None
