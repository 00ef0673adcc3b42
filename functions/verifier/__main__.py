"""Run the verifier from an operator's machine (through a VPN or bastion tunnel to the databases).

    python -m functions.verifier preflight --spec bookings.json
    python -m functions.verifier verify --spec datasets.json --dataset bookings --no-write
    python -m functions.verifier parse-receipt --parameter /yoga/prod/data/bookings/receipt

The spec file holds one dataset spec or a list of them (format in ``spec.py``). Credentials: from
the environment (``VERIFIER_SOURCE_USER``/``VERIFIER_SOURCE_PASSWORD``, ``VERIFIER_TARGET_USER``/
``VERIFIER_TARGET_PASSWORD``), else from each endpoint's ``secretArn`` through the usual AWS
credential chain. ``--host-override source=127.0.0.1:15432`` points at a local tunnel.

Exit status: 0 clean, 1 findings or mismatches, 2 bad input (the message names the key), 3 the
verifier could not run (connection refused, AWS error).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from . import core
from .receipt import ReceiptError, encode_receipt, parse_receipt, parse_time
from .spec import DatasetSpec, SpecError, parse_spec, parse_specs


def _load(path: str) -> dict[str, DatasetSpec]:
    try:
        raw = json.loads(Path(path).read_text())
    except OSError as exc:
        raise SpecError(f"--spec: cannot read {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise SpecError(f"--spec: {path} is not JSON ({exc})") from None
    if isinstance(raw, dict):
        spec = parse_spec(raw)
        return {spec.dataset: spec}
    return parse_specs(raw)


def _override(spec: DatasetSpec, items: list[str]) -> DatasetSpec:
    for item in items:
        side, _, hostport = item.partition("=")
        if side not in ("source", "target") or not hostport:
            raise SpecError(f"--host-override: expected source=HOST[:PORT] or target=HOST[:PORT], got {item!r}")
        host, _, port = hostport.partition(":")
        endpoint = getattr(spec, side)
        endpoint = replace(endpoint, host=host, port=int(port) if port.isdigit() else endpoint.port)
        spec = replace(spec, **{side: endpoint})
    return spec


def _connect(spec: DatasetSpec, side: str, secrets: Any) -> Any:
    endpoint = getattr(spec, side)
    if side == "target" and spec.pair == "mysql->dynamodb":
        import boto3

        return boto3.client("dynamodb", region_name=endpoint.region)
    mysql = spec.pair == "mysql->mysql" or (side == "source" and spec.pair == "mysql->dynamodb")
    prefix = f"VERIFIER_{side.upper()}_"
    creds = core.resolve(endpoint, side, secrets, user=os.environ.get(prefix + "USER"),
                         password=os.environ.get(prefix + "PASSWORD"), default_port=3306 if mysql else 5432)
    return core.connect_mysql(creds, endpoint) if mysql else core.connect_postgres(creds, endpoint)


def _clients(need_secrets: bool) -> tuple[Any, Any]:
    import boto3

    return (boto3.client("secretsmanager") if need_secrets else None), boto3.client("ssm")


def _ssm() -> Any:
    return _clients(False)[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m functions.verifier", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    for mode in ("preflight", "verify"):
        p = sub.add_parser(mode)
        p.add_argument("--spec", required=True, help="JSON file: one dataset spec or a list")
        p.add_argument("--dataset", help="only this dataset (default: every one in the file)")
        p.add_argument("--host-override", action="append", default=[], metavar="SIDE=HOST[:PORT]")
        if mode == "verify":
            p.add_argument("--since", help="high-water mark YYYY-MM-DDTHH:MM:SSZ (DynamoDB targets)")
            p.add_argument("--recheck-seconds", type=int, help="override the spec's recheckSeconds")
            p.add_argument("--no-write", action="store_true", help="print the receipt, do not write it to SSM")
    parse = sub.add_parser("parse-receipt", help="read and validate a receipt from SSM or a file")
    parse.add_argument("--parameter")
    parse.add_argument("--file")
    args = parser.parse_args(argv)
    try:
        return _run(args)
    except (SpecError, ReceiptError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # a connection or AWS failure: say what, without a traceback
        print(f"error: the verifier could not run: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 3


def _run(args: argparse.Namespace) -> int:
    if args.mode == "parse-receipt":
        if bool(args.parameter) == bool(args.file):
            raise SpecError("parse-receipt: give exactly one of --parameter or --file")
        text = Path(args.file).read_text() if args.file else _ssm().get_parameter(
            Name=args.parameter)["Parameter"]["Value"]
        receipt = parse_receipt(text)
        print(json.dumps(receipt.to_json(), indent=2))
        return 0 if receipt.clean else 1
    specs = _load(args.spec)
    if args.dataset is not None and args.dataset not in specs:
        raise SpecError(f"--dataset: unknown dataset {args.dataset!r} (allowed: {' | '.join(specs)})")
    since = None
    if getattr(args, "since", None):
        try:
            since = parse_time(args.since)
        except ValueError:
            raise SpecError(f"--since: expected YYYY-MM-DDTHH:MM:SSZ, got {args.since!r}") from None
    status = 0
    for name, spec in specs.items():
        if args.dataset is not None and name != args.dataset:
            continue
        spec = _override(spec, args.host_override)
        if getattr(args, "recheck_seconds", None) is not None:
            spec = replace(spec, recheck_seconds=max(0, args.recheck_seconds))
        need_secrets = bool(spec.source.secret_arn or spec.target.secret_arn)
        writes = args.mode == "verify" and not args.no_write and bool(spec.receipt_parameter)
        secrets, ssm = _clients(need_secrets) if (need_secrets or writes) else (None, None)
        source = _connect(spec, "source", secrets)
        try:
            if args.mode == "preflight":
                report = core.preflight(spec, source)
                print(json.dumps(report.to_json(), indent=2))
                status = max(status, 0 if report.clean else 1)
                continue
            target = _connect(spec, "target", secrets)
            mark = since or (core.high_water_mark(ssm, spec.receipt_parameter)
                             if spec.pair == "mysql->dynamodb" and writes else None)
            receipt = core.verify(spec, source, target, since=mark)
            if spec.pair in ("postgres->postgres", "mysql->mysql"):
                target.close()
            if not writes or spec.receipt_parameter is None:
                print(encode_receipt(receipt))
            else:
                core.write_receipt(ssm, spec.receipt_parameter, receipt)
                print(f"{name}: receipt written to {spec.receipt_parameter} "
                      f"(clean={receipt.clean}, mismatches={receipt.mismatches})")
            status = max(status, 0 if receipt.clean else 1)
        finally:
            source.close()
    return status


if __name__ == "__main__":
    sys.exit(main())
