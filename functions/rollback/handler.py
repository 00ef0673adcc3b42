"""Automatic rollback: a CloudWatch composite alarm (via SNS) sends 100% of traffic back to blue.

Python 3.12, stdlib + boto3, handler ``handler.handler`` with ``functions/rollback`` as the code
root (``record.py`` ships beside this file). Subscribed to the rollback SNS topic; for a
notification with at least one valid record whose ``NewStateValue`` is ``ALARM`` it:

1. derives the rollback id from the notification (alarm name + ``StateChangeTime``, else the SNS
   ``MessageId``), so every redelivery of one notification carries one id;
2. reads the stored record, best effort (only to keep ``previousGreenShare`` across redeliveries:
   any error reading it is logged and ignored);
3. writes a ``started`` record *before* touching traffic, so even a Lambda that dies half-way
   leaves a record the next ``pulumi up`` refuses to undo (a failure here is logged; the rollback
   goes on);
4. sets blue to 100% and green to 0% on every part of the front door, keeping every target
   registered (instant roll-forward later), going on past a part that fails;
5. writes the final record (``complete``, ``partial`` or ``failed``, naming what was and was not
   rolled back), retrying throttling and server errors; only then, if some part failed, raises so
   the failure is visible (Lambda's asynchronous retries run it again; every step is idempotent).

Parts of the front door, per kind:

* ``alb``: the listener's default action (``ModifyListener``) and every listener rule with a
  forward action (``DescribeRules`` on the listener, ``ModifyRule`` each): the front door has one
  weighted rule per green service and one host-header rule per extra weighted name, all between
  blue's target group and a green service's own;
* ``route53``: the two weighted records of every weighted name (one atomic change batch per name,
  so one name failing never keeps another on green; the record says which names moved);
* ``alias``: each service's ``live`` alias. Blue is the pinned stable version, the alias's primary;
  green is the newest published version, its additional version. Clearing
  ``AdditionalVersionWeights`` sends everything to the primary. The stable version is never newer
  than the newest published one, so should an alias still have the newer version as its primary
  (a layout from before the stable version was made the primary), the Lambda also points the
  alias at its oldest version instead of clearing towards green.

Malformed SNS records are logged and skipped; a notification with no ALARM record is ignored.

Configuration is environment variables only, validated at the start of every invocation:

* common: ``FRONT_DOOR_KIND`` (``alb`` | ``route53`` | ``alias``), ``RECORD_PARAMETER``, ``AWS_REGION``;
* ``alb``: ``LISTENER_ARN``, ``BLUE_TARGET_GROUP_ARN``;
* ``route53``: ``HOSTED_ZONE_ID``, ``RECORD_NAME``, ``RECORD_TYPE`` (A | AAAA | CNAME),
  ``BLUE_SET_IDENTIFIER``, ``GREEN_SET_IDENTIFIER`` (the first weighted name), and, when the front
  door weighs more than one name, ``RECORD_SETS``: a JSON list of every weighted name, the first
  being the one above, each ``{"zone", "name", "type", "blueSetId", "greenSetId"}``;
* ``alias``: ``FUNCTION_NAMES`` (comma-separated), ``ALIAS_NAME``.

AWS calls (the role in components/rollback.py allows exactly these): ``ssm:GetParameter`` and
``ssm:PutParameter`` on the record parameter; alb: ``elasticloadbalancing:DescribeListeners``,
``DescribeRules``, ``ModifyListener``, ``ModifyRule``; route53: ``route53:ListResourceRecordSets``,
``ChangeResourceRecordSets``; alias: ``lambda:GetAlias``, ``lambda:UpdateAlias``.

Every action is one JSON log line on stdout.
"""

from __future__ import annotations

import copy
import json
import os
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError

try:  # imported as functions.rollback.handler (tests, tooling)
    from .record import (
        FRONT_DOOR_KINDS,
        OUTCOME_COMPLETE,
        OUTCOME_FAILED,
        OUTCOME_PARTIAL,
        OUTCOME_STARTED,
        RollbackRecord,
        format_timestamp,
        parse_record,
    )
except ImportError:  # in Lambda the code root is functions/rollback, so this module is top-level `handler`
    from record import (  # type: ignore[no-redef]
        FRONT_DOOR_KINDS,
        OUTCOME_COMPLETE,
        OUTCOME_FAILED,
        OUTCOME_PARTIAL,
        OUTCOME_STARTED,
        RollbackRecord,
        format_timestamp,
        parse_record,
    )

RECORD_TYPES = ("A", "AAAA", "CNAME")
BLUE_WEIGHT = 100
GREEN_WEIGHT = 0
# The namespace of rollback ids (uuid5): fixed forever, or acknowledgements stop matching.
ID_NAMESPACE = uuid.UUID("5b0e7c2a-3f4d-5e6a-8b9c-0d1e2f3a4b5c")
# botocore "standard" retry mode retries throttling errors, transient errors and HTTP 5xx with
# exponential backoff (botocore/retries/standard.py); bounded timeouts keep the whole run well
# inside the function's timeout.
CLIENT_CONFIG = BotoConfig(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=5, read_timeout=15)
# Our own bounded retry on the record write, on top of botocore's: SSM answers concurrent writes
# to one parameter with TooManyUpdates, which botocore does not retry.
WRITE_ATTEMPTS = 4
RETRYABLE_CODES = frozenset({"TooManyUpdates", "ThrottlingException", "Throttling", "TooManyRequestsException",
                             "RequestLimitExceeded", "InternalServerError", "InternalFailure",
                             "ServiceUnavailable", "RequestTimeout", "RequestTimeoutException"})
MAX_LOG_TEXT = 2000  # a CloudWatch Logs event is at most 256 KB: never log a megabyte alarm reason
_sleep: Callable[[float], None] = time.sleep  # replaced in tests


class ConfigError(ValueError):
    """A missing or invalid environment variable; the message names it."""


class MalformedEventError(ValueError):
    """The event is not an SNS-delivered CloudWatch alarm notification."""


class RollbackIncompleteError(RuntimeError):
    """Some part of the front door could not be set to blue; raised after the record is written."""


# ── configuration ──────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class AlbConfig:
    listener_arn: str
    blue_target_group_arn: str


@dataclass(frozen=True)
class Route53Config:
    """One weighted name: its blue and green record sets in one hosted zone."""

    hosted_zone_id: str
    record_name: str
    record_type: str
    blue_set_identifier: str
    green_set_identifier: str


@dataclass(frozen=True)
class Route53Names:
    """Every weighted name of a route53 front door, the first one being the front door's own."""

    names: tuple[Route53Config, ...]


@dataclass(frozen=True)
class AliasConfig:
    function_names: tuple[str, ...]
    alias_name: str


@dataclass(frozen=True)
class Config:
    kind: str
    region: str
    record_parameter: str
    front_door: AlbConfig | Route53Names | AliasConfig


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
    front_door: AlbConfig | Route53Names | AliasConfig
    if kind == "alb":
        front_door = AlbConfig(listener_arn=_require(env, "LISTENER_ARN", why),
                               blue_target_group_arn=_require(env, "BLUE_TARGET_GROUP_ARN", why))
    elif kind == "route53":
        zone = _require(env, "HOSTED_ZONE_ID", why).removeprefix("/hostedzone/")
        name = _require(env, "RECORD_NAME", why)
        record_type = _require(env, "RECORD_TYPE", why).upper()
        if record_type not in RECORD_TYPES:
            raise ConfigError(f"rollback: environment variable RECORD_TYPE is {record_type!r}, "
                              f"expected one of {', '.join(RECORD_TYPES)}")
        first = Route53Config(
            hosted_zone_id=zone,
            record_name=name,
            record_type=record_type,
            blue_set_identifier=_require(env, "BLUE_SET_IDENTIFIER", why),
            green_set_identifier=_require(env, "GREEN_SET_IDENTIFIER", why),
        )
        if first.blue_set_identifier == first.green_set_identifier:
            raise ConfigError("rollback: BLUE_SET_IDENTIFIER and GREEN_SET_IDENTIFIER are the same")
        front_door = Route53Names(_record_sets(env.get("RECORD_SETS"), first))
    else:
        names = tuple(n.strip() for n in _require(env, "FUNCTION_NAMES", why).split(",") if n.strip())
        if not names:
            raise ConfigError("rollback: environment variable FUNCTION_NAMES lists no function")
        front_door = AliasConfig(function_names=names, alias_name=_require(env, "ALIAS_NAME", why))
    return Config(kind=kind, region=region, record_parameter=record_parameter, front_door=front_door)


RECORD_SET_KEYS = ("zone", "name", "type", "blueSetId", "greenSetId")


def _record_sets(raw: str | None, first: Route53Config) -> tuple[Route53Config, ...]:
    """``RECORD_SETS`` parsed: every weighted name, the first equal to the HOSTED_ZONE_ID/... one."""
    if raw is None or not raw.strip():
        return (first,)
    try:
        items = json.loads(raw)
    except json.JSONDecodeError:
        raise ConfigError("rollback: environment variable RECORD_SETS is not JSON") from None
    if not isinstance(items, list) or not items:
        raise ConfigError("rollback: environment variable RECORD_SETS must be a non-empty JSON list")
    names: list[Route53Config] = []
    for n, item in enumerate(items):
        if not isinstance(item, Mapping) or not all(isinstance(item.get(k), str) and item.get(k)
                                                    for k in RECORD_SET_KEYS):
            raise ConfigError(f"rollback: RECORD_SETS[{n}] must be an object with string "
                              f"{', '.join(RECORD_SET_KEYS)}")
        rtype = str(item["type"]).upper()
        if rtype not in RECORD_TYPES:
            raise ConfigError(f"rollback: RECORD_SETS[{n}].type is {rtype!r}, "
                              f"expected one of {', '.join(RECORD_TYPES)}")
        if item["blueSetId"] == item["greenSetId"]:
            raise ConfigError(f"rollback: RECORD_SETS[{n}] has the same blueSetId and greenSetId")
        names.append(Route53Config(hosted_zone_id=str(item["zone"]).removeprefix("/hostedzone/"),
                                   record_name=str(item["name"]), record_type=rtype,
                                   blue_set_identifier=str(item["blueSetId"]),
                                   green_set_identifier=str(item["greenSetId"])))
    keys = [(c.hosted_zone_id, _dns_name(c.record_name), c.record_type) for c in names]
    if len(set(keys)) != len(keys):
        raise ConfigError("rollback: RECORD_SETS names one record set twice")
    if keys[0] != (first.hosted_zone_id, _dns_name(first.record_name), first.record_type) or \
            (names[0].blue_set_identifier, names[0].green_set_identifier) != \
            (first.blue_set_identifier, first.green_set_identifier):
        raise ConfigError("rollback: RECORD_SETS[0] must be the record set HOSTED_ZONE_ID, RECORD_NAME, "
                          "RECORD_TYPE, BLUE_SET_IDENTIFIER and GREEN_SET_IDENTIFIER name")
    return tuple(names)


# ── the alarm notification ─────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class AlarmNotification:
    name: str
    state: str
    reason: str
    changed_at: datetime | None  # StateChangeTime, when it parses with a timezone
    message_id: str | None  # the SNS MessageId: the same on every redelivery of one message
    message: str  # the raw SNS Message (last resort for a stable id)


def _notification_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:  # CloudWatch writes e.g. 2026-11-23T02:00:00.123+0000
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo is not None else None


def _one_record(rec: object) -> AlarmNotification:
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
        raise MalformedEventError("SNS Message is not a CloudWatch alarm notification (no AlarmName/NewStateValue)")
    reason = body.get("NewStateReason")
    message_id = sns.get("MessageId") if isinstance(sns, Mapping) else None
    return AlarmNotification(name=name, state=state, reason=reason if isinstance(reason, str) else "",
                             changed_at=_notification_time(body.get("StateChangeTime")),
                             message_id=message_id if isinstance(message_id, str) and message_id else None,
                             message=message)


def parse_alarms(event: object) -> list[AlarmNotification]:
    """The valid alarm notifications in an SNS event; malformed records are logged and skipped.

    MalformedEventError when the event has no SNS records at all or none of them is valid.
    """
    if not isinstance(event, Mapping):
        raise MalformedEventError("event is not an object")
    records = event.get("Records")
    if not isinstance(records, list) or not records:
        raise MalformedEventError("event has no SNS Records")
    alarms, problems = [], []
    for n, rec in enumerate(records):
        try:
            alarms.append(_one_record(rec))
        except MalformedEventError as err:
            problems.append(str(err))
            _log("record-skipped", index=n, reason=str(err))
    if not alarms:
        raise MalformedEventError("; ".join(dict.fromkeys(problems)))
    return alarms


def rollback_id(alarm: AlarmNotification) -> str:
    """32 lowercase hex, the same for every delivery of one alarm transition.

    An alarm transition is identified by the alarm's name and ``StateChangeTime`` (normalized to
    UTC, so ``+0000`` and ``Z`` agree). Without a usable time, the SNS ``MessageId`` identifies the
    message (SNS and Lambda's retries redeliver it unchanged); without that, the message itself.
    """
    if alarm.changed_at is not None:
        key = f"alarm\n{alarm.name}\n{alarm.changed_at.isoformat(timespec='microseconds')}"
    elif alarm.message_id is not None:
        key = f"sns\n{alarm.message_id}"
    else:
        key = f"message\n{alarm.message}"
    return uuid.uuid5(ID_NAMESPACE, key).hex


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


def green_share_alb(actions: Sequence[Mapping[str, Any]], blue_target_group_arn: str) -> int:
    """Green percent of a listener's default actions or a rule's actions: every target group but
    blue's is green (each green service has its own)."""
    for action in actions:
        if action.get("Type") == "forward":
            groups = _forward_target_groups(action)
            green = sum(w for arn, w in groups if arn != blue_target_group_arn)
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


def _short(value: object, limit: int = MAX_LOG_TEXT) -> object:
    return value[:limit] + "..." if isinstance(value, str) and len(value) > limit else value


def _log(action: str, **fields: Any) -> None:
    line = {"component": "cutover-rollback", "action": action, **{k: _short(v) for k, v in fields.items()}}
    sys.stdout.write(json.dumps(line, default=str) + "\n")
    sys.stdout.flush()


def _error_text(err: BaseException) -> str:
    if isinstance(err, ClientError):
        error = err.response.get("Error", {})
        return f"{error.get('Code', 'ClientError')}: {error.get('Message', '')}".rstrip(": ")
    return f"{type(err).__name__}: {err}"


@dataclass
class Moved:
    """What one run did to the front door: the parts now on blue, the parts that failed."""

    previous_green_share: int | None = None
    rolled_back: list[str] = field(default_factory=list)
    not_rolled_back: list[str] = field(default_factory=list)

    def done(self, part: str, share: int | None) -> None:
        self.rolled_back.append(part)
        if share is not None:
            self.previous_green_share = max(self.previous_green_share or 0, share)

    def failed(self, part: str, err: BaseException) -> None:
        self.not_rolled_back.append(f"{part}: {_error_text(err)}")
        _log("part-failed", part=part, error=_error_text(err))


def _client(service: str, region: str) -> Any:
    return boto3.client(service, region_name=region, config=CLIENT_CONFIG)


def _is_blue_only(actions: Sequence[Mapping[str, Any]], blue_arn: str) -> bool:
    for action in actions:
        if action.get("Type") == "forward":
            groups = _forward_target_groups(action)
            if not any(arn == blue_arn and w > 0 for arn, w in groups) or \
                    any(arn != blue_arn and w > 0 for arn, w in groups):
                return False
    return True


def blue_only_actions(actions: Sequence[Mapping[str, Any]], blue_arn: str) -> list[dict[str, Any]]:
    """The actions with their forward sending 100 to blue and 0 to every other target group.

    Every target group stays in the forward (roll-forward is a weight change); blue is added when
    missing. Other actions (e.g. an authenticate step before the forward) and the forward's
    stickiness config are kept as they are.
    """
    result: list[dict[str, Any]] = []
    forwards = 0
    for action in actions:
        new = copy.deepcopy(dict(action))
        if new.get("Type") == "forward":
            forwards += 1
            others = [arn for arn, _ in _forward_target_groups(new) if arn != blue_arn]
            new.pop("TargetGroupArn", None)  # a weighted forward is expressed by ForwardConfig only
            forward = dict(new.get("ForwardConfig") or {})
            forward["TargetGroups"] = [{"TargetGroupArn": blue_arn, "Weight": BLUE_WEIGHT},
                                       *({"TargetGroupArn": arn, "Weight": GREEN_WEIGHT}
                                         for arn in dict.fromkeys(others))]
            new["ForwardConfig"] = forward
        result.append(new)
    if forwards != 1:
        raise RuntimeError(f"actions have {forwards} forward actions, expected exactly 1")
    return result


def listener_rules(elbv2: Any, listener_arn: str) -> list[dict[str, Any]]:
    """Every rule of the listener (DescribeRules pages with Marker/NextMarker, at most 400 a page)."""
    rules: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"ListenerArn": listener_arn, "PageSize": 400}
    while True:
        page = elbv2.describe_rules(**kwargs)
        rules += page.get("Rules", [])
        if not page.get("NextMarker"):
            return rules
        kwargs["Marker"] = page["NextMarker"]


def rollback_alb(cfg: AlbConfig, region: str) -> Moved:
    elbv2, moved, blue = _client("elbv2", region), Moved(), cfg.blue_target_group_arn
    try:  # the default action first: whatever no rule matches
        listeners = elbv2.describe_listeners(ListenerArns=[cfg.listener_arn])["Listeners"]
        if not listeners:
            raise RuntimeError(f"listener {cfg.listener_arn} not found")
        actions = listeners[0]["DefaultActions"]
        share = green_share_alb(actions, blue)
        if not _is_blue_only(actions, blue):
            elbv2.modify_listener(ListenerArn=cfg.listener_arn, DefaultActions=blue_only_actions(actions, blue))
        moved.done("default", share)
        _log("alb-default-set", listener=cfg.listener_arn, blue=BLUE_WEIGHT, green=GREEN_WEIGHT,
             previousGreenShare=share)
    except Exception as err:  # the rules are rolled back whatever happened here
        moved.failed("default", err)
    try:
        rules = [r for r in listener_rules(elbv2, cfg.listener_arn)
                 if not r.get("IsDefault") and any(a.get("Type") == "forward" for a in r.get("Actions", []))]
    except Exception as err:  # recorded; the default action may already be on blue
        moved.failed("rules", err)
        return moved
    # A rule matching the HTTP method is a dataset's write route (cutover/data_guard.py): it sends
    # writes to the color that owns the data whatever the weights. Sending them to blue after the
    # writer moved to green would write to a stale, read-only copy, so a rollback leaves them alone.
    writes = [r for r in rules if any(c.get("Field") == "http-request-method" for c in r.get("Conditions", []))]
    for rule in writes:
        _log("alb-write-rule-kept", rule=rule["RuleArn"], priority=rule.get("Priority"))
    rules = [r for r in rules if r not in writes]
    for rule in rules:
        part = f"rule {rule.get('Priority')}"
        try:
            actions = rule["Actions"]
            share = green_share_alb(actions, blue)
            if not _is_blue_only(actions, blue):
                elbv2.modify_rule(RuleArn=rule["RuleArn"], Actions=blue_only_actions(actions, blue))
            moved.done(part, share)
            _log("alb-rule-set", rule=rule["RuleArn"], priority=rule.get("Priority"), blue=BLUE_WEIGHT,
                 green=GREEN_WEIGHT, previousGreenShare=share)
        except Exception as err:  # one rule failing must not keep the others on green
            moved.failed(part, err)
    return moved


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


def rollback_route53(cfg: Route53Names, region: str, alarm: str) -> Moved:
    """Every weighted name to blue, one change batch per name: a name that fails (a missing record,
    a denied change) is recorded and the others still move."""
    moved = Moved()
    try:
        route53 = _client("route53", region)
    except Exception as err:  # recorded as failed, then raised by the handler
        for name in cfg.names:
            moved.failed(f"{name.record_name} {name.record_type}", err)
        return moved
    for name in cfg.names:
        _rollback_name(route53, name, alarm, moved)
    return moved


def _rollback_name(route53: Any, cfg: Route53Config, alarm: str, moved: Moved) -> None:
    part = f"{cfg.record_name} {cfg.record_type}"
    try:  # one atomic change batch: both records of the name move, or neither
        record_sets = weighted_record_sets(route53, cfg)
        changes = blue_only_changes(record_sets, cfg)
        previous = green_share_route53(record_sets, cfg.blue_set_identifier, cfg.green_set_identifier)
        change = route53.change_resource_record_sets(
            HostedZoneId=cfg.hosted_zone_id,
            ChangeBatch={"Comment": f"cutover automatic rollback ({alarm})"[:256], "Changes": changes})
        moved.done(part, previous)
        _log("route53-weights-set", hostedZone=cfg.hosted_zone_id, record=cfg.record_name, type=cfg.record_type,
             blue=BLUE_WEIGHT, green=GREEN_WEIGHT, previousGreenShare=previous,
             changeId=change.get("ChangeInfo", {}).get("Id"))
    except Exception as err:  # recorded as failed (the other names still move), then raised by the handler
        moved.failed(part, err)


def rollback_alias(cfg: AliasConfig, region: str) -> Moved:
    moved = Moved()
    try:
        lambda_ = _client("lambda", region)
    except Exception as err:  # recorded as failed, then raised by the handler
        for function in cfg.function_names:
            moved.failed(function, err)
        return moved
    for function in cfg.function_names:  # one function failing must not keep the others on green
        try:
            alias = lambda_.get_alias(FunctionName=function, Name=cfg.alias_name)
            weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
            stable = alias_stable_version(alias)
            # Everything not on the version that stays is green's: the additional weights, or (newer
            # version as the primary) all but the stable version's weight.
            share = green_share_alias(alias) if stable is None else share_percent(1.0 - float(weights[stable]), 1.0)
            lambda_.update_alias(FunctionName=function, Name=cfg.alias_name,
                                 RoutingConfig={"AdditionalVersionWeights": {}},
                                 **({"FunctionVersion": stable} if stable is not None else {}))
            moved.done(function, share)
            _log("alias-routing-cleared", function=function, alias=cfg.alias_name,
                 version=stable or alias.get("FunctionVersion"), previousGreenShare=share, removedWeights=weights,
                 **({"previousPrimary": alias.get("FunctionVersion")} if stable is not None else {}))
        except Exception as err:  # one function failing must not keep the others on green
            moved.failed(function, err)
    return moved


# ── the record ─────────────────────────────────────────────────────────────────────────────────


def stored_record(ssm: Any, parameter: str) -> RollbackRecord | None:
    """The stored record, best effort: None (logged) on any error. Nothing depends on it but
    keeping ``previousGreenShare`` and ``at`` across redeliveries of one notification."""
    try:
        return parse_record(ssm.get_parameter(Name=parameter)["Parameter"]["Value"])
    except Exception as err:  # a failed read never stops or un-records a rollback
        _log("record-unreadable", parameter=parameter, error=_error_text(err))
        return None


def _retryable(err: Exception) -> bool:
    if isinstance(err, ClientError):
        code = err.response.get("Error", {}).get("Code", "")
        status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        return code in RETRYABLE_CODES or status == 429 or status >= 500
    return isinstance(err, BotoCoreError)  # connection errors and timeouts


def write_record(ssm: Any, parameter: str, record: RollbackRecord, attempts: int = WRITE_ATTEMPTS) -> None:
    """PutParameter, retried (bounded, exponential backoff) on throttling, server and network errors."""
    value = record.to_json()
    for attempt in range(1, attempts + 1):
        try:
            ssm.put_parameter(Name=parameter, Type="String", Overwrite=True, Value=value)
            return
        except (ClientError, BotoCoreError) as err:
            if attempt == attempts or not _retryable(err):
                raise
            delay = min(4.0, 0.5 * 2 ** (attempt - 1))
            _log("record-write-retry", parameter=parameter, attempt=attempt, error=_error_text(err), delay=delay)
            _sleep(delay)


def _outcome(moved: Moved) -> str:
    if not moved.not_rolled_back:
        return OUTCOME_COMPLETE
    return OUTCOME_PARTIAL if moved.rolled_back else OUTCOME_FAILED


def _move_traffic(config: Config, alarm: AlarmNotification) -> Moved:
    fd = config.front_door
    try:
        if isinstance(fd, AlbConfig):
            return rollback_alb(fd, config.region)
        if isinstance(fd, Route53Names):
            return rollback_route53(fd, config.region, alarm.name)
        return rollback_alias(fd, config.region)
    except Exception as err:  # the record is written whatever happened
        moved = Moved()
        moved.failed("front door", err)
        return moved


# ── entry point ────────────────────────────────────────────────────────────────────────────────


def handler(event: Mapping[str, Any], context: object = None) -> dict[str, Any]:
    config = load_config(os.environ)
    try:
        alarms = parse_alarms(event)
    except MalformedEventError as err:
        _log("ignored", reason=f"malformed event: {err}")
        return {"action": "ignored", "reason": f"malformed event: {err}"}
    alarm = next((a for a in alarms if a.state == "ALARM"), None)
    if alarm is None:  # SNS delivers one record per invocation; should there be more, any ALARM wins
        last = alarms[-1]
        _log("ignored", reason=f"state {last.state}", alarm=last.name)
        return {"action": "ignored", "reason": f"state {last.state}", "alarm": last.name}

    rid = rollback_id(alarm)
    _log("rollback-started", id=rid, alarm=alarm.name, reason=alarm.reason, frontDoor=config.kind)
    ssm = _client("ssm", config.region)
    stored = stored_record(ssm, config.record_parameter)
    redelivery = stored is not None and stored.id == rid
    at = stored.at if stored is not None and redelivery else format_timestamp(alarm.changed_at or datetime.now(UTC))
    carried = stored.previous_green_share if stored is not None and redelivery else None
    started = RollbackRecord(id=rid, at=at, alarm=alarm.name, reason=alarm.reason, front_door=config.kind,
                             previous_green_share=carried, outcome=OUTCOME_STARTED).fitted()
    try:  # before any traffic moves: a run that dies half-way still leaves a record
        write_record(ssm, config.record_parameter, started)
    except Exception as err:  # moving traffic to blue matters more; the final write retries
        _log("record-write-failed", phase=OUTCOME_STARTED, parameter=config.record_parameter,
             error=_error_text(err))

    moved = _move_traffic(config, alarm)
    shares = [s for s in (carried, moved.previous_green_share) if s is not None]
    final = replace(started, previous_green_share=max(shares) if shares else None, outcome=_outcome(moved),
                    rolled_back=tuple(moved.rolled_back), not_rolled_back=tuple(moved.not_rolled_back)).fitted()
    write_record(ssm, config.record_parameter, final)  # raises only after its retries: Lambda retries the event
    _log("rollback-recorded", parameter=config.record_parameter, **final.to_dict())
    if moved.not_rolled_back:
        raise RollbackIncompleteError(f"rollback {rid} is {final.outcome}: not rolled back: "
                                      f"{'; '.join(moved.not_rolled_back)}"[:MAX_LOG_TEXT])
    return {"action": "rolled-back", "record": final.to_dict()}
