"""The estimator on MySQL engines and on several databases in one stack.

Figures are read from prices.json by key (each entry cites its AWS pricing page), never from the estimator:
RDS for MySQL instance hours (rds.mysql.instance.*), Aurora MySQL provisioned hours
(aurora.mysql.instance.*), Serverless v2 ACU-hours and Aurora storage (the same rate for both Aurora engines),
RDS Proxy per vCPU-hour (minimum 2) or per ACU-hour (minimum 8) of its own targets.
"""

from __future__ import annotations

import json

import pytest

from cutover_guard import cost
from tests.policy.conftest import POLICY_DIR, res

PRICES = json.loads((POLICY_DIR / "cutover_guard" / "prices.json").read_text())["prices"]
HOURS = 730


def usd(key: str) -> float:
    return float(PRICES[key]["usd"])


def line(report: cost.CostReport, name: str) -> float:
    return sum(x.monthly_usd for x in report.lines if x.name == name)


def test_mysql_prices_cite_the_mysql_and_aurora_pricing_pages() -> None:
    mysql = {k: v for k, v in PRICES.items() if k.startswith("rds.mysql.instance.")}
    aurora = {k: v for k, v in PRICES.items() if k.startswith("aurora.mysql.instance.")}
    assert mysql and aurora
    assert {v["source"] for v in mysql.values()} == {"https://aws.amazon.com/rds/mysql/pricing/"}
    assert {v["source"] for v in aurora.values()} == {"https://aws.amazon.com/rds/aurora/pricing/"}
    assert all(v["unit"] == "hour" and v["usd"] > 0 for v in [*mysql.values(), *aurora.values()])


def test_rds_mysql_instance_is_priced_as_mysql() -> None:
    db = res("aws:rds/instance:Instance", "orders", inputs={
        "engine": "mysql", "instanceClass": "db.t3.medium", "multiAz": True, "allocatedStorage": 50,
        "storageType": "gp3"})
    expected = 2 * HOURS * usd("rds.mysql.instance.db.t3.medium") + 50 * usd("rds.storage.gp3.multiAz")
    assert line(cost.estimate([db], {}), "orders") == pytest.approx(expected)
    # The same class on PostgreSQL reads the PostgreSQL price: the two pages differ for db.t3.medium.
    assert usd("rds.mysql.instance.db.t3.medium") != usd("rds.instance.db.t3.medium")
    pg = res("aws:rds/instance:Instance", "pg", inputs={"engine": "postgres", "instanceClass": "db.t3.medium",
                                                        "multiAz": True, "allocatedStorage": 50})
    assert line(cost.estimate([pg], {}), "pg") == pytest.approx(
        2 * HOURS * usd("rds.instance.db.t3.medium") + 50 * usd("rds.storage.gp3.multiAz"))


def test_unpriced_mysql_class_is_reported_not_guessed() -> None:
    db = res("aws:rds/instance:Instance", "db", inputs={"engine": "mysql", "instanceClass": "db.x2g.16xlarge"})
    (entry,) = [x for x in cost.estimate([db], {}).lines if x.name == "db"]
    assert entry.monthly_usd == 0 and entry.detail.startswith(cost.UNPRICED)


def test_aurora_mysql_provisioned_and_serverless() -> None:
    cluster = res("aws:rds/cluster:Cluster", "reports", inputs={"engine": "aurora-mysql",
                                                               "clusterIdentifier": "shop-prod-db-reports"},
                  outputs={"id": "shop-prod-db-reports", "clusterIdentifier": "shop-prod-db-reports"})
    member = res("aws:rds/clusterInstance:ClusterInstance", "reports-1", inputs={
        "engine": "aurora-mysql", "instanceClass": "db.r6g.large", "clusterIdentifier": "shop-prod-db-reports"})
    rep = cost.estimate([cluster, member], {})
    assert line(rep, "reports-1") == pytest.approx(HOURS * usd("aurora.mysql.instance.db.r6g.large"))
    serverless = res("aws:rds/clusterInstance:ClusterInstance", "reports-1", inputs={
        "engine": "aurora-mysql", "instanceClass": "db.serverless", "clusterIdentifier": "shop-prod-db-reports",
        "promotionTier": 0})
    rep = cost.estimate([cluster, serverless], {"auroraAverageAcu": 1.5})
    assert line(rep, "reports-1") == pytest.approx(1.5 * HOURS * usd("aurora.serverlessV2.acu"))


def test_two_proxies_are_each_billed_on_their_own_targets() -> None:
    small = res("aws:rds/instance:Instance", "orders", inputs={"engine": "mysql", "identifier": "shop-prod-db-orders",
                                                               "instanceClass": "db.t4g.small"})
    big = res("aws:rds/instance:Instance", "ledger", inputs={"engine": "mysql", "identifier": "shop-prod-db-ledger",
                                                             "instanceClass": "db.t4g.xlarge"})
    p1 = res("aws:rds/proxy:Proxy", "orders-proxy", inputs={"name": "shop-prod-db-orders", "engineFamily": "MYSQL"})
    p2 = res("aws:rds/proxy:Proxy", "ledger-proxy", inputs={"name": "shop-prod-db-ledger", "engineFamily": "MYSQL"})
    t1 = res("aws:rds/proxyTarget:ProxyTarget", "orders-proxy-target", inputs={
        "dbProxyName": "shop-prod-db-orders", "dbInstanceIdentifier": "shop-prod-db-orders"})
    t2 = res("aws:rds/proxyTarget:ProxyTarget", "ledger-proxy-target", inputs={
        "dbProxyName": "shop-prod-db-ledger", "dbInstanceIdentifier": "shop-prod-db-ledger"})
    rep = cost.estimate([small, big, p1, p2, t1, t2], {})
    vcpus = json.loads((POLICY_DIR / "cutover_guard" / "prices.json").read_text())["vcpus"]
    per_vcpu = HOURS * usd("rds.proxy.vcpu")
    assert line(rep, "orders-proxy") == pytest.approx(max(2, vcpus["db.t4g.small"]) * per_vcpu)
    assert line(rep, "ledger-proxy") == pytest.approx(max(2, vcpus["db.t4g.xlarge"]) * per_vcpu)
    assert vcpus["db.t4g.xlarge"] > 2  # so the two lines differ: neither proxy is billed on both instances


def test_proxy_to_aurora_serverless_cluster_counts_that_clusters_acus() -> None:
    cluster = res("aws:rds/cluster:Cluster", "c", inputs={"engine": "aurora-mysql", "clusterIdentifier": "c1",
                                                          "serverlessv2ScalingConfiguration": {"minCapacity": 0.5}},
                  outputs={"id": "c1", "clusterIdentifier": "c1"})
    members = [res("aws:rds/clusterInstance:ClusterInstance", f"c-{n}", inputs={
        "instanceClass": "db.serverless", "clusterIdentifier": "c1", "promotionTier": 0}) for n in (1, 2)]
    other = res("aws:rds/instance:Instance", "orders", inputs={"engine": "mysql", "instanceClass": "db.t4g.small",
                                                               "identifier": "o"})
    proxy = res("aws:rds/proxy:Proxy", "c-proxy", inputs={"name": "c-proxy", "engineFamily": "MYSQL"})
    target = res("aws:rds/proxyTarget:ProxyTarget", "c-proxy-target", inputs={"dbProxyName": "c-proxy",
                                                                              "dbClusterIdentifier": "c1"})
    rep = cost.estimate([cluster, *members, other, proxy, target], {"auroraAverageAcu": 6})
    # 2 instances x 6 ACU = 12 ACU (over the 8-ACU minimum), not the RDS instance's vCPUs.
    assert line(rep, "c-proxy") == pytest.approx(12 * HOURS * usd("rds.proxy.acu"))
