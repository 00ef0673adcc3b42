"""The data verifier, built after Monitoring, still gets the error-rate alarm every function declares.

A verifier that fails writes no receipt, and retireData waits on receipts: a failing verifier must page,
not wait silently. Expected values come from the CloudWatch metric math the Lambda error rate needs
(AWS/Lambda Errors / Invocations with the FunctionName dimension) and the planned function's own name.
"""

from __future__ import annotations

import pytest

from tests.conftest import PROFILES, planned


def test_the_verifier_has_an_error_rate_alarm_to_the_alert_topic() -> None:
    plan = planned("prod", "profile=yoga-serverless")  # copied datasets: the verifier runs on a schedule
    function = plan.one("aws:lambda/function:Function", "verifier-fn")
    topic = plan.one("aws:sns/topic:Topic", "monitoring-alerts")
    alarms = [a for a in plan.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
              if any(q.get("metric", {}).get("dimensions", {}).get("FunctionName") == function.inputs["name"]
                     for q in a.inputs.get("metricQueries", []))]
    assert len(alarms) == 1
    alarm = alarms[0]
    metrics = sorted(q["metric"]["metricName"] for q in alarm.inputs["metricQueries"] if "metric" in q)
    assert metrics == ["Errors", "Invocations"]
    assert alarm.inputs["alarmActions"] == [topic.outputs["arn"]]
    assert alarm.urn.split("::")[-1] == "monitoring-lambdaErrorRatePercent-verifier-critical"


@pytest.mark.parametrize("profile", PROFILES)
def test_every_planned_verifier_is_alarmed(profile: str) -> None:
    plan = planned("prod", f"profile={profile}")
    names = {f.inputs["name"] for f in plan.of_type("aws:lambda/function:Function") if f.name == "verifier-fn"}
    alarmed = {q["metric"]["dimensions"]["FunctionName"] for a in plan.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
               for q in a.inputs.get("metricQueries", []) if q.get("metric", {}).get("metricName") == "Errors"}
    assert names <= alarmed
