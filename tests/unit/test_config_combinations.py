"""Every front-door kind x blue variant x green variant x green endpoint x environment either plans or is
refused while parsing (exit 2 in the offline plan), with a message naming the key: never a traceback and
never a failure inside the program (issue 11, "What must exist" 4).

One synthetic profile carries every section a green endpoint can need (httpApi, edge and frontend for a
serverless green; container, alb and cdn for an ecs green), so only the traffic section varies.
"""

from __future__ import annotations

import copy
import itertools
from functools import cache
from typing import Any

import pytest
import yaml

from cutover.config import parse_stack_config
from cutover.config.profiles import PROFILES_DIR
from cutover.errors import ConfigError
from cutover.plan.engine import ProgramError, run_program
from cutover.plan.project import load_stack

KINDS = ("alb", "route53", "alias", "none")
BLUES = ("external", "ecs", "serverless", "none")
GREENS = ("serverless", "ecs")
ENDPOINTS = ("httpApi", "frontend", "edge", "alb", "cdn", "lambda")
ENVS = ("dev", "prod")
CERT = "arn:aws:acm:us-east-1:444455556666:certificate/0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"


@cache
def _base() -> dict[str, Any]:
    ecs = yaml.safe_load((PROFILES_DIR / "tracetrack-ecs.yaml").read_text())
    pos = yaml.safe_load((PROFILES_DIR / "pos-serverless.yaml").read_text())
    doc = {k: v for k, v in ecs.items() if k not in ("traffic", "environments", "promotion")}
    for key in ("services", "serviceDefaults", "httpApi", "websocket", "tables"):
        doc[key] = pos[key]
    doc["services"] = {"api": {"routes": ["GET /items"]}}
    doc.pop("websocket")
    doc.pop("tables")
    doc["edge"] = {"enabled": True, "domainName": "app.shop.example.net", "certificateArn": CERT}
    doc["frontend"] = {"aliases": ["app.shop.example.net"], "certificateArn": CERT}
    doc["cdn"] = {**doc["cdn"], "aliases": ["app.shop.example.net"]}
    doc["alb"] = {**doc["alb"], "certificateArn": CERT}
    doc["waf"] = {"enabled": False}
    doc["budget"] = {"monthlyUsd": 100000}
    return doc


def _traffic(kind: str, blue: str, green: str, endpoint: str) -> dict[str, Any]:
    front: dict[str, Any] = {"kind": kind}
    if kind == "route53":
        front.update(zoneId="Z3AAAAAAAAAAAA", recordName="app.shop.example.net")
    if kind == "alb":
        front.update(certificateArn=CERT)
    b: dict[str, Any] = {"variant": blue}
    if blue == "external":
        b.update({"targets": ["172.31.0.10"], "peering": {"peerVpcId": "vpc-0a1b2c3d4e5f60718",
                                                           "peerCidr": "172.31.0.0/16",
                                                           "peerRouteTableIds": ["rtb-0a1b2c3d4e5f60718"]}}
                 if kind == "alb" else {"dnsName": "legacy.shop.example.net"})
    elif blue == "ecs":
        b.update(container={"image": {"tag": "1.0.0"}, "port": 3000},
                 alb={"certificateArn": CERT, "domainName": "blue-origin.shop.example.net"})
    elif blue == "serverless":  # a team's v1 functions behind their HTTP API, weighed at its custom domain
        b.update(services={"v1": {"routes": ["GET /items"]}},
                 httpApi={"domainName": "app.shop.example.net", "certificateArn": CERT},
                 **({"service": "v1"} if kind == "alb" else {}))
    g: dict[str, Any] = {"variant": green, "endpoint": endpoint}
    if kind == "alb" and green == "serverless":
        g["service"] = "api"
    return {"frontDoor": front, "blue": b, "green": g,
            "rollback": {"errorRatePercent": 5, "lambdaErrorPercent": 5, "api5xxPercent": 5}}


COMBINATIONS = list(itertools.product(KINDS, BLUES, GREENS, ENDPOINTS, ENVS))


@pytest.mark.parametrize(("kind", "blue", "green", "endpoint", "env"), COMBINATIONS,
                         ids=["-".join(c) for c in COMBINATIONS])
def test_each_combination_plans_or_is_refused_while_parsing(
        kind: str, blue: str, green: str, endpoint: str, env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = copy.deepcopy(_base())
    doc["traffic"] = _traffic(kind, blue, green, endpoint)
    monkeypatch.setattr("cutover.config.stack.read_profile", lambda name, directory=None: copy.deepcopy(doc))
    try:
        parse_stack_config({"profile": "tracetrack-ecs", "environment": env}, project="cutover", stack=env)
    except ConfigError as err:
        # Refused while parsing: the message names a key path of the traffic section or a section it needs.
        assert str(err).startswith(err.key) and "Traceback" not in str(err)
        assert any(part in err.key for part in ("traffic", "cdn", "alb", "frontend", "edge", "httpApi",
                                                "container", "network")), str(err)
        return
    # Parsed: then the program must build it (a ProgramError would be a refusal the parser missed).
    settings = load_stack(env, sets=["profile=tracetrack-ecs"])
    try:
        plan = run_program(settings)
    except ProgramError as exc:  # pragma: no cover - the assertion message is the point
        pytest.fail(f"parsed, then the program refused: {exc}")
    assert plan.resources
