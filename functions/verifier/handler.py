"""Data verifier Lambda: preflight a migration source, or verify a copy and write its receipt to SSM.

Python 3.12, handler ``handler.handler`` with ``functions/verifier`` as the code root; pg8000 and
PyMySQL (pure Python) ship in the package or a layer, boto3 comes with the runtime. Runs in the
VPC's private subnets, next to the databases.

Configuration (environment): ``DATASETS``, a JSON list of dataset specs (see ``spec.py``), and
``AWS_REGION``. Credentials come only from Secrets Manager (each endpoint's ``secretArn``).

Event: ``{"mode": "preflight" | "verify", "dataset": "<name>" (default: every dataset),
"since": "YYYY-MM-DDTHH:MM:SSZ" (verify, DynamoDB targets: the high-water mark; default: where the
previous receipt's verification started)}``. Verify writes each dataset's receipt (format in
``receipt.py``) to its ``receiptParameter``. Returns ``{"<dataset>": {"clean": bool, ...}}`` and logs
one JSON line per dataset. Bad configuration or event raises ``ValueError`` with the key path.
"""

from __future__ import annotations

import json
import os
from typing import Any

import boto3

try:
    from . import core
    from .receipt import parse_time
    from .spec import DatasetSpec, SpecError, parse_specs
except ImportError:  # Lambda: the code root is functions/verifier
    import core  # type: ignore[no-redef]
    from receipt import parse_time  # type: ignore[no-redef]
    from spec import DatasetSpec, SpecError, parse_specs  # type: ignore[no-redef]

MODES = ("preflight", "verify")


def _log(**fields: Any) -> None:
    print(json.dumps(fields, default=str, sort_keys=True))


def _connect(spec: DatasetSpec, side: str, secrets: Any) -> Any:
    endpoint = spec.source if side == "source" else spec.target
    path = f"datasets[{spec.dataset}].{side}"
    if side == "target" and spec.pair == "mysql->dynamodb":
        return boto3.client("dynamodb", region_name=endpoint.region or os.environ.get("AWS_REGION"))
    # MySQL's driver for a MySQL-compatible side: mysql->dynamodb's source, both sides of mysql->mysql.
    mysql = spec.pair == "mysql->mysql" or (side == "source" and spec.pair == "mysql->dynamodb")
    creds = core.resolve(endpoint, path, secrets, default_port=3306 if mysql else 5432)
    return core.connect_mysql(creds, endpoint) if mysql else core.connect_postgres(creds, endpoint)


def run(event: dict[str, Any], specs: dict[str, DatasetSpec]) -> dict[str, Any]:
    mode = event.get("mode")
    if mode not in MODES:
        raise SpecError(f"event.mode: unknown value {mode!r} (allowed: {' | '.join(MODES)})")
    wanted = event.get("dataset")
    if wanted is not None and wanted not in specs:
        raise SpecError(f"event.dataset: unknown dataset {wanted!r} (allowed: {' | '.join(specs)})")
    since = None
    if event.get("since") is not None:
        try:
            since = parse_time(str(event["since"]))
        except ValueError:
            raise SpecError(f"event.since: expected YYYY-MM-DDTHH:MM:SSZ, got {event['since']!r}") from None
    secrets, ssm = boto3.client("secretsmanager"), boto3.client("ssm")
    out: dict[str, Any] = {}
    for name, spec in specs.items():
        if wanted is not None and name != wanted:
            continue
        source = _connect(spec, "source", secrets)
        try:
            if mode == "preflight":
                report = core.preflight(spec, source)
                out[name] = report.to_json()
                _log(action="preflight", **report.to_json())
                continue
            target = _connect(spec, "target", secrets)
            try:
                mark = since or (core.high_water_mark(ssm, spec.receipt_parameter)
                                 if spec.pair == "mysql->dynamodb" else None)
                receipt = core.verify(spec, source, target, since=mark)
            finally:
                if spec.pair in ("postgres->postgres", "mysql->mysql"):
                    target.close()
            if spec.receipt_parameter:
                core.write_receipt(ssm, spec.receipt_parameter, receipt)
            out[name] = {"clean": receipt.clean, "mismatches": receipt.mismatches,
                         "parameter": spec.receipt_parameter, "at": receipt.at}
            _log(action="verify", **receipt.to_json())
        finally:
            source.close()
    return out


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    raw = os.environ.get("DATASETS")
    if not raw:
        raise SpecError("DATASETS: missing (a JSON list of dataset specs)")
    try:
        data = json.loads(raw)
    except ValueError:
        raise SpecError("DATASETS: not JSON") from None
    return run(event if isinstance(event, dict) else {}, parse_specs(data))
