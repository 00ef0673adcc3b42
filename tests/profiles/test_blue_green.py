"""Every profile's front door at every stage of its seed, the cleanup path, and its rollback."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cutover.plan import render
from cutover.plan.model import Plan
from tests.conftest import planned
from tests.profiles.data_states import evidence, flip_sets, planned_retired, planned_with

STAGES = {"yoga-serverless": (0, 5, 25, 50, 75, 100), "pos-serverless": (0, 10, 50, 100),
          "persona-serverless": (0, 10, 50, 100), "waiterix-serverless": (0, 10, 50, 100),
          "tracetrack-ecs": (0, 10, 50, 100)}
PIN = "overrides.traffic.stableVersions.api=7"  # waiterix: a pinned stable version allows 10 and 50


def sets(profile: str, *extra: str) -> tuple[str, ...]:
    return (f"profile={profile}", *((PIN,) if profile == "waiterix-serverless" else ()), *extra)


def green_share(plan: Plan) -> float:
    listeners = [r for r in plan.of_type("aws:lb/listener:Listener") if r.name == "front-door-https"]
    if listeners:
        tgs = {r.outputs["arn"]: r.name for r in plan.of_type("aws:lb/targetGroup:TargetGroup")}
        w = {tgs[t["arn"]]: t["weight"] for t in listeners[0].inputs["defaultActions"][0]["forward"]["targetGroups"]}
        return 100.0 * w.get("front-door-green", 0) / sum(w.values())
    records = [r for r in plan.of_type("aws:route53/record:Record") if r.inputs.get("setIdentifier")]
    if records:
        w = {r.inputs["setIdentifier"]: r.inputs["weightedRoutingPolicies"][0]["weight"] for r in records}
        return 100.0 * w.get("green", 0) / sum(w.values())
    (alias,) = [r for r in plan.of_type("aws:lambda/alias:Alias") if r.name == "serverless-api-live"]
    assert alias.inputs["functionVersion"] == "7"  # the pinned stable version is the primary (blue)
    new_version = plan.one("aws:lambda/function:Function", "serverless-api").outputs["version"]
    extra = alias.inputs["routingConfig"]["additionalVersionWeights"]  # the new version's share (green)
    assert set(extra) == {new_version}
    return 100.0 * extra[new_version]


def colors(plan: Plan) -> set[str]:
    # the alb front door has one green target group per routed service (front-door-green-<service>)
    tgs = {r.name.removeprefix("front-door-").split("-")[0] for r in plan.of_type("aws:lb/targetGroup:TargetGroup")
           if r.name.startswith("front-door-")}
    records = {r.inputs["setIdentifier"] for r in plan.of_type("aws:route53/record:Record")
               if r.inputs.get("setIdentifier")}
    return tgs | records


@pytest.mark.parametrize(("profile", "weight"), [(p, w) for p, ws in STAGES.items() for w in ws])
def test_green_share_equals_green_weight_at_every_stage(profile: str, weight: int) -> None:
    plan = planned("prod", *sets(profile, f"greenWeight={weight}"))
    assert green_share(plan) == pytest.approx(weight)
    if profile != "waiterix-serverless":
        assert colors(plan) == {"blue", "green"}  # both registered, also at 0 and 100
    assert plan.stack_outputs["frontDoor"]["greenShare"] == pytest.approx(weight)


def test_tracetrack_weights_the_replit_host_against_the_new_cloudfront() -> None:
    plan = planned("prod", "profile=tracetrack-ecs", "greenWeight=10")
    records = {r.inputs["setIdentifier"]: r for r in plan.of_type("aws:route53/record:Record")
               if r.inputs.get("setIdentifier")}
    cdn = plan.one("aws:cloudfront/distribution:Distribution", "green-cdn")
    # Blue is a host name without an alias zone, so the weighted set is CNAME: green names the distribution,
    # which lists the record's name as an alternate domain name.
    assert {k: r.inputs["type"] for k, r in records.items()} == {"blue": "CNAME", "green": "CNAME"}
    assert records["green"].inputs["records"] == [cdn.outputs["domainName"]]
    assert records["blue"].inputs["records"] == ["tracetrack.example.com"]
    assert records["green"].inputs["name"] in cdn.inputs["aliases"]
    checks = {r.name: r.inputs for r in plan.of_type("aws:route53/healthCheck:HealthCheck")}
    assert checks["front-door-green"]["fqdn"] == cdn.outputs["domainName"]
    assert checks["front-door-green"]["resourcePath"] == "/health"
    # seed 001's rollback triggers watch green's own load balancer
    alarms = {r.name: r.inputs for r in plan.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
              if r.name.startswith("rollback-")}
    assert set(alarms) == {"rollback-error-rate", "rollback-latency"}
    alb = plan.one("aws:lb/loadBalancer:LoadBalancer", "green-alb")
    assert alarms["rollback-latency"]["dimensions"]["LoadBalancer"] == alb.outputs["arnSuffix"]
    assert (alarms["rollback-latency"]["threshold"], alarms["rollback-latency"]["evaluationPeriods"]) == (0.5, 5)


def test_a_dev_record_the_distribution_does_not_serve_is_refused() -> None:
    from cutover.plan.engine import ProgramError

    with pytest.raises(ProgramError, match=r"cdn\.aliases.*does not list"):
        planned("dev", "profile=tracetrack-ecs", "overrides.traffic.frontDoor.recordName=other.example.com")


def test_persona_blue_is_the_current_ecs_system_behind_its_alb() -> None:
    plan = planned("prod", "profile=persona-serverless", "greenWeight=10")
    services = {r.inputs["name"]: r for r in plan.of_type("aws:ecs/service:Service")}
    assert sorted(services) == ["persona-prod-blue-api", "persona-prod-blue-web"]
    (cluster,) = plan.of_type("aws:ecs/cluster:Cluster")  # one cluster for both services
    assert {s.inputs["cluster"] for s in services.values()} == {cluster.outputs["arn"]}
    rule = plan.one("aws:lb/listenerRule:ListenerRule", "blue-api")
    assert rule.inputs["conditions"] == [{"pathPattern": {"values": ["/api/*", "/trpc/*"]}}]
    api_tg = plan.one("aws:lb/targetGroup:TargetGroup", "blue-alb-blue-api")
    assert rule.inputs["actions"][0]["targetGroupArn"] == api_tg.outputs["arn"]
    assert (api_tg.inputs["port"], api_tg.inputs["healthCheck"]["path"]) == (3001, "/health")
    blue_alb = plan.one("aws:lb/loadBalancer:LoadBalancer", "blue-alb")
    records = {r.inputs["setIdentifier"]: r.inputs for r in plan.of_type("aws:route53/record:Record")
               if r.inputs.get("setIdentifier") and r.inputs["name"] == "hibiji.com"}  # the site (api: its own pair)
    assert records["blue"]["aliases"][0]["name"] == blue_alb.outputs["dnsName"]
    assert records["blue"]["aliases"][0]["zoneId"] == blue_alb.outputs["zoneId"]
    assert records["blue"]["aliases"][0]["evaluateTargetHealth"] is True
    check = plan.one("aws:route53/healthCheck:HealthCheck", "front-door-blue").inputs
    assert (check["fqdn"], check["type"]) == (blue_alb.outputs["dnsName"], "HTTPS")  # no domainName: its DNS name
    frontend = plan.one("aws:cloudfront/distribution:Distribution", "frontend")
    assert records["green"]["aliases"][0]["name"] == frontend.outputs["domainName"]
    assert records["blue"]["weightedRoutingPolicies"][0]["weight"] + \
        records["green"]["weightedRoutingPolicies"][0]["weight"] > 0


def test_persona_retire_blue_unguards_the_ecs_side_then_drops_it_and_archives_its_database() -> None:
    live = planned("prod", "profile=persona-serverless", "greenWeight=100")
    # retire=blue needs the data flipped to green with clean receipts (tests/profiles/data_states.py)
    step1 = planned_retired("prod", "persona-serverless", "greenWeight=100", "retire=blue")
    step2 = planned_retired("prod", "persona-serverless", "greenWeight=100", "retire=blue", "retireData=true")
    assert live.one("aws:lb/loadBalancer:LoadBalancer", "blue-alb").inputs["enableDeletionProtection"] is True
    # step 1: routing goes, the load balancer loses its deletion protection (AWS refuses to delete it otherwise)
    assert colors(step1) == {"green"}
    assert step1.one("aws:lb/loadBalancer:LoadBalancer", "blue-alb").inputs["enableDeletionProtection"] is False
    assert not any(r.protect for r in step1 if r.name.startswith("blue-"))
    commands = step1.stack_outputs["archive"]["commands"]
    assert any("--db-instance-identifier persona-db " in c for c in commands)
    # step 2: blue's compute leaves; its images and access logs stay in AWS; green is untouched
    d = render.diff(step1, step2)
    gone = {r.name for r in d.deleted}
    assert {"blue-alb", "blue-web", "blue-api"} <= gone
    retained = sorted((r.type, r.name) for r in d.retained)
    assert [x for x in retained if not x[1].startswith("blue-alb-logs-")] == [
        ("aws:ecr/repository:Repository", "blue-api"), ("aws:ecr/repository:Repository", "blue-web"),
        ("aws:s3/bucket:Bucket", "blue-alb-logs")]
    # besides them, only the retained log bucket's own configuration (lifecycle, policy, ...) stays in AWS
    assert all(r.type.startswith("aws:s3/") for r in d.retained if r.name.startswith("blue-alb-logs-"))
    assert not step2.of_type("cutover:ecs:EcsColor")
    assert {r.urn for r in live if r.protect and not r.name.startswith("blue-")} <= {r.urn for r in step2 if r.protect}


@pytest.mark.parametrize("profile", ["yoga-serverless", "pos-serverless", "tracetrack-ecs"])
def test_retire_blue_removes_blue_routing_and_keeps_green(profile: str) -> None:
    flipped = evidence(profile, "prod", writer="green")  # the data moved to green before blue retires
    before = planned_with("prod", profile, "greenWeight=100", *flip_sets(profile), ssm=flipped)
    after = planned_retired("prod", profile, "greenWeight=100", "retire=blue")
    assert colors(after) == {"green"} and green_share(after) == 100
    d = render.diff(before, after)
    gone = {r.name for r in d.deleted}
    assert {"front-door-blue"} <= gone
    assert not d.retained and not d.snapshotted  # blue is external here: no data of its own in this stack
    assert not [r for r in after.of_type("cutover:traffic:Rollback")]  # nothing to roll back to
    assert after.stack_outputs["archive"]["bucket"] == f"{after.stack_outputs['profile'].split('-')[0]}-prod-archive-" \
                                                        "123456789012"
    protected_before = {r.urn for r in before if r.protect}
    assert protected_before <= {r.urn for r in after if r.protect}  # green's data untouched


def test_yoga_retire_blue_drops_the_peering_and_blue_targets() -> None:
    after = planned_retired("prod", "yoga-serverless", "greenWeight=100", "retire=blue")
    assert not after.of_type("aws:ec2/vpcPeeringConnection:VpcPeeringConnection")
    attachments = {r.name for r in after.of_type("aws:lb/targetGroupAttachment:TargetGroupAttachment")}
    assert attachments == {"front-door-green-alias"} | {f"front-door-green-{s}-alias" for s in YOGA_ROUTED
                                                         if s != "blog"}


def test_persona_retire_green_keeps_data_unprotected_then_drops_it_safely() -> None:
    live = planned("prod", "profile=persona-serverless")
    step1 = planned("prod", "profile=persona-serverless", "retire=green")
    step2 = planned("prod", "profile=persona-serverless", "retire=green", "retireData=true")
    assert colors(step1) == {"blue"} and not step1.of_type("cutover:serverless:ServerlessApp")
    cluster = step1.one("aws:rds/cluster:Cluster")
    assert cluster.inputs["deletionProtection"] is False and cluster.inputs["skipFinalSnapshot"] is False
    assert cluster.inputs["finalSnapshotIdentifier"] and not cluster.protect
    bucket = step1.one("aws:s3/bucket:Bucket", "frontend-bucket")
    assert (bucket.protect, bucket.retain_on_delete) == (False, True)
    assert live.one("aws:rds/cluster:Cluster").protect  # before cleanup: protected
    commands = step1.stack_outputs["archive"]["commands"]
    assert any(c.startswith("aws rds start-export-task") for c in commands)
    d = render.diff(step1, step2)
    assert [r.type for r in d.snapshotted] == ["aws:rds/cluster:Cluster"]
    assert "aws:s3/bucket:Bucket" in {r.type for r in d.retained}
    assert not any(r.protect for r in d.deleted + d.retained + d.snapshotted)
    # the domain's Route 53 records stay (seed 004): only the weighted green record went in step 1
    assert colors(step2) == {"blue"}
    assert step2.stack_outputs["archive"]["bucket"] == "persona-prod-archive-123456789012"


YOGA_ROUTED = ("admin", "auth", "blog", "booking", "gallery", "payment")  # every yoga service has HTTP routes


@pytest.mark.parametrize(("profile", "expected"), [
    # every green target group is watched: blog's (the default action's) and each routed service's
    ("yoga-serverless", {"error-rate": (1, 5), "latency": (2.0, 10),
                         **{f"error-rate-{s}": (1, 5) for s in YOGA_ROUTED if s != "blog"},
                         **{f"latency-{s}": (2.0, 10) for s in YOGA_ROUTED if s != "blog"}}),
    ("pos-serverless", {"lambda-errors-1": (5, 5), "lambda-errors-2": (5, 5), "api-5xx": (1, 5)}),
    ("persona-serverless", {"lambda-errors": (5, 5), "api-5xx": (1, 5)}),
])
def test_rollback_alarms_carry_the_seed_thresholds(profile: str, expected: dict[str, tuple[float, int]]) -> None:
    plan = planned("prod", *sets(profile, "greenWeight=0"))
    alarms = {r.name.removeprefix("rollback-"): r for r in plan.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
              if r.name.startswith("rollback-")}
    assert {k: (a.inputs["threshold"], a.inputs["evaluationPeriods"]) for k, a in alarms.items()} == expected
    rule = plan.one("aws:cloudwatch/compositeAlarm:CompositeAlarm").inputs["alarmRule"]
    assert sorted(rule.split(" OR ")) == sorted(f'ALARM("{a.inputs["name"]}")' for a in alarms.values())
    fn = plan.one("aws:lambda/function:Function", "rollback-fn")
    env = fn.inputs["environment"]["variables"]
    assert env["RECORD_PARAMETER"] == f"/{plan.stack_outputs['profile'].split('-')[0]}/prod/rollback/record"
    param = plan.one("aws:ssm/parameter:Parameter", "rollback-record")
    assert param.inputs["name"] == env["RECORD_PARAMETER"] and json.loads(param.inputs["value"]) == {"state": "clear"}


@pytest.mark.parametrize("weight", [0, 10, 100])
def test_alias_rollback_watches_the_new_version_and_resets_only_the_pinned_aliases(weight: int) -> None:
    plan = planned("prod", *sets("waiterix-serverless", f"greenWeight={weight}"))
    fn = plan.one("aws:lambda/function:Function", "serverless-api")
    (alarm,) = [r for r in plan.of_type("aws:cloudwatch/metricAlarm:MetricAlarm") if r.name.startswith("rollback-")]
    assert alarm.name == "rollback-lambda-errors"
    assert (alarm.inputs["threshold"], alarm.inputs["evaluationPeriods"]) == (5, 5)  # traffic.rollback
    dims = [q["metric"]["dimensions"] for q in alarm.inputs["metricQueries"] if "metric" in q]
    assert dims == [{"FunctionName": fn.outputs["name"], "Resource": f"{fn.outputs['name']}:live",
                     "ExecutedVersion": fn.outputs["version"]}] * 2  # Errors and Invocations of green only
    composite = plan.one("aws:cloudwatch/compositeAlarm:CompositeAlarm")
    assert composite.inputs["alarmRule"] == f'ALARM("{alarm.inputs["name"]}")'
    rb = plan.one("aws:lambda/function:Function", "rollback-fn")
    assert rb.inputs["environment"]["variables"] == {
        "FRONT_DOOR_KIND": "alias", "FUNCTION_NAMES": fn.outputs["name"], "ALIAS_NAME": "live",
        "RECORD_PARAMETER": "/waiterix/prod/rollback/record"}
    doc = json.loads(plan.one("aws:iam/rolePolicy:RolePolicy", "rollback-fn").inputs["policy"])
    by_sid = {st["Sid"]: st for st in doc["Statement"]}
    assert set(by_sid) == {"Logs", "XRay", "DeadLetterQueue", "RollbackRecord", "ResetAliases"}
    # GetAlias/UpdateAlias authorize against the unqualified function ARN: only the pinned service's function
    assert by_sid["ResetAliases"]["Action"] == ["lambda:GetAlias", "lambda:UpdateAlias"]
    assert by_sid["ResetAliases"]["Resource"] == [fn.outputs["arn"]]
    record = plan.one("aws:ssm/parameter:Parameter", "rollback-record")
    assert (by_sid["RollbackRecord"]["Action"], by_sid["RollbackRecord"]["Resource"]) == \
        (["ssm:GetParameter", "ssm:PutParameter"], [record.outputs["arn"]])


def test_alias_retire_blue_points_the_alias_at_the_new_version_only() -> None:
    plan = planned_retired("prod", "waiterix-serverless", PIN, "greenWeight=100", "retire=blue")
    alias = plan.one("aws:lambda/alias:Alias", "serverless-api-live")
    new_version = plan.one("aws:lambda/function:Function", "serverless-api").outputs["version"]
    assert alias.inputs["functionVersion"] == new_version
    assert "routingConfig" not in alias.inputs
    assert not plan.of_type("cutover:traffic:Rollback")  # nothing left to roll back to


def test_alias_without_a_pinned_version_has_nothing_to_roll_back_to() -> None:
    plan = planned("prod", "profile=waiterix-serverless", "greenWeight=100")
    assert not plan.of_type("cutover:traffic:Rollback")
    assert "routingConfig" not in plan.one("aws:lambda/alias:Alias", "serverless-api-live").inputs


def test_yoga_alb_reaches_the_legacy_vpc_through_the_public_route_table() -> None:
    plan = planned("prod", "profile=yoga-serverless", "greenWeight=5")
    public_rt = plan.one("aws:ec2/routeTable:RouteTable", "network-public")
    assert "routes" not in public_rt.inputs  # inline routes would delete the peering route below
    routes = {r.name: r.inputs for r in plan.of_type("aws:ec2/route:Route")}
    pcx = plan.one("aws:ec2/vpcPeeringConnection:VpcPeeringConnection")
    assert routes["front-door-to-legacy-0"] == {"routeTableId": public_rt.id, "destinationCidrBlock": "172.31.0.0/16",
                                                "vpcPeeringConnectionId": pcx.id}
    assert routes["network-public-internet"]["destinationCidrBlock"] == "0.0.0.0/0"
    acl = plan.one("aws:wafv2/webAcl:WebAcl", "regional-waf")
    (assoc,) = [r for r in plan.of_type("aws:wafv2/webAclAssociation:WebAclAssociation") if r.name == "front-door-waf"]
    assert acl.inputs["scope"] == "REGIONAL" and assoc.inputs["webAclArn"] == acl.outputs["arn"]


# ── yoga: the ALB front door routes green per service ────────────────────────────────────────────


def yoga_rules(plan: Plan) -> dict[str, list[Any]]:
    rules: dict[str, list[Any]] = {}
    for r in plan.of_type("aws:lb/listenerRule:ListenerRule"):
        if r.name.startswith("front-door-rule-"):
            rules.setdefault(r.name.removeprefix("front-door-rule-").split("-")[0], []).append(r)
    # by priority: registrations of sibling rules may reach the engine in any order
    return {svc: sorted(rs, key=lambda r: r.inputs["priority"]) for svc, rs in rules.items()}


@pytest.mark.parametrize("weight", [5, 75])
def test_yoga_routes_each_service_to_its_own_lambda_at_green_weight(weight: int) -> None:
    plan = planned("prod", "profile=yoga-serverless", f"greenWeight={weight}")
    listener = plan.one("aws:lb/listener:Listener", "front-door-https")
    tgs = {r.outputs["arn"]: r for r in plan.of_type("aws:lb/targetGroup:TargetGroup")}
    blue = plan.one("aws:lb/targetGroup:TargetGroup", "front-door-blue")
    rules = yoga_rules(plan)
    assert sorted(rules) == list(YOGA_ROUTED)
    profile_routes = {"auth": 6, "blog": 6, "admin": 5, "gallery": 4, "booking": 5, "payment": 3}
    priorities = [r.inputs["priority"] for rs in rules.values() for r in rs]
    assert len(priorities) == len(set(priorities)) and all(1 <= p <= 50000 for p in priorities)
    for svc, service_rules in rules.items():
        patterns = [v for r in service_rules for c in r.inputs["conditions"] for v in c["pathPattern"]["values"]]
        assert all(len(c["pathPattern"]["values"]) <= 5 for r in service_rules for c in r.inputs["conditions"])
        assert len(set(patterns)) <= profile_routes[svc] and all(p.startswith("/") for p in patterns)
        fn = plan.one("aws:lambda/function:Function", f"serverless-{svc}")
        for rule in service_rules:
            assert rule.inputs["listenerArn"] == listener.outputs["arn"]
            (action,) = rule.inputs["actions"]
            weights = {tgs[t["arn"]].name: t["weight"] for t in action["forward"]["targetGroups"]}
            own = "front-door-green" if svc == "blog" else f"front-door-green-{svc}"
            assert weights == {"front-door-blue": 100 - weight, own: weight}
            tg = tgs[next(t["arn"] for t in action["forward"]["targetGroups"] if t["arn"] != blue.outputs["arn"])]
            assert tg.inputs["targetType"] == "lambda"
            perm = plan.one("aws:lambda/permission:Permission", f"{own}-invoke")
            assert (perm.inputs["principal"], perm.inputs["sourceArn"]) == (
                "elasticloadbalancing.amazonaws.com", tg.outputs["arn"])
            assert (perm.inputs["function"], perm.inputs["qualifier"]) == (fn.outputs["name"], "live")
            attach = plan.one("aws:lb/targetGroupAttachment:TargetGroupAttachment", f"{own}-alias")
            assert attach.inputs["targetGroupArn"] == tg.outputs["arn"] and perm.urn in attach.dependencies
    assert rules["payment"][0].inputs["conditions"] == [{"pathPattern": {"values": [
        "/payment/intent", "/payment/webhook", "/payment/history"]}}]
    assert [len(r.inputs["conditions"][0]["pathPattern"]["values"]) for r in rules["auth"]] == [5, 1]  # 6 routes
    # whatever no rule matches: the default action, still blue vs blog at the same weight
    default = {tgs[t["arn"]].name: t["weight"] for t in listener.inputs["defaultActions"][0]["forward"]["targetGroups"]}
    assert default == {"front-door-blue": 100 - weight, "front-door-green": weight}


def test_yoga_promotion_changes_only_weights() -> None:
    """The existing target group and permission of blog keep their names: a promotion replaces nothing."""
    before = planned("prod", "profile=yoga-serverless", "greenWeight=5")
    after = planned("prod", "profile=yoga-serverless", "greenWeight=25")
    d = render.diff(before, after)
    assert not d.created and not d.deleted and not d.retained and not d.snapshotted
    changed = {r.name: keys for r, keys in d.changed if r.custom and r.name.startswith("front-door-")}
    assert changed == {"front-door-https": ["defaultActions"],
                       **{r.name: ["actions"] for rs in yoga_rules(after).values() for r in rs}}
    blog_tg = after.one("aws:lb/targetGroup:TargetGroup", "front-door-green")
    assert blog_tg.inputs["name"] == "yoga-prod-green"  # physical name as before per-service routing
    after.one("aws:lambda/permission:Permission", "front-door-green-invoke")


def test_yoga_rollback_may_reset_every_rule_of_its_listener_and_nothing_else() -> None:
    plan = planned("prod", "profile=yoga-serverless", "greenWeight=5")
    listener = plan.one("aws:lb/listener:Listener", "front-door-https").outputs["arn"]
    doc = json.loads(plan.one("aws:iam/rolePolicy:RolePolicy", "rollback-fn").inputs["policy"])
    by_sid = {st["Sid"]: st for st in doc["Statement"]}
    assert by_sid["ShiftListener"]["Resource"] == [listener]
    assert by_sid["ShiftRules"] == {"Sid": "ShiftRules", "Effect": "Allow",
                                    "Action": ["elasticloadbalancing:ModifyRule"],
                                    "Resource": [listener.replace(":listener/", ":listener-rule/") + "/*"]}
    env = plan.one("aws:lambda/function:Function", "rollback-fn").inputs["environment"]["variables"]
    assert env["LISTENER_ARN"] == listener
