"""Promotion gates against moto: soak time, rollback alarms (now and during the soak), green vs blue
metrics (including the inconclusive case), the smoke test of the deployed version, an unacknowledged
rollback; and a promotion with every gate green goes through.

moto gaps (moto 5, checked in moto/cloudwatch): GetMetricData answers Sum/Average/Minimum/Maximum/
SampleCount but no percentile (``p95`` yields no value), and DescribeAlarmHistory is not implemented
(moto keeps each alarm's state updates internally). Both calls are answered here by a ``before-call``
hook on the moto client: p95 from values the test declares, alarm history from moto's own record of
``set_alarm_state``. Request and error counts, alarm states and SSM are moto's.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.cloudwatch.models import cloudwatch_backends

from cutover.config.environment import Environment
from cutover.config.promotion import PromotionConfig, SmokeCheck
from cutover.gates import Evidence, Parameters, Traffic, Verdict, evaluate, metrics_gate, read_evidence, soak_gate
from cutover.naming import Namer

ACCOUNT = "123456789012"
REGION = "us-east-1"
NAMER = Namer("yoga", "prod")
LB = "app/yoga-prod-front/0123456789abcdef"
GREEN_TG, BLUE_TG = "targetgroup/yoga-prod-green/aaaa", "targetgroup/yoga-prod-blue/bbbb"
ALARMS = ["yoga-prod-rollback", "yoga-prod-rollback-error-rate"]
VERSION = "blog:7,auth:3"
CFG = PromotionConfig(soak_hours=((5, 168), (25, 168), (50, 168), (75, 168), (100, 72)), max_error_rate_percent=1.0,
                      error_rate_margin_percent=0.5, max_p95_latency_ms=1000, p95_regression_percent=20.0,
                      min_requests=500, smoke_tests=(SmokeCheck("blog", "/blog"),))
STAGES = (5, 25, 50, 75, 100)


def source(label: str, tg: str, lambda_target: bool) -> dict[str, Any]:
    return {"label": label, "namespace": "AWS/ApplicationELB", "dimensions": {"LoadBalancer": LB, "TargetGroup": tg},
            "requests": "RequestCount",
            "errors": ["HTTPCode_Target_5XX_Count"] + (["LambdaUserError", "LambdaInternalError"] if lambda_target
                                                       else []),
            "latency": "TargetResponseTime", "latencyUnit": "s"}


class Aws:
    """moto SSM + CloudWatch, with the two unsupported CloudWatch reads answered by a hook."""

    def __init__(self) -> None:
        self.ssm = boto3.client("ssm", region_name=REGION)
        self.cw = boto3.client("cloudwatch", region_name=REGION)
        self.p95_seconds: dict[str, float] = {}  # target group -> p95 of TargetResponseTime
        self.cw.meta.events.register("before-call.cloudwatch.GetMetricData", self._percentiles)
        self.cw.meta.events.register("before-call.cloudwatch.DescribeAlarmHistory", self._history)
        for name in ALARMS:
            self.cw.put_metric_alarm(AlarmName=name, MetricName="x", Namespace="AWS/ApplicationELB", Statistic="Sum",
                                     Period=60, EvaluationPeriods=1, Threshold=1,
                                     ComparisonOperator="GreaterThanThreshold")
            self.cw.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="armed")

    class _Http:
        status_code = 200

    @staticmethod
    def _request(params: dict[str, Any]) -> dict[str, Any]:
        """The operation's parameters from the serialized request (CloudWatch's JSON protocol)."""
        body = json.loads(params["body"])
        for key in ("StartTime", "EndTime", "StartDate", "EndDate"):
            if key in body:
                value = body[key]
                body[key] = datetime.fromtimestamp(value, UTC) if isinstance(value, (int, float)) else \
                    datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        return body  # type: ignore[no-any-return]

    def _percentiles(self, params: dict[str, Any], **_: Any) -> Any:
        params = self._request(params)
        queries = params["MetricDataQueries"]
        if not any(q["MetricStat"]["Stat"].startswith("p") for q in queries):
            return None  # counts: moto answers
        results = []
        for q in queries:
            dims = {d["Name"]: d["Value"] for d in q["MetricStat"]["Metric"]["Dimensions"]}
            value = self.p95_seconds.get(dims["TargetGroup"])
            results.append({"Id": q["Id"], "Label": q["Id"], "StatusCode": "Complete",
                            "Timestamps": [params["StartTime"]] if value is not None else [],
                            "Values": [value] if value is not None else []})
        return self._Http(), {"MetricDataResults": results, "Messages": []}

    def _history(self, params: dict[str, Any], **_: Any) -> Any:
        params = self._request(params)
        alarm = cloudwatch_backends[ACCOUNT][REGION].alarms[params["AlarmName"]]
        # moto appends (type, old reason, old reason data, old state, old timestamp) on each update:
        # the new state of update i is the old state of update i+1, the last one is the current state.
        olds = [h[3] for h in alarm.history] + [alarm.state_value]
        stamps = [h[4] for h in alarm.history[1:]] + [alarm.state_updated_timestamp]
        items = []
        for old, new, at in zip(olds[:-1], olds[1:], stamps, strict=True):
            at = at if at.tzinfo else at.replace(tzinfo=UTC)
            if params["StartDate"] <= at <= params["EndDate"]:
                items.append({"AlarmName": params["AlarmName"], "AlarmType": "MetricAlarm", "Timestamp": at,
                              "HistoryItemType": "StateUpdate", "HistorySummary": f"Alarm updated from {old} to {new}",
                              "HistoryData": json.dumps({"oldState": {"stateValue": old},
                                                         "newState": {"stateValue": new}})})
        return self._Http(), {"AlarmHistoryItems": items}

    def deploy(self, weight: int, *, smoke_version: str = VERSION, passed: bool = True, blue: bool = True) -> datetime:
        self.ssm.put_parameter(Name=NAMER.path("promotion", "weight"), Value=str(weight), Type="String", Overwrite=True)
        targets = {"greenVersion": VERSION, "alarms": ALARMS, "smokeParameter": NAMER.path("promotion", "smoke"),
                   "green": source("green target group", GREEN_TG, True),
                   "blue": source("blue target group", BLUE_TG, False) if blue else None}
        self.ssm.put_parameter(Name=NAMER.path("promotion", "targets"), Value=json.dumps(targets), Type="String",
                               Overwrite=True)
        self.ssm.put_parameter(Name=NAMER.path("promotion", "smoke"), Type="String", Overwrite=True, Value=json.dumps(
            {"version": smoke_version, "passed": passed, "at": "2026-01-01T00:00:00Z",
             "checks": [{"name": "blog", "passed": passed, "status": 200 if passed else 500, "ms": 80,
                         "problem": "" if passed else "status 500, expected 200"}]}))
        self.ssm.put_parameter(Name=NAMER.path("rollback", "record"), Value='{"state": "clear"}', Type="String",
                               Overwrite=True)
        return self.ssm.get_parameter(Name=NAMER.path("promotion", "weight"))["Parameter"]["LastModifiedDate"]

    def traffic(self, tg: str, requests: int, errors: int, p95_seconds: float, at: datetime) -> None:
        dims = [{"Name": "LoadBalancer", "Value": LB}, {"Name": "TargetGroup", "Value": tg}]
        self.cw.put_metric_data(Namespace="AWS/ApplicationELB", MetricData=[
            {"MetricName": "RequestCount", "Dimensions": dims, "Value": requests, "Timestamp": at},
            {"MetricName": "HTTPCode_Target_5XX_Count", "Dimensions": dims, "Value": errors, "Timestamp": at}])
        self.p95_seconds[tg] = p95_seconds

    def check(self, configured: int, now: datetime, ack: str = "") -> Any:
        ev = read_evidence(self.ssm, Parameters.of(NAMER))
        return evaluate(CFG, STAGES, configured, ack, ev, self.cw, now)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Aws]:
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        yield Aws()


def verdicts(report: Any) -> dict[str, Verdict]:
    return {g.name: g.verdict for g in report.gates}


def soaked(aws: Aws, weight: int = 5) -> datetime:
    """A stage deployed, a week of healthy traffic on both colors; returns 'now' after the soak."""
    start = aws.deploy(weight)
    aws.traffic(GREEN_TG, 2000, 4, 0.180, start + timedelta(hours=1))  # 0.2 %, 180 ms
    aws.traffic(BLUE_TG, 38000, 60, 0.200, start + timedelta(hours=1))  # 0.16 %, 200 ms
    return start + timedelta(hours=168, minutes=1)


def test_every_gate_green_goes(aws: Aws) -> None:
    report = aws.check(5, soaked(aws))
    assert report.go, report.text()
    assert report.target == 25
    assert set(verdicts(report).values()) == {Verdict.PASS}
    assert "green 2000 requests, error rate 0.20 %, p95 180 ms" in report.text()


def test_too_early_waits_and_says_how_long(aws: Aws) -> None:
    start = aws.deploy(5)
    aws.traffic(GREEN_TG, 2000, 0, 0.1, start)
    aws.traffic(BLUE_TG, 2000, 0, 0.1, start)
    report = aws.check(5, start + timedelta(hours=100))
    assert not report.go
    soak = next(g for g in report.gates if g.name == "soak")
    assert soak.verdict is Verdict.WAIT
    assert "needs 168 h: wait 2 d 20 h more" in soak.detail  # 168 - 100 = 68 h


def test_alarm_fired_during_the_soak_refuses_even_if_ok_now(aws: Aws) -> None:
    now = soaked(aws)
    aws.cw.set_alarm_state(AlarmName=ALARMS[1], StateValue="ALARM", StateReason="5xx")
    aws.cw.set_alarm_state(AlarmName=ALARMS[1], StateValue="OK", StateReason="recovered")
    report = aws.check(5, now)
    alarms = next(g for g in report.gates if g.name == "alarms")
    assert alarms.verdict is Verdict.FAIL and alarms.detail.startswith(f"fired during the soak: {ALARMS[1]} at ")
    assert not report.go


def test_alarm_not_ok_now_refuses(aws: Aws) -> None:
    now = soaked(aws)
    aws.cw.set_alarm_state(AlarmName=ALARMS[0], StateValue="INSUFFICIENT_DATA", StateReason="no data")
    alarms = next(g for g in aws.check(5, now).gates if g.name == "alarms")
    assert alarms.verdict is Verdict.FAIL and f"{ALARMS[0]}=INSUFFICIENT_DATA" in alarms.detail


def test_green_worse_than_blue_refuses(aws: Aws) -> None:
    start = aws.deploy(5)
    aws.traffic(GREEN_TG, 2000, 18, 0.190, start + timedelta(hours=1))  # 0.9 %: under 1 %, but blue has 0.1 %
    aws.traffic(BLUE_TG, 40000, 40, 0.200, start + timedelta(hours=1))
    metrics = next(g for g in aws.check(5, start + timedelta(hours=169)).gates if g.name == "metrics")
    assert metrics.verdict is Verdict.FAIL
    assert "green error rate 0.90 % exceeds blue's 0.10 % by more than 0.5 points" in metrics.detail


def test_green_p95_over_the_seed_threshold_refuses(aws: Aws) -> None:
    start = aws.deploy(5)
    aws.traffic(GREEN_TG, 2000, 0, 1.250, start + timedelta(hours=1))  # seed 002: p95 < 1000 ms
    aws.traffic(BLUE_TG, 40000, 0, 1.200, start + timedelta(hours=1))
    metrics = next(g for g in aws.check(5, start + timedelta(hours=169)).gates if g.name == "metrics")
    assert metrics.verdict is Verdict.FAIL and "green p95 1250 ms > 1000 ms" in metrics.detail


def test_too_few_requests_is_inconclusive_and_waits(aws: Aws) -> None:
    start = aws.deploy(5)
    aws.traffic(GREEN_TG, 499, 0, 0.1, start + timedelta(hours=1))  # minRequests 500
    aws.traffic(BLUE_TG, 9000, 0, 0.1, start + timedelta(hours=1))
    report = aws.check(5, start + timedelta(hours=169))
    metrics = next(g for g in report.gates if g.name == "metrics")
    assert metrics.verdict is Verdict.WAIT and metrics.detail.startswith("inconclusive: green served 499 requests")
    assert not report.go


def test_traffic_before_the_stage_started_does_not_count(aws: Aws) -> None:
    start = aws.deploy(5)
    aws.traffic(GREEN_TG, 5000, 0, 0.1, start - timedelta(hours=2))  # the previous stage's traffic
    metrics = next(g for g in aws.check(5, start + timedelta(hours=169)).gates if g.name == "metrics")
    assert metrics.verdict is Verdict.WAIT


def test_without_a_passed_smoke_test_for_the_deployed_version_refuses(aws: Aws) -> None:
    start = aws.deploy(0, smoke_version="blog:6,auth:3")  # the result is for the previous version
    smoke = next(g for g in aws.check(0, start + timedelta(minutes=5)).gates if g.name == "smoke")
    assert smoke.verdict is Verdict.FAIL
    assert smoke.detail.startswith(f"no smoke result for the deployed version {VERSION} (last run was for blog:6")
    start = aws.deploy(0, passed=False)
    report = aws.check(0, start + timedelta(minutes=5))
    smoke = next(g for g in report.gates if g.name == "smoke")
    assert smoke.verdict is Verdict.FAIL and "blog: status 500, expected 200" in smoke.detail
    assert not report.go


def test_first_stage_needs_only_the_smoke_test_and_quiet_alarms(aws: Aws) -> None:
    start = aws.deploy(0)
    report = aws.check(0, start + timedelta(minutes=5))
    assert report.go and report.target == 5
    assert "metrics" not in verdicts(report)  # no green traffic at 0 %


def test_undeployed_weight_refuses(aws: Aws) -> None:
    start = aws.deploy(5)
    report = aws.check(25, start + timedelta(days=30))  # the file says 25, AWS still runs 5
    assert verdicts(report)["stage-record"] is Verdict.FAIL
    assert "the stack file says 25 % but 5 % is deployed" in report.text()


def test_unacknowledged_rollback_refuses(aws: Aws) -> None:
    now = soaked(aws)
    aws.ssm.put_parameter(Name=NAMER.path("rollback", "record"), Type="String", Overwrite=True, Value=json.dumps(
        {"state": "rolled-back", "id": "3f2a9c", "at": "2026-01-02T00:00:00Z", "alarm": ALARMS[0]}))
    assert verdicts(aws.check(5, now))["rollback-record"] is Verdict.FAIL
    assert verdicts(aws.check(5, now, ack="3f2a9c"))["rollback-record"] is Verdict.PASS


def test_blue_outside_cloudwatch_uses_absolute_thresholds(aws: Aws) -> None:
    start = aws.deploy(5, blue=False)
    aws.traffic(GREEN_TG, 2000, 4, 0.2, start + timedelta(hours=1))
    report = aws.check(5, start + timedelta(hours=169))
    metrics = next(g for g in report.gates if g.name == "metrics")
    assert metrics.verdict is Verdict.PASS and "absolute thresholds only" in metrics.detail


def test_nothing_deployed_refuses_with_what_to_do(aws: Aws) -> None:
    report = evaluate(CFG, STAGES, 0, "", read_evidence(aws.ssm, Parameters.of(NAMER)), aws.cw, datetime.now(UTC))
    assert verdicts(report)["stage-record"] is Verdict.FAIL and "deploy the stack" in report.text()


def test_at_100_there_is_no_next_stage() -> None:
    report = evaluate(CFG, STAGES, 100, "", Evidence(weight=100, weight_since=datetime(2026, 1, 1, tzinfo=UTC)),
                      None, datetime(2026, 1, 5, tzinfo=UTC))
    assert report.target is None and not report.go
    assert report.gates[0].name == "stage" and "cleanup" in report.gates[0].detail


@pytest.mark.parametrize(("elapsed_h", "verdict"), [(71.9, Verdict.WAIT), (72, Verdict.PASS)])
def test_soak_boundary(elapsed_h: float, verdict: Verdict) -> None:
    since = datetime(2026, 1, 1, tzinfo=UTC)
    assert soak_gate(CFG, 100, since, since + timedelta(hours=elapsed_h)).verdict is verdict


def test_blue_with_too_little_traffic_is_not_compared() -> None:
    gate = metrics_gate(CFG, Traffic(1000, 9, 100.0), Traffic(10, 0, 50.0), "blue", "since x")
    assert gate.verdict is Verdict.PASS and "blue (blue) served only 10 requests" in gate.detail


def test_dev_soak_defaults_are_shorter() -> None:
    from cutover.config.promotion import DEFAULT_MIN_REQUESTS, DEFAULT_SOAK_HOURS

    assert DEFAULT_SOAK_HOURS[Environment.DEV] < DEFAULT_SOAK_HOURS[Environment.PROD]
    assert DEFAULT_MIN_REQUESTS[Environment.DEV] < DEFAULT_MIN_REQUESTS[Environment.PROD]
    assert replace(CFG, soak_hours=((5, 1),)).soak_for(5) == 1
