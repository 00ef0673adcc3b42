"""Promotion gates: may ``cutover:greenWeight`` move to the next stage now?

Evidence, read with boto3 and the operator's credentials (or CI's read-only role):

* SSM ``/<app>/<stack>/promotion/weight`` (components/stage_record.py): the weight deployed and, by
  its ``LastModifiedDate``, when that stage started;
* SSM ``/<app>/<stack>/promotion/targets``: green's deployed version, the rollback alarms, metrics;
* SSM ``/<app>/<stack>/promotion/smoke`` (functions/smoke): the smoke result for a version;
* SSM ``/<app>/<stack>/promotion/pretraffic`` (functions/pre_traffic): the pre-traffic task's result for a
  version (read when the targets name it; a gate when ``promotion.gates.preTraffic`` is ``required``);
* SSM ``/<app>/<stack>/rollback/record`` (functions/rollback): an automatic rollback;
* CloudWatch ``DescribeAlarms`` (state now), ``DescribeAlarmHistory`` (``StateUpdate`` items since the
  stage started) and ``GetMetricData`` (green vs blue over the soak window).

Every gate ends ``pass``, ``wait`` (come back later: soak time or too few requests, with how long)
or ``fail`` (something is wrong: what failed). Promotion needs every gate to pass.

IAM for whoever checks (read-only): ``ssm:GetParameter`` on ``/<app>/<stack>/*``,
``cloudwatch:DescribeAlarms``, ``cloudwatch:DescribeAlarmHistory``, ``cloudwatch:GetMetricData``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from cutover.config.promotion import PromotionConfig
from cutover.naming import Namer
from cutover.weights import next_stage

HOUR = 3600
# GetMetricData: a period is a multiple of 60 s; data older than 15 days is only kept at 5-minute and
# older than 63 days at 1-hour resolution (CloudWatch metric retention), so the one period spanning
# the whole window is rounded up to whole hours, which every retention tier accepts.
PERCENTILE = "p95"


class Verdict(Enum):
    PASS = "pass"
    WAIT = "wait"
    FAIL = "fail"


@dataclass(frozen=True)
class Gate:
    name: str
    verdict: Verdict
    detail: str

    def line(self) -> str:
        return f"{self.verdict.value.upper():<4}  {self.name:<15} {self.detail}"


@dataclass(frozen=True)
class Report:
    current: int
    target: int | None
    gates: tuple[Gate, ...]
    stage_started: datetime | None = None

    @property
    def go(self) -> bool:
        return self.target is not None and all(g.verdict is Verdict.PASS for g in self.gates)

    def blocking(self) -> list[Gate]:
        return [g for g in self.gates if g.verdict is not Verdict.PASS]

    def text(self) -> str:
        head = (f"greenWeight {self.current} -> {self.target}" if self.target is not None
                else f"greenWeight {self.current}: no next stage")
        verdict = "GO: every gate passed" if self.go else "NO-GO: " + "; ".join(
            f"{g.name} ({g.verdict.value})" for g in self.blocking())
        return "\n".join([head, *[f"  {g.line()}" for g in self.gates], verdict])

    def markdown(self, stack: str) -> str:
        rows = [f"| {g.name} | {g.verdict.value} | {g.detail.replace('|', '/')} |" for g in self.gates]
        head = (f"### Promotion of `{stack}`: greenWeight {self.current} → {self.target}" if self.target is not None
                else f"### Promotion of `{stack}`: greenWeight {self.current}, no next stage")
        started = f"\nStage started: {self.stage_started:%Y-%m-%d %H:%M} UTC\n" if self.stage_started else "\n"
        return "\n".join([head, started, "| gate | verdict | evidence |", "|---|---|---|", *rows, "",
                          "**GO**: every gate passed." if self.go else "**NO-GO**: nothing opened."]) + "\n"


@dataclass(frozen=True)
class Parameters:
    """SSM parameter names of one stack (the components create them with these names)."""

    weight: str
    targets: str
    rollback_record: str

    @classmethod
    def of(cls, namer: Namer) -> Parameters:
        return cls(namer.path("promotion", "weight"), namer.path("promotion", "targets"),
                   namer.path("rollback", "record"))


@dataclass
class Evidence:
    """What SSM says; missing parameters are None (the stack was never deployed with promotion)."""

    weight: int | None = None
    weight_since: datetime | None = None
    targets: dict[str, Any] = field(default_factory=dict)
    smoke: dict[str, Any] | None = None
    rollback: dict[str, Any] | None = None
    pre_traffic: dict[str, Any] | None = None  # functions/pre_traffic's record, when the stack has the task


def _get(ssm: Any, name: str) -> dict[str, Any] | None:
    try:
        return ssm.get_parameter(Name=name)["Parameter"]  # type: ignore[no-any-return]
    except ssm.exceptions.ParameterNotFound:
        return None


def _json(value: str | None) -> Any:
    try:
        return json.loads(value) if value else None
    except json.JSONDecodeError:
        return {"unreadable": value}


def read_evidence(ssm: Any, params: Parameters) -> Evidence:
    ev = Evidence()
    weight = _get(ssm, params.weight)
    if weight is not None:
        ev.weight = int(weight["Value"]) if str(weight["Value"]).isdigit() else None
        ev.weight_since = weight["LastModifiedDate"]
    targets = _get(ssm, params.targets)
    ev.targets = (_json(targets["Value"]) or {}) if targets is not None else {}
    smoke_name = ev.targets.get("smokeParameter")
    if smoke_name:
        smoke = _get(ssm, smoke_name)
        ev.smoke = _json(smoke["Value"]) if smoke is not None else None
    record = _get(ssm, params.rollback_record)
    ev.rollback = _json(record["Value"]) if record is not None else None
    pre_name = ev.targets.get("preTrafficParameter")
    if pre_name:
        pre = _get(ssm, pre_name)
        ev.pre_traffic = _json(pre["Value"]) if pre is not None else None
    return ev


# --- the gates -----------------------------------------------------------------------------------------
def _duration(seconds: float) -> str:
    seconds = max(0, math.ceil(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60 + (1 if rest % 60 else 0)
    parts = [f"{days} d"] if days else []
    if hours:
        parts.append(f"{hours} h")
    if minutes or not parts:
        parts.append(f"{minutes} min")
    return " ".join(parts)


def soak_gate(cfg: PromotionConfig, current: int, since: datetime | None, now: datetime) -> Gate:
    hours = cfg.soak_for(current)
    if current == 0:
        return Gate("soak", Verdict.PASS, "0 % has nothing to soak: the first stage needs the smoke test")
    if since is None:
        return Gate("soak", Verdict.FAIL, "no stage record: deploy this weight with `pulumi up` first")
    elapsed = (now - since).total_seconds()
    if elapsed < hours * HOUR:
        return Gate("soak", Verdict.WAIT, f"{current} % since {since:%Y-%m-%d %H:%M} UTC needs {hours} h: wait "
                    f"{_duration(hours * HOUR - elapsed)} more")
    return Gate("soak", Verdict.PASS, f"{current} % for {_duration(elapsed)} (needs {hours} h)")


def rollback_gate(record: Mapping[str, Any] | None, acknowledged: str) -> Gate:
    if not record or record.get("state") == "clear":
        return Gate("rollback-record", Verdict.PASS, "no automatic rollback recorded")
    rid = str(record.get("id", ""))
    if rid and rid == acknowledged:
        return Gate("rollback-record", Verdict.PASS, f"rollback {rid} acknowledged (cutover:rollbackAck)")
    return Gate("rollback-record", Verdict.FAIL, f"automatic rollback {rid or '?'} at {record.get('at', '?')} "
                f"({record.get('alarm', '?')}) is not acknowledged: investigate, then `make ack ID={rid}`")


def alarms_gate(cloudwatch: Any, names: Iterable[str], since: datetime | None, now: datetime) -> Gate:
    names = sorted(set(names))
    if not names:
        return Gate("alarms", Verdict.PASS, "this stack has no rollback alarms")
    states: dict[str, str] = {}
    for i in range(0, len(names), 100):  # DescribeAlarms: AlarmNames holds at most 100 names
        for page in cloudwatch.get_paginator("describe_alarms").paginate(
                AlarmNames=names[i:i + 100], AlarmTypes=["CompositeAlarm", "MetricAlarm"]):
            for kind in ("MetricAlarms", "CompositeAlarms"):
                states |= {a["AlarmName"]: a["StateValue"] for a in page.get(kind, [])}
    missing = [n for n in names if n not in states]
    if missing:
        return Gate("alarms", Verdict.FAIL, f"alarms not found: {', '.join(missing)} (deployed?)")
    not_ok = {n: s for n, s in states.items() if s != "OK"}
    if not_ok:
        return Gate("alarms", Verdict.FAIL, "not OK now: " + ", ".join(f"{n}={s}" for n, s in sorted(not_ok.items())))
    fired = fired_since(cloudwatch, names, since, now) if since is not None else []
    if fired:
        return Gate("alarms", Verdict.FAIL, "fired during the soak: " + "; ".join(fired))
    return Gate("alarms", Verdict.PASS, f"{len(names)} alarms OK and none in ALARM since the stage started")


def fired_since(cloudwatch: Any, names: Iterable[str], since: datetime, now: datetime) -> list[str]:
    """``StateUpdate`` history items into ALARM between ``since`` and ``now`` (DescribeAlarmHistory)."""
    fired = []
    for name in names:
        pages = cloudwatch.get_paginator("describe_alarm_history").paginate(
            AlarmName=name, HistoryItemType="StateUpdate", StartDate=since, EndDate=now,
            AlarmTypes=["CompositeAlarm", "MetricAlarm"], ScanBy="TimestampAscending")
        for page in pages:
            for item in page.get("AlarmHistoryItems", []):
                data = _json(item.get("HistoryData")) or {}
                new_state = (data.get("newState") or {}).get("stateValue")
                if new_state == "ALARM" or (new_state is None and "to ALARM" in item.get("HistorySummary", "")):
                    fired.append(f"{name} at {item['Timestamp']:%Y-%m-%d %H:%M} UTC")
    return fired


@dataclass(frozen=True)
class Traffic:
    requests: float
    errors: float
    p95_ms: float | None

    @property
    def error_rate(self) -> float:
        return 100.0 * self.errors / self.requests if self.requests else 0.0


def _metric(src: Mapping[str, Any], name: str, stat: str, period: int, qid: str) -> dict[str, Any]:
    dims = [{"Name": k, "Value": str(v)} for k, v in sorted(src["dimensions"].items())]
    return {"Id": qid, "ReturnData": True, "MetricStat": {
        "Metric": {"Namespace": src["namespace"], "MetricName": name, "Dimensions": dims},
        "Period": period, "Stat": stat}}


def measure(cloudwatch: Any, src: Mapping[str, Any], start: datetime, end: datetime) -> Traffic:
    """One period over the whole window: sums for requests and errors, p95 for latency.

    Two GetMetricData calls: counts, then the percentile (a percentile cannot be summed across periods,
    so it is read with the same single period; a window that spans more data points takes the highest).
    """
    period = max(HOUR, math.ceil((end - start).total_seconds() / HOUR) * HOUR)
    counts = [_metric(src, src["requests"], "Sum", period, "requests")]
    counts += [_metric(src, e, "Sum", period, f"errors{i}") for i, e in enumerate(src["errors"])]
    values = _values(cloudwatch, counts, start, end)
    latency = _values(cloudwatch, [_metric(src, src["latency"], PERCENTILE, period, "latency")], start, end)
    p95 = max(latency.get("latency", []), default=None)
    if p95 is not None and src.get("latencyUnit") == "s":
        p95 *= 1000.0
    return Traffic(requests=sum(values.get("requests", [])),
                   errors=sum(sum(values.get(f"errors{i}", [])) for i in range(len(src["errors"]))), p95_ms=p95)


def _values(cloudwatch: Any, queries: list[dict[str, Any]], start: datetime, end: datetime) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for page in cloudwatch.get_paginator("get_metric_data").paginate(MetricDataQueries=queries, StartTime=start,
                                                                     EndTime=end):
        for r in page.get("MetricDataResults", []):
            out.setdefault(r["Id"], []).extend(float(v) for v in r.get("Values", []))
    return out


def metrics_gate(cfg: PromotionConfig, green: Traffic | None, blue: Traffic | None, blue_label: str | None,
                 window: str) -> Gate:
    if green is None:
        return Gate("metrics", Verdict.PASS, "not applicable: this stack records no green metrics")
    if green.requests < cfg.min_requests:
        return Gate("metrics", Verdict.WAIT, f"inconclusive: green served {green.requests:.0f} requests {window}, "
                    f"fewer than minRequests {cfg.min_requests}: wait for more traffic")
    problems = []
    if green.error_rate > cfg.max_error_rate_percent:
        problems.append(f"green error rate {green.error_rate:.2f} % > {cfg.max_error_rate_percent:g} %")
    if green.p95_ms is not None and green.p95_ms > cfg.max_p95_latency_ms:
        problems.append(f"green p95 {green.p95_ms:.0f} ms > {cfg.max_p95_latency_ms} ms")
    compared = "absolute thresholds only (blue is not measured in this stack)"
    if blue is not None and blue.requests >= cfg.min_requests:
        compared = f"vs {blue_label}: error rate {blue.error_rate:.2f} %, p95 " + (
            f"{blue.p95_ms:.0f} ms" if blue.p95_ms is not None else "n/a")
        if green.error_rate > blue.error_rate + cfg.error_rate_margin_percent:
            problems.append(f"green error rate {green.error_rate:.2f} % exceeds blue's {blue.error_rate:.2f} % by more "
                            f"than {cfg.error_rate_margin_percent:g} points")
        if green.p95_ms is not None and blue.p95_ms is not None and \
                green.p95_ms > blue.p95_ms * (1 + cfg.p95_regression_percent / 100.0):
            problems.append(f"green p95 {green.p95_ms:.0f} ms is more than {cfg.p95_regression_percent:g} % above "
                            f"blue's {blue.p95_ms:.0f} ms")
    elif blue is not None:
        compared = f"blue ({blue_label}) served only {blue.requests:.0f} requests: absolute thresholds only"
    summary = (f"green {green.requests:.0f} requests, error rate {green.error_rate:.2f} %, p95 "
               + (f"{green.p95_ms:.0f} ms" if green.p95_ms is not None else "n/a") + f" {window}; {compared}")
    if problems:
        return Gate("metrics", Verdict.FAIL, "; ".join(problems) + f" ({summary})")
    return Gate("metrics", Verdict.PASS, summary)


def smoke_gate(smoke: Mapping[str, Any] | None, version: str | None, expected: bool) -> Gate:
    if not expected:
        return Gate("smoke", Verdict.PASS, "not applicable: this stack ships no smoke test")
    if not version:
        return Gate("smoke", Verdict.FAIL, "no deployed green version recorded: deploy with `pulumi up` first")
    if not smoke or smoke.get("version") != version:
        ran = smoke.get("version") if smoke else None
        return Gate("smoke", Verdict.FAIL, f"no smoke result for the deployed version {version}"
                    + (f" (last run was for {ran})" if ran else "") + ": redeploy green or invoke the smoke Lambda")
    if not smoke.get("passed"):
        failed = [f"{c.get('name')}: {c.get('problem')}" for c in smoke.get("checks", []) if not c.get("passed")]
        return Gate("smoke", Verdict.FAIL, f"smoke test of {version} failed at {smoke.get('at')}: "
                    + ("; ".join(failed) or "see the smoke Lambda's log"))
    return Gate("smoke", Verdict.PASS, f"{len(smoke.get('checks', []))} checks passed at {smoke.get('at')}")


def pre_traffic_gate(record: Mapping[str, Any] | None, version: str | None, required: bool,
                     declared: bool) -> Gate | None:
    """``promotion.gates.preTraffic: required``: green's pre-traffic task (schema migrations) succeeded for the
    deployed version. None when not required (the gate is not part of the promotion)."""
    if not required:
        return None
    if not declared:
        return Gate("pre-traffic", Verdict.FAIL, "required, but the deployed stack records no pre-traffic task: "
                    "deploy green with its preTraffic section first")
    if not version:
        return Gate("pre-traffic", Verdict.FAIL, "no deployed green version recorded: deploy with `pulumi up` first")
    if not record or record.get("status") == "pending" or not record.get("version"):
        return Gate("pre-traffic", Verdict.FAIL, f"no pre-traffic run recorded for {version}: the deployment runs "
                    "it (pulumi up)")
    if record.get("version") != version:
        return Gate("pre-traffic", Verdict.FAIL, f"the last pre-traffic run was for {record.get('version')}, not the "
                    f"deployed version {version}: redeploy green (pulumi up) to run it")
    if record.get("status") != "succeeded":
        return Gate("pre-traffic", Verdict.FAIL, f"pre-traffic {' '.join(record.get('command') or [])} "
                    f"{record.get('status')} (exit code {record.get('exitCode')}) at {record.get('finishedAt')}: "
                    f"{record.get('detail') or 'see the runner log'}")
    return Gate("pre-traffic", Verdict.PASS, f"{' '.join(record.get('command') or [])} succeeded for {version} at "
                f"{record.get('finishedAt')}")


def evaluate(cfg: PromotionConfig, stages: tuple[int, ...], configured: int, acknowledged: str, ev: Evidence,
             cloudwatch: Any, now: datetime) -> Report:
    """All gates for promoting from the configured weight. ``configured`` is the stack file's weight."""
    target = None if configured >= 100 else next_stage(configured, stages)
    gates: list[Gate] = []
    if ev.weight is None:
        gates.append(Gate("stage-record", Verdict.FAIL, "no stage record in SSM: deploy the stack (pulumi up) "
                          "with this version of the platform first"))
    elif ev.weight != configured:
        gates.append(Gate("stage-record", Verdict.FAIL, f"the stack file says {configured} % but {ev.weight} % is "
                          "deployed: run `pulumi up` (or merge) before promoting again"))
    else:
        gates.append(Gate("stage-record", Verdict.PASS, f"{ev.weight} % deployed since "
                          f"{ev.weight_since:%Y-%m-%d %H:%M} UTC" if ev.weight_since else f"{ev.weight} % deployed"))
    since = ev.weight_since if ev.weight == configured else None
    gates.append(soak_gate(cfg, configured, since, now))
    gates.append(rollback_gate(ev.rollback, acknowledged))
    gates.append(alarms_gate(cloudwatch, ev.targets.get("alarms") or [], since, now))
    if configured > 0 and since is not None:
        window = f"since {since:%Y-%m-%d %H:%M} UTC"
        green_src, blue_src = ev.targets.get("green"), ev.targets.get("blue")
        green = measure(cloudwatch, green_src, since, now) if green_src else None
        blue = measure(cloudwatch, blue_src, since, now) if blue_src else None
        gates.append(metrics_gate(cfg, green, blue, blue_src.get("label") if blue_src else None, window))
    elif configured > 0:
        gates.append(Gate("metrics", Verdict.WAIT, "no soak window yet: the weight is not deployed"))
    pre = pre_traffic_gate(ev.pre_traffic, ev.targets.get("greenVersion"), cfg.pre_traffic_required,
                           bool(ev.targets.get("preTrafficParameter")))
    if pre is not None:
        gates.append(pre)
    gates.append(smoke_gate(ev.smoke, ev.targets.get("greenVersion"), bool(ev.targets.get("smokeParameter"))))
    if target is None:
        gates.insert(0, Gate("stage", Verdict.FAIL, "already at 100 %: the next step is the cleanup "
                             "(docs/runbooks/cleanup.md) once the soak gate passes"))
    return Report(configured, target, tuple(gates), since)
