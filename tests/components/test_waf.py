"""WebAcl: managed rule groups, a blocking per-IP rate rule, metrics, aws-waf-logs-* logging."""

from __future__ import annotations

import pulumi
import pytest

from components.waf import WebAcl, WebAclArgs
from cutover.naming import Namer
from cutover.plan.model import Plan
from tests.conftest import plan_components


def _plan(scope: str = "CLOUDFRONT", rate: int = 1000) -> Plan:
    def program() -> None:
        acl = WebAcl("waf", WebAclArgs(Namer("pos", "prod"), "api-edge", scope, rate, 90))
        pulumi.export("arn", acl.arn)

    return plan_components(program, stack="prod")


@pytest.fixture(scope="module")
def plan() -> Plan:
    return _plan()


def test_managed_rule_groups_and_rate_rule(plan: Plan) -> None:
    acl = plan.one("aws:wafv2/webAcl:WebAcl")
    assert (acl.inputs["name"], acl.inputs["scope"], acl.inputs["defaultAction"]) == \
        ("pos-prod-api-edge", "CLOUDFRONT", {"allow": {}})
    rules = {r["name"]: r for r in acl.inputs["rules"]}
    assert set(rules) == {"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet",
                          "AWSManagedRulesAmazonIpReputationList", "rate-limit-per-ip"}
    for group in ("AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet",
                  "AWSManagedRulesAmazonIpReputationList"):
        assert rules[group]["statement"] == {"managedRuleGroupStatement": {"vendorName": "AWS", "name": group}}
        assert rules[group]["overrideAction"] == {"none": {}}
        assert rules[group]["visibilityConfig"]["cloudwatchMetricsEnabled"] is True
    rate = rules["rate-limit-per-ip"]
    assert rate["action"] == {"block": {}}
    assert rate["statement"]["rateBasedStatement"]["limit"] == 1000
    assert rate["statement"]["rateBasedStatement"]["aggregateKeyType"] == "IP"
    assert len({r["priority"] for r in acl.inputs["rules"]}) == 4
    assert acl.inputs["visibilityConfig"] == {"cloudwatchMetricsEnabled": True, "sampledRequestsEnabled": True,
                                              "metricName": "pos-prod-api-edge"}
    assert plan.stack_outputs["arn"] == acl.outputs["arn"]


def test_logs_go_to_an_aws_waf_logs_group_with_retention(plan: Plan) -> None:
    group = plan.one("aws:cloudwatch/logGroup:LogGroup")
    assert group.inputs == {"name": "aws-waf-logs-pos-prod-api-edge", "retentionInDays": 90}
    logging = plan.one("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration")
    assert logging.inputs["resourceArn"] == plan.one("aws:wafv2/webAcl:WebAcl").outputs["arn"]
    assert logging.inputs["logDestinationConfigs"] == [group.outputs["arn"]]
    assert {"singleHeader": {"name": "authorization"}} in logging.inputs["redactedFields"]


def test_invalid_scope_or_rate_is_refused() -> None:
    assert _plan("REGIONAL", 10).one("aws:wafv2/webAcl:WebAcl").inputs["scope"] == "REGIONAL"
    with pytest.raises(Exception, match="scope"):
        _plan("GLOBAL")
    with pytest.raises(Exception, match="at least 10"):
        _plan(rate=9)
