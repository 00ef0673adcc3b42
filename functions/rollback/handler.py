"""Automatic rollback: a CloudWatch composite alarm (via SNS) sends 100% of traffic back to blue.

Python 3.12, stdlib + boto3, handler ``handler.handler`` with ``functions/rollback`` as the code
root (``record.py`` ships beside this file). Subscribed to the rollback SNS topic; for a
notification whose ``NewStateValue`` is ``ALARM`` it:

1. measures the current green share of the front door (``previousGreenShare``);
2. sets blue to 100% and green to 0%, keeping both sides registered (instant roll-forward later);
3. writes a :class:`RollbackRecord` to the SSM parameter ``RECORD_PARAMETER``.

For the ``alias`` kind, blue is each service's pinned stable version, which the platform keeps as
the ``live`` alias's primary version; green is the newest published version, the alias's
additional version. Step 2 clears ``AdditionalVersionWeights`` so the primary gets everything. The
stable version is never newer than the newest published one, so should an alias still have the
newer version as its primary (a layout from before the stable version was made the primary), the
Lambda also points the alias at its oldest version instead of clearing towards green.

Any other state, or a message that is not an alarm notification, is logged and ignored. Running
twice is harmless: the weights are set, not toggled, and the record is written again. A redelivery
of the same notification (same alarm and ``StateChangeTime``) keeps the record's id, so an operator
acknowledges one id per rollback; a new ALARM transition is a new rollback with a new id.

Configuration is environment variables only, validated at the start of every invocation:

* common: ``FRONT_DOOR_KIND`` (``alb`` | ``route53`` | ``alias``), ``RECORD_PARAMETER``, ``AWS_REGION``;
* ``alb``: ``LISTENER_ARN``, ``BLUE_TARGET_GROUP_ARN``, ``GREEN_TARGET_GROUP_ARN``;
* ``route53``: ``HOSTED_ZONE_ID``, ``RECORD_NAME``, ``RECORD_TYPE`` (A | AAAA | CNAME),
  ``BLUE_SET_IDENTIFIER``, ``GREEN_SET_IDENTIFIER``;
* ``alias``: ``FUNCTION_NAMES`` (comma-separated), ``ALIAS_NAME``.

Every action is one JSON log line on stdout.
"""

from __future__ import annotations

import copy
import json
import os
import re
import sys
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.exceptions import ClientError

try:  # imported as functions.rollback.handler (tests, tooling)
    from .record import (
        FRONT_DOOR_KINDS,
        MAX_REASON_CHARS,
        RollbackRecord,
        format_timestamp,
        parse_record,
    )
except ImportError:  # in Lambda the code root is functions/rollback, so this module is top-level `handler`
    from record import (  # type: ignore[no-redef]
        FRONT_DOOR_KINDS,
        MAX_REASON_CHARS,
        RollbackRecord,
        format_timestamp,
        parse_record,
    )

RECORD_TYPES = ("A", "AAAA", "CNAME")
BLUE_WEIGHT = 100
GREEN_WEIGHT = 0


class ConfigError(ValueError):
    """A missing or invalid environment variable; the message names it."""


class MalformedEventError(ValueError):
    """The event is not an SNS-delivered CloudWatch alarm notification."""


# ── configuration ──────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class AlbConfig:
    listener_arn: str
    blue_target_group_arn: str
    green_target_group_arn: str


@dataclass(frozen=True)
class Route53Config:
    hosted_zone_id: str
    record_name: str
    record_type: str
    blue_set_identifier: str
    green_set_identifier: str


@dataclass(frozen=True)
class AliasConfig:
    function_names: tuple[str, ...]
    alias_name: str


@dataclass(frozen=True)
class Config:
    kind: str
    region: str
    record_parameter: str
    front_door: AlbConfig | Route53Config | AliasConfig


def _require(env: Mapping[str, str], name: str, why: str) -> str:
    value = (env.get(name) or "").strip()
    if not value:
        raise ConfigError(f"rollback: environment variable {name} is not set ({why})")
    return value


def load_config(env: Mapping[str, str]) -> Config:
    """Validate the environment; raise ConfigError naming the first missing or invalid variable."""
    kind = _require(env, "FRONT_DOOR_KIND", f"one of {', '.join(FRONT_DOOR_KINDS)}")
    if kind not in FRONT_DOOR_KINDS:
        raise ConfigError(f"rollback: environment variable FRONT_DOOR_KIND is {kind!r}, "
                          f"expected one of {', '.join(FRONT_DOOR_KINDS)}")
    record_parameter = _require(env, "RECORD_PARAMETER", "the SSM parameter the rollback record is written to")
    region = _require(env, "AWS_REGION", "set by the Lambda runtime")
    why = f"needed when FRONT_DOOR_KIND={kind}"
    front_door: AlbConfig | Route53Config | AliasConfig
    if kind == "alb":
        front_door = AlbConfig(
            listener_arn=_require(env, "LISTENER_ARN", why),
            blue_target_group_arn=_require(env, "BLUE_TARGET_GROUP_ARN", why),
            green_target_group_arn=_require(env, "GREEN_TARGET_GROUP_ARN", why),
        )
        if front_door.blue_target_group_arn == front_door.green_target_group_arn:
            raise ConfigError("rollback: BLUE_TARGET_GROUP_ARN and GREEN_TARGET_GROUP_ARN are the same")
    elif kind == "route53":
        zone = _require(env, "HOSTED_ZONE_ID", why).removeprefix("/hostedzone/")
        name = _require(env, "RECORD_NAME", why)
        record_type = _require(env, "RECORD_TYPE", why).upper()
        if record_type not in RECORD_TYPES:
            raise ConfigError(f"rollback: environment variable RECORD_TYPE is {record_type!r}, "
                              f"expected one of {', '.join(RECORD_TYPES)}")
        front_door = Route53Config(
            hosted_zone_id=zone,
            record_name=name,
            record_type=record_type,
            blue_set_identifier=_require(env, "BLUE_SET_IDENTIFIER", why),
            green_set_identifier=_require(env, "GREEN_SET_IDENTIFIER", why),
        )
        if front_door.blue_set_identifier == front_door.green_set_identifier:
            raise ConfigError("rollback: BLUE_SET_IDENTIFIER and GREEN_SET_IDENTIFIER are the same")
    else:
        names = tuple(n.strip() for n in _require(env, "FUNCTION_NAMES", why).split(",") if n.strip())
        if not names:
            raise ConfigError("rollback: environment variable FUNCTION_NAMES lists no function")
        front_door = AliasConfig(function_names=names, alias_name=_require(env, "ALIAS_NAME", why))
    return Config(kind=kind, region=region, record_parameter=record_parameter, front_door=front_door)


# ── the alarm notification ─────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class AlarmNotification:
    name: str
    state: str
    reason: str
    changed_at: str | None  # StateChangeTime as ISO-8601 UTC, when the notification carries it


def _notification_time(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    try:  # CloudWatch writes e.g. 2026-11-23T02:00:00.123+0000
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return format_timestamp(moment) if moment.tzinfo is not None else None


def parse_alarm(event: object) -> AlarmNotification:
    """The alarm notification in an SNS event; MalformedEventError when there is none."""
    if not isinstance(event, Mapping):
        raise MalformedEventError("event is not an object")
    records = event.get("Records")
    if not isinstance(records, list) or not records:
        raise MalformedEventError("event has no SNS Records")
    alarms = []
    for rec in records:
        sns = rec.get("Sns") if isinstance(rec, Mapping) else None
        message = sns.get("Message") if isinstance(sns, Mapping) else None
        if not isinstance(message, str):
            raise MalformedEventError("SNS record has no Message")
        try:
            body = json.loads(message)
        except json.JSONDecodeError:
            raise MalformedEventError("SNS Message is not JSON") from None
        if not isinstance(body, Mapping):
            raise MalformedEventError("SNS Message is not a JSON object")
        name, state = body.get("AlarmName"), body.get("NewStateValue")
        if not isinstance(name, str) or not name or not isinstance(state, str) or not state:
            raise MalformedEventError("SNS Message is not a CloudWatch alarm notification "
                                      "(no AlarmName/NewStateValue)")
        reason = body.get("NewStateReason")
        alarms.append(AlarmNotification(name=name, state=state,
                                        reason=(reason if isinstance(reason, str) else "")[:MAX_REASON_CHARS],
                                        changed_at=_notification_time(body.get("StateChangeTime"))))
    # SNS delivers one record per invocation; should there be more, any ALARM wins.
    return next((a for a in alarms if a.state == "ALARM"), alarms[-1])


# ── green share (pure) ─────────────────────────────────────────────────────────────────────────


def share_percent(green: float, total: float) -> int:
    """Green's integer percent of ``total``: 0/0 is 0, and it is 0 or 100 only when exactly so.

    Rounds half up, but a green side with any traffic reports at least 1 and a blue side with any
    traffic keeps green at most 99, so ``previousGreenShare > 0`` means green was serving.
    """
    if total <= 0 or green <= 0:
        return 0
    if green >= total:
        return 100
    return min(99, max(1, int(100 * green / total + 0.5)))


def _weight(value: object, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _forward_target_groups(action: Mapping[str, Any]) -> list[tuple[str, int]]:
    """(target group ARN, weight) of a forward action; a plain TargetGroupArn forward gets it all."""
    groups = (action.get("ForwardConfig") or {}).get("TargetGroups") or []
    if groups:
        return [(str(g.get("TargetGroupArn")), _weight(g.get("Weight"), 1)) for g in groups]
    arn = action.get("TargetGroupArn")
    return [(str(arn), 1)] if arn else []


def green_share_alb(default_actions: Sequence[Mapping[str, Any]], green_target_group_arn: str) -> int:
    """Green percent of a listener, from ``describe_listeners()['Listeners'][0]['DefaultActions']``."""
    for action in default_actions:
        if action.get("Type") == "forward":
            groups = _forward_target_groups(action)
            green = sum(w for arn, w in groups if arn == green_target_group_arn)
            return share_percent(green, sum(w for _, w in groups))
    return 0


def green_share_route53(record_sets: Iterable[Mapping[str, Any]], blue_set_identifier: str,
                        green_set_identifier: str) -> int:
    """Green percent of two weighted record sets (weights 0..255 are relative: green/(blue+green))."""
    weights = {r.get("SetIdentifier"): _weight(r.get("Weight"), 0) for r in record_sets}
    blue, green = weights.get(blue_set_identifier, 0), weights.get(green_set_identifier, 0)
    return share_percent(green, blue + green)


def green_share_alias(alias: Mapping[str, Any]) -> int:
    """Green percent of a Lambda alias, from ``get_alias()``: the additional versions' fractions."""
    weights = ((alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}).values()
    return share_percent(sum(float(w) for w in weights), 1.0)


def alias_stable_version(alias: Mapping[str, Any]) -> str | None:
    """The version an alias rollback keeps when it is *not* the primary, else None.

    The stable (blue) version is the oldest of the alias's versions: the newest published one is
    green. Normally the primary; None too for unpublished (``$LATEST``) or unexpected versions.
    """
    primary = str(alias.get("FunctionVersion") or "")
    weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
    versions = [primary, *map(str, weights)]
    if not all(v.isdigit() for v in versions):
        return None
    oldest = min(versions, key=int)
    return None if oldest == primary else oldest


# ── front doors ────────────────────────────────────────────────────────────────────────────────


def _log(action: str, **fields: Any) -> None:
    sys.stdout.write(json.dumps({"component": "cutover-rollback", "action": action, **fields}, default=str) + "\n")
    sys.stdout.flush()


def blue_only_actions(default_actions: Sequence[Mapping[str, Any]], blue_arn: str,
                      green_arn: str) -> list[dict[str, Any]]:
    """The listener's default actions with the forward sending 100 to blue and 0 to green.

    Other actions (e.g. an authenticate step before the forward) and the forward's stickiness
    config are kept as they are.
    """
    result: list[dict[str, Any]] = []
    forwards = 0
    for action in default_actions:
        new = copy.deepcopy(dict(action))
        if new.get("Type") == "forward":
            forwards += 1
            new.pop("TargetGroupArn", None)  # a weighted forward is expressed by ForwardConfig only
            forward = dict(new.get("ForwardConfig") or {})
            forward["TargetGroups"] = [{"TargetGroupArn": blue_arn, "Weight": BLUE_WEIGHT},
                                       {"TargetGroupArn": green_arn, "Weight": GREEN_WEIGHT}]
            new["ForwardConfig"] = forward
        result.append(new)
    if forwards != 1:
        raise RuntimeError(f"listener default actions have {forwards} forward actions, expected exactly 1")
    return result


def rollback_alb(cfg: AlbConfig, region: str) -> int:
    elbv2 = boto3.client("elbv2", region_name=region)
    listeners = elbv2.describe_listeners(ListenerArns=[cfg.listener_arn])["Listeners"]
    if not listeners:
        raise RuntimeError(f"listener {cfg.listener_arn} not found")
    actions = listeners[0]["DefaultActions"]
    previous = green_share_alb(actions, cfg.green_target_group_arn)
    known = {cfg.blue_target_group_arn, cfg.green_target_group_arn}
    dropped = sorted({arn for a in actions if a.get("Type") == "forward"
                      for arn, _ in _forward_target_groups(a)} - known)
    elbv2.modify_listener(ListenerArn=cfg.listener_arn,
                          DefaultActions=blue_only_actions(actions, cfg.blue_target_group_arn,
                                                           cfg.green_target_group_arn))
    _log("alb-weights-set", listener=cfg.listener_arn, blue=BLUE_WEIGHT, green=GREEN_WEIGHT,
         previousGreenShare=previous, droppedTargetGroups=dropped)
    return previous


def _dns_name(name: str) -> str:
    """Route 53 spelling: lowercase, trailing dot, octal escapes (``\\052`` for ``*``) decoded."""
    decoded = re.sub(r"\\(\d{3})", lambda m: chr(int(m.group(1), 8)), name)
    return decoded.lower().rstrip(".") + "."


def weighted_record_sets(route53: Any, cfg: Route53Config) -> list[dict[str, Any]]:
    """All record sets named RECORD_NAME of RECORD_TYPE in the zone, following pagination."""
    name = _dns_name(cfg.record_name)
    kwargs: dict[str, str] = {"HostedZoneId": cfg.hosted_zone_id, "StartRecordName": name,
                              "StartRecordType": cfg.record_type}
    found: list[dict[str, Any]] = []
    while True:
        page = route53.list_resource_record_sets(**kwargs)
        for rrset in page["ResourceRecordSets"]:
            if _dns_name(rrset["Name"]) == name and rrset["Type"] == cfg.record_type:
                found.append(rrset)
            elif found:  # listings are sorted, so the set is contiguous: past it, done
                return found
        if not page.get("IsTruncated"):
            return found
        kwargs = {"HostedZoneId": cfg.hosted_zone_id, "StartRecordName": page["NextRecordName"],
                  "StartRecordType": page["NextRecordType"]}
        if page.get("NextRecordIdentifier"):
            kwargs["StartRecordIdentifier"] = page["NextRecordIdentifier"]


def blue_only_changes(record_sets: Sequence[Mapping[str, Any]], cfg: Route53Config) -> list[dict[str, Any]]:
    """UPSERTs giving blue Weight 100 and green 0; everything else in each record set is kept."""
    by_id = {r.get("SetIdentifier"): r for r in record_sets}
    changes = []
    for set_id, weight in ((cfg.blue_set_identifier, BLUE_WEIGHT), (cfg.green_set_identifier, GREEN_WEIGHT)):
        rrset = by_id.get(set_id)
        if rrset is None:
            raise RuntimeError(f"no {cfg.record_type} record {cfg.record_name} with SetIdentifier {set_id!r} "
                               f"in hosted zone {cfg.hosted_zone_id}")
        if "Weight" not in rrset:
            raise RuntimeError(f"record {cfg.record_name} SetIdentifier {set_id!r} is not a weighted record")
        changes.append({"Action": "UPSERT", "ResourceRecordSet": {**copy.deepcopy(dict(rrset)), "Weight": weight}})
    return changes


def rollback_route53(cfg: Route53Config, region: str, alarm: str) -> int:
    route53 = boto3.client("route53", region_name=region)
    record_sets = weighted_record_sets(route53, cfg)
    changes = blue_only_changes(record_sets, cfg)
    previous = green_share_route53(record_sets, cfg.blue_set_identifier, cfg.green_set_identifier)
    change = route53.change_resource_record_sets(
        HostedZoneId=cfg.hosted_zone_id,
        ChangeBatch={"Comment": f"cutover automatic rollback ({alarm})"[:256], "Changes": changes})
    _log("route53-weights-set", hostedZone=cfg.hosted_zone_id, record=cfg.record_name, type=cfg.record_type,
         blue=BLUE_WEIGHT, green=GREEN_WEIGHT, previousGreenShare=previous,
         changeId=change.get("ChangeInfo", {}).get("Id"))
    return previous


def rollback_alias(cfg: AliasConfig, region: str) -> int:
    lambda_ = boto3.client("lambda", region_name=region)
    previous = 0
    for function in cfg.function_names:
        alias = lambda_.get_alias(FunctionName=function, Name=cfg.alias_name)
        weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
        stable = alias_stable_version(alias)
        # Everything not on the version that stays is green's: the additional weights, or (newer
        # version as the primary) all but the stable version's weight.
        share = green_share_alias(alias) if stable is None else share_percent(1.0 - float(weights[stable]), 1.0)
        previous = max(previous, share)
        lambda_.update_alias(FunctionName=function, Name=cfg.alias_name,
                             RoutingConfig={"AdditionalVersionWeights": {}},
                             **({"FunctionVersion": stable} if stable is not None else {}))
        _log("alias-routing-cleared", function=function, alias=cfg.alias_name,
             version=stable or alias.get("FunctionVersion"), previousGreenShare=share, removedWeights=weights,
             **({"previousPrimary": alias.get("FunctionVersion")} if stable is not None else {}))
    return previous


# ── the record ─────────────────────────────────────────────────────────────────────────────────


def _stored_record(ssm: Any, parameter: str) -> RollbackRecord | None:
    try:
        value = ssm.get_parameter(Name=parameter)["Parameter"]["Value"]
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") == "ParameterNotFound":
            return None
        raise
    try:
        return parse_record(value)
    except ValueError as err:  # a damaged record must not stop a rollback: it is overwritten
        _log("record-unreadable", parameter=parameter, error=str(err))
        return None


def build_record(alarm: AlarmNotification, kind: str, previous_green_share: int,
                 stored: RollbackRecord | None, now: datetime) -> RollbackRecord:
    """The record for this rollback; a redelivery of the stored record's notification keeps its id."""
    at = alarm.changed_at or format_timestamp(now)
    if stored is not None and alarm.changed_at is not None and stored.alarm == alarm.name and stored.at == at:
        return RollbackRecord(id=stored.id, at=stored.at, alarm=stored.alarm, reason=stored.reason,
                              front_door=kind,
                              previous_green_share=max(stored.previous_green_share, previous_green_share))
    return RollbackRecord(id=uuid.uuid4().hex, at=at, alarm=alarm.name, reason=alarm.reason, front_door=kind,
                          previous_green_share=previous_green_share)


# ── entry point ────────────────────────────────────────────────────────────────────────────────


def handler(event: Mapping[str, Any], context: object = None) -> dict[str, Any]:
    config = load_config(os.environ)
    try:
        alarm = parse_alarm(event)
    except MalformedEventError as err:
        _log("ignored", reason=f"malformed event: {err}")
        return {"action": "ignored", "reason": f"malformed event: {err}"}
    if alarm.state != "ALARM":
        _log("ignored", reason=f"state {alarm.state}", alarm=alarm.name)
        return {"action": "ignored", "reason": f"state {alarm.state}", "alarm": alarm.name}

    _log("rollback-started", alarm=alarm.name, reason=alarm.reason, frontDoor=config.kind)
    fd = config.front_door
    if isinstance(fd, AlbConfig):
        previous = rollback_alb(fd, config.region)
    elif isinstance(fd, Route53Config):
        previous = rollback_route53(fd, config.region, alarm.name)
    else:
        previous = rollback_alias(fd, config.region)

    ssm = boto3.client("ssm", region_name=config.region)
    record = build_record(alarm, config.kind, previous, _stored_record(ssm, config.record_parameter),
                          datetime.now(UTC))
    ssm.put_parameter(Name=config.record_parameter, Type="String", Overwrite=True, Value=record.to_json())
    _log("rollback-recorded", parameter=config.record_parameter, **record.to_dict())
    return {"action": "rolled-back", "record": record.to_dict()}
