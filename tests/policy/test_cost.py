"""The estimator against hand-computed figures, and its invariants."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cutover_guard import cost
from tests.policy.conftest import POLICY_DIR, profile, res, run


def line(report: cost.CostReport, name: str) -> float:
    return sum(x.monthly_usd for x in report.lines if x.name == name)


def test_every_price_has_usd_unit_source_and_date() -> None:
    doc = json.loads((POLICY_DIR / "cutover_guard" / "prices.json").read_text())
    assert doc["region"] == "us-east-1" and doc["hoursPerMonth"] == 730
    for key, entry in doc["prices"].items():
        assert {"usd", "unit", "source", "asOf"} <= set(entry), key
        assert entry["usd"] >= 0 and entry["source"].startswith("https://aws.amazon.com/"), key


def test_nat_instance_t4g_nano() -> None:
    nat = res("aws:ec2/instance:Instance", "nat", inputs={
        "instanceType": "t4g.nano", "rootBlockDevice": {"volumeSize": 8, "volumeType": "gp3"}})
    # 730 h x $0.0042 + 8 GB x $0.08
    assert line(cost.estimate([nat], {}), "nat") == pytest.approx(730 * 0.0042 + 8 * 0.08)


def test_rds_t4g_small_multi_az() -> None:
    db = res("aws:rds/instance:Instance", "db", inputs={
        "instanceClass": "db.t4g.small", "multiAz": True, "allocatedStorage": 20, "storageType": "gp3"})
    # 2 x 730 h x $0.032 + 20 GB x $0.23 (Multi-AZ gp3)
    assert line(cost.estimate([db], {}), "db") == pytest.approx(2 * 730 * 0.032 + 20 * 0.23)


def test_one_million_http_api_requests() -> None:
    api = res("aws:apigatewayv2/api:Api", "api", inputs={"protocolType": "HTTP"})
    assert line(cost.estimate([api], {"requestsPerMonth": 1_000_000}), "api") == pytest.approx(1.00)


def test_lambda_rds_proxy_aurora_fargate() -> None:
    fn = res("aws:lambda/function:Function", "fn", inputs={"name": "fn", "memorySize": 512,
                                                           "architectures": ["arm64"]})
    api = res("aws:lambda/permission:Permission", "fn-api", inputs={
        "function": "fn", "principal": "apigateway.amazonaws.com"})  # an HTTP API integration invokes it
    usage = {"requestsPerMonth": 2_000_000, "avgLambdaDurationMs": 100}
    # 2M x $0.20/M + 2M x 0.1 s x 0.5 GB x $0.0000133334
    assert line(cost.estimate([fn, api], usage), "fn") == pytest.approx(0.40 + 100_000 * 0.0000133334, abs=1e-3)
    db = res("aws:rds/instance:Instance", "db", inputs={"instanceClass": "db.t4g.small", "allocatedStorage": 20})
    proxy = res("aws:rds/proxy:Proxy", "proxy", inputs={"engineFamily": "POSTGRESQL"})
    assert line(cost.estimate([db, proxy], {}), "proxy") == pytest.approx(2 * 730 * 0.015)
    writer = res("aws:rds/clusterInstance:ClusterInstance", "w", inputs={"instanceClass": "db.serverless"})
    cluster = res("aws:rds/cluster:Cluster", "c", inputs={"serverlessv2ScalingConfiguration": {"minCapacity": 0}})
    rep = cost.estimate([cluster, writer], {"auroraAverageAcu": 0.5, "databaseStorageGb": 10})
    assert line(rep, "w") == pytest.approx(0.5 * 730 * 0.12)
    assert line(rep, "c") == pytest.approx(10 * 0.10)
    assert line(cost.estimate([cluster, writer], {"auroraAverageAcu": 0}), "w") == 0
    td = res("aws:ecs/taskDefinition:TaskDefinition", "td", inputs={"family": "api", "cpu": "256", "memory": "512"})
    svc = res("aws:ecs/service:Service", "svc", inputs={"launchType": "FARGATE", "taskDefinition": "api"})
    assert line(cost.estimate([td, svc], {"ecsAverageTaskCount": 2}), "svc") == pytest.approx(
        2 * 730 * (0.25 * 0.04048 + 0.5 * 0.004445), abs=1e-3)


def test_unpriced_size_is_reported_not_dropped() -> None:
    odd = res("aws:ec2/instance:Instance", "odd", inputs={"instanceType": "x2iedn.32xlarge"})
    (ln,) = cost.estimate([odd], {}).lines
    assert ln.monthly_usd == 0 and "no price" in ln.detail


RESOURCES = [
    res("aws:ec2/instance:Instance", "nat", inputs={"instanceType": "t4g.nano", "associatePublicIpAddress": True}),
    res("aws:ec2/natGateway:NatGateway", "natgw", inputs={}),
    res("aws:lb/loadBalancer:LoadBalancer", "alb", inputs={"internal": False}),
    res("aws:lambda/function:Function", "fn", inputs={"memorySize": 256, "architectures": ["arm64"]}),
    res("aws:apigatewayv2/api:Api", "http", inputs={"protocolType": "HTTP"}),
    res("aws:apigatewayv2/api:Api", "ws", inputs={"protocolType": "WEBSOCKET"}),
    res("aws:dynamodb/table:Table", "tbl", inputs={"billingMode": "PAY_PER_REQUEST"}),
    res("aws:s3/bucket:Bucket", "bkt", inputs={}),
    res("aws:cloudfront/distribution:Distribution", "cdn", inputs={}),
    res("aws:wafv2/webAcl:WebAcl", "waf", inputs={"scope": "REGIONAL", "rules": [{}, {}]}),
    res("aws:cloudwatch/logGroup:LogGroup", "logs", inputs={}),
    res("aws:ses/domainIdentity:DomainIdentity", "ses", inputs={}),
    res("aws:rds/cluster:Cluster", "aurora", inputs={"serverlessv2ScalingConfiguration": {}}),
    res("aws:rds/clusterInstance:ClusterInstance", "w", inputs={"instanceClass": "db.serverless"}),
    res("aws:rds/proxy:Proxy", "proxy", inputs={}),
    res("aws:ecs/taskDefinition:TaskDefinition", "td", inputs={"family": "api", "cpu": "512", "memory": "1024"}),
    res("aws:ecs/service:Service", "svc", inputs={"taskDefinition": "api", "capacityProviderStrategies": [
        {"capacityProvider": "FARGATE_SPOT", "weight": 1}, {"capacityProvider": "FARGATE", "weight": 1}]}),
    res("aws:iot/topicRule:TopicRule", "rule", inputs={"lambdas": [{}]}),
]
usage_values = st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False)
usage_st = st.fixed_dictionaries({}, optional={k: usage_values for k in cost.USAGE_KEYS})


@given(usage=usage_st, key=st.sampled_from(cost.USAGE_KEYS), extra=usage_values)
def test_estimate_never_negative_and_monotonic_in_usage(usage: dict[str, float], key: str, extra: float) -> None:
    before = cost.estimate(RESOURCES, usage)
    assert before.total_usd >= 0 and all(x.monthly_usd >= 0 for x in before.lines)
    grown = {**usage, key: usage.get(key, 0.0) + extra}
    after = cost.estimate(RESOURCES, grown)
    assert after.total_usd >= before.total_usd - 0.01
    for b, a in zip(before.lines, after.lines, strict=True):
        assert a.monthly_usd >= b.monthly_usd - 1e-6, (b, a)


def test_monthly_budget_names_top_three_drivers() -> None:
    rs = [profile("prod", budget=50.0, alert=40.0),
          res("aws:rds/instance:Instance", "db", inputs={"instanceClass": "db.t4g.small", "multiAz": True}),
          res("aws:ec2/natGateway:NatGateway", "natgw", inputs={}),
          res("aws:wafv2/webAcl:WebAcl", "waf", inputs={"rules": [{}]}),
          res("aws:kms/key:Key", "key", inputs={})]
    (v,) = run("monthly-budget", rs)
    assert v.level == "mandatory" and v.urn is None
    assert "exceeds the monthly budget of $50.00" in v.message
    drivers = v.message.split("Top cost drivers:")[1]
    assert "db" in drivers and "natgw" in drivers and "waf" in drivers and "key (" not in drivers
    assert len(run("budget-alert-threshold", rs, level="advisory")) == 1
    assert run("monthly-budget", [profile("prod", budget=10_000.0), *rs[1:]]) == []
    assert run("budget-alert-threshold", [profile("prod", budget=10_000.0, alert=9_000.0), *rs[1:]],
               level="advisory") == []


def test_budget_from_config_without_profile() -> None:
    db = res("aws:rds/instance:Instance", "db", inputs={"instanceClass": "db.t4g.small"})
    assert len(run("monthly-budget", [db], monthlyBudgetUsd=5.0)) == 1
    assert run("monthly-budget", [db]) == []  # no budget anywhere: not applicable


def test_monthly_budget_refuses_an_estimate_with_unpriced_resources() -> None:
    odd = res("aws:rds/instance:Instance", "db", inputs={"instanceClass": "db.x2iedn.32xlarge"})
    (v,) = run("monthly-budget", [profile("prod", budget=10_000.0), odd])
    assert v.level == "mandatory" and "have no price" in v.message and "db" in v.message
    priced = res("aws:rds/instance:Instance", "db", inputs={"instanceClass": "db.t3.medium", "multiAz": True,
                                                           "allocatedStorage": 50})
    assert run("monthly-budget", [profile("prod", budget=10_000.0), priced]) == []
    # seed 001's class: 2 x 730 h x $0.072 + 50 GB x $0.23
    assert line(cost.estimate([priced], {}), "db") == pytest.approx(2 * 730 * 0.072 + 50 * 0.23)


def test_aurora_reader_in_tier_2_idles_at_min_capacity() -> None:
    cluster = res("aws:rds/cluster:Cluster", "c", inputs={"serverlessv2ScalingConfiguration": {"minCapacity": 0.5}},
                  outputs={"id": "c1"})
    writer = res("aws:rds/clusterInstance:ClusterInstance", "w",
                 inputs={"instanceClass": "db.serverless", "clusterIdentifier": "c1", "promotionTier": 0})
    follower = res("aws:rds/clusterInstance:ClusterInstance", "f",
                   inputs={"instanceClass": "db.serverless", "clusterIdentifier": "c1", "promotionTier": 1})
    reader = res("aws:rds/clusterInstance:ClusterInstance", "r",
                 inputs={"instanceClass": "db.serverless", "clusterIdentifier": "c1", "promotionTier": 2})
    rep = cost.estimate([cluster, writer, follower, reader], {"auroraAverageAcu": 0.75})
    assert line(rep, "w") == line(rep, "f") == pytest.approx(0.75 * 730 * 0.12)  # tiers 0-1 follow the writer
    assert line(rep, "r") == pytest.approx(0.5 * 730 * 0.12)  # tier 2: its own load, floor minCapacity
    busy = cost.estimate([cluster, reader], {"auroraReaderAverageAcu": 1.5})
    assert line(busy, "r") == pytest.approx(1.5 * 730 * 0.12)


def test_cloudfront_always_free_tier_only_when_the_profile_claims_it() -> None:
    dist = res("aws:cloudfront/distribution:Distribution", "cdn", inputs={})
    usage = {"dataTransferOutGb": 20, "cloudfrontRequestsPerMonth": 3_000_000}
    assert line(cost.estimate([dist], usage), "cdn") == pytest.approx(20 * 0.085 + 300 * 0.01)
    assert line(cost.estimate([dist], {**usage, "cloudfrontFreeTierShare": 1}), "cdn") == 0
    big = {"dataTransferOutGb": 1500, "cloudfrontRequestsPerMonth": 30_000_000, "cloudfrontFreeTierShare": 1}
    assert line(cost.estimate([dist], big), "cdn") == pytest.approx(500 * 0.085 + 2000 * 0.01)
