"""The NAT instance's status-check alarms act (recover/reboot) and also notify the stack's alert topic.

The network is given the topic's ARN before Monitoring creates the topic, so that ARN must be the topic's
real one. The expected value is built from the SNS ARN format (SNS API reference:
arn:<partition>:sns:<region>:<account-id>:<topic-name>) with the topic's planned ``name``, the provider's
region and the mocked account, not from the helper under test.
"""

from __future__ import annotations

from cutover.plan.mocks import ACCOUNT_ID
from tests.conftest import planned


def test_nat_status_check_alarms_act_and_page_the_alert_topic() -> None:
    plan = planned("prod", "profile=pos-serverless")  # natMode instance (seed 000)
    topic = plan.one("aws:sns/topic:Topic", "monitoring-alerts")
    region = plan.one("pulumi:providers:aws", "aws").inputs["region"]
    expected_topic = f"arn:aws:sns:{region}:{ACCOUNT_ID}:{topic.inputs['name']}"
    nat_alarms = [a for a in plan.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
                  if a.inputs.get("namespace") == "AWS/EC2"]
    assert sorted(a.inputs["metricName"] for a in nat_alarms) == ["StatusCheckFailed_Instance",
                                                                   "StatusCheckFailed_System"]
    for alarm in nat_alarms:
        # CloudWatch PutMetricAlarm: EC2 actions are arn:aws:automate:<region>:ec2:recover | reboot.
        action = "recover" if alarm.inputs["metricName"] == "StatusCheckFailed_System" else "reboot"
        assert alarm.inputs["alarmActions"] == [f"arn:aws:automate:{region}:ec2:{action}", expected_topic]
