"""RedisCache: encrypted, AUTH from Secrets Manager, Multi-AZ in prod, key TTLs as configuration."""

from __future__ import annotations

import json

from tests.conftest import planned

GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"


def test_multi_az_with_failover_in_prod_single_node_in_dev() -> None:
    prod = planned("prod", "profile=tracetrack-ecs").one(GROUP)
    dev = planned("dev", "profile=tracetrack-ecs").one(GROUP)
    p = prod.inputs
    assert (p["numCacheClusters"], p["automaticFailoverEnabled"], p["multiAzEnabled"]) == (2, True, True)
    assert p["engine"] == "redis" and p["nodeType"] == "cache.t4g.micro"  # seed 001's t3.micro on Graviton
    assert p["atRestEncryptionEnabled"] is True and p["transitEncryptionEnabled"] is True
    assert p["snapshotRetentionLimit"] == 7 and p["finalSnapshotIdentifier"] and prod.protect
    assert p["maintenanceWindow"] == "sun:05:00-sun:06:00"
    d = dev.inputs
    assert (d["numCacheClusters"], d["automaticFailoverEnabled"], d["multiAzEnabled"]) == (1, False, False)
    assert len(p["replicationGroupId"]) <= 40


def test_auth_token_only_in_the_group_and_its_secret() -> None:
    plan = planned("prod", "profile=pos-serverless")
    token = plan.one("random:index/randomPassword:RandomPassword", "cache-main-auth-token").outputs["result"]
    assert 16 <= len(token) <= 128 and not set(token) & set('@"/ ')
    assert plan.one(GROUP).inputs["authToken"] == token
    assert plan.one("aws:secretsmanager/secretVersion:SecretVersion", "cache-main-auth-token").inputs[
        "secretString"] == token
    holders = [r.name for r in plan if r.custom and token in json.dumps(r.inputs, default=str)]
    assert sorted(holders) == ["cache-main", "cache-main-auth-token"]  # the group and the secret version
    assert token not in json.dumps(plan.stack_outputs)


def test_consumers_get_the_secret_arn_and_key_ttls() -> None:
    plan = planned("dev", "profile=pos-serverless")
    env = plan.one("aws:lambda/function:Function", "serverless-orders").inputs["environment"]["variables"]
    secret = plan.one("aws:secretsmanager/secret:Secret", "cache-main-auth-token").id
    assert env["REDIS_AUTH_SECRET_ARN"] == secret and env["REDIS_PORT"] == "6379" and env["REDIS_TLS"] == "true"
    assert env["REDIS_HOST"] == plan.one(GROUP).outputs["primaryEndpointAddress"]
    assert json.loads(env["CACHE_KEY_TTLS"])["session:{token}"] == 86400
    assert env["CACHE_KEY_TTLS"] == json.dumps(json.loads(env["CACHE_KEY_TTLS"]), separators=(",", ":"))
    statements = json.loads(plan.one("aws:iam/rolePolicy:RolePolicy", "serverless-orders").inputs["policy"])
    (cache,) = [s for s in statements["Statement"] if s.get("Sid") == "UseCacheMain"]
    assert cache["Resource"] == [secret]
    assert cache["Action"] == ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"]


def test_pos_prod_single_node_carries_its_written_waiver() -> None:
    g = planned("prod", "profile=pos-serverless").one(GROUP).inputs
    assert (g["numCacheClusters"], g["automaticFailoverEnabled"], g["multiAzEnabled"]) == (1, False, False)
    (reason,) = [v for k, v in g["tags"].items() if k == "cutover:suppress:elasticache-multi-az"]
    assert "100 USD" in reason and g["snapshotRetentionLimit"] == 7
