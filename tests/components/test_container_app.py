"""ContainerApp through the tracetrack-ecs plans: networking, deployments, scaling, images, secrets."""

from __future__ import annotations

import json
from typing import Any

from cutover.plan.model import Plan, PlannedResource
from tests.conftest import planned

# blue's database secret, from profiles/tracetrack-ecs.yaml migrations.main.source
BLUE_DB_SECRET = "arn:aws:secretsmanager:us-east-1:111111111111:secret:tracetrack-replit-db-AbCdEf"
SERVICE = "aws:ecs/service:Service"
TASK = "aws:ecs/taskDefinition:TaskDefinition"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"


def _plan(stack: str) -> Plan:
    return planned(stack, "profile=tracetrack-ecs")


def _sg_id(plan: Plan, name: str) -> str:
    sg = plan.one("aws:ec2/securityGroup:SecurityGroup", name)
    assert sg.id is not None
    return sg.id


def _containers(plan: Plan) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in json.loads(plan.one(TASK).inputs["containerDefinitions"])}


def _policy(plan: Plan, name: str) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = json.loads(plan.one("aws:iam/rolePolicy:RolePolicy", name).inputs["policy"])[
        "Statement"]
    return statements


def test_service_runs_privately_behind_the_alb_only() -> None:
    plan = _plan("prod")
    svc = plan.one(SERVICE).inputs
    private = {s.id for s in plan.of_type("aws:ec2/subnet:Subnet") if s.name.startswith("network-private-")}
    assert set(svc["networkConfiguration"]["subnets"]) == private and len(private) == 2
    assert svc["networkConfiguration"]["assignPublicIp"] is False
    app_sg = _sg_id(plan, "green-app-sg")
    assert svc["networkConfiguration"]["securityGroups"] == [app_sg]
    into_app = [r.inputs for r in plan.of_type(INGRESS) if r.inputs["securityGroupId"] == app_sg]
    assert into_app == [{"securityGroupId": app_sg, "ipProtocol": "tcp", "fromPort": 5000, "toPort": 5000,
                         "referencedSecurityGroupId": _sg_id(plan, "green-alb-sg"),
                         "description": "from the load balancer only"}]
    assert svc["loadBalancers"] == [{"targetGroupArn": plan.one("aws:lb/targetGroup:TargetGroup").id,
                                     "containerName": "app", "containerPort": 5000}]


def test_deployments_roll_back_and_autoscaling_owns_the_count() -> None:
    plan = _plan("prod")
    svc = plan.one(SERVICE)
    assert svc.inputs["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert svc.inputs["healthCheckGracePeriodSeconds"] == 60
    assert svc.inputs["enableExecuteCommand"] is False and svc.inputs["propagateTags"] == "SERVICE"
    assert svc.ignore_changes == ("desiredCount",)
    assert "launchType" not in svc.inputs


def test_capacity_providers_base_and_spot_weights() -> None:
    prod, dev = _plan("prod"), _plan("dev")
    strategy = [{"capacityProvider": "FARGATE", "base": 2, "weight": 1},
                {"capacityProvider": "FARGATE_SPOT", "base": 0, "weight": 3}]
    assert prod.one(SERVICE).inputs["capacityProviderStrategies"] == strategy
    cp = prod.one("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders").inputs
    assert cp["capacityProviders"] == ["FARGATE", "FARGATE_SPOT"]
    assert cp["defaultCapacityProviderStrategies"] == strategy
    assert dev.one(SERVICE).inputs["capacityProviderStrategies"] == [
        {"capacityProvider": "FARGATE", "base": 0, "weight": 0},
        {"capacityProvider": "FARGATE_SPOT", "base": 0, "weight": 1}]
    assert prod.one("aws:ecs/cluster:Cluster").inputs["settings"] == [{"name": "containerInsights",
                                                                       "value": "enabled"}]


def test_autoscaling_bounds_and_both_target_tracking_policies() -> None:
    for stack, bounds in (("prod", (2, 20)), ("dev", (1, 2))):
        plan = _plan(stack)
        target = plan.one("aws:appautoscaling/target:Target").inputs
        assert (target["minCapacity"], target["maxCapacity"]) == bounds
        assert target["scalableDimension"] == "ecs:service:DesiredCount"
        assert plan.one(SERVICE).inputs["desiredCount"] == bounds[0]
    plan = _plan("prod")
    policies = {p.name: p.inputs["targetTrackingScalingPolicyConfiguration"]
                for p in plan.of_type("aws:appautoscaling/policy:Policy")}
    assert set(policies) == {"green-app-cpu", "green-app-requests"}
    assert policies["green-app-cpu"]["predefinedMetricSpecification"] == {
        "predefinedMetricType": "ECSServiceAverageCPUUtilization"}
    lb = plan.one("aws:lb/loadBalancer:LoadBalancer").outputs["arnSuffix"]
    tg = plan.one("aws:lb/targetGroup:TargetGroup").outputs["arnSuffix"]
    assert policies["green-app-requests"]["predefinedMetricSpecification"] == {
        "predefinedMetricType": "ALBRequestCountPerTarget", "resourceLabel": f"{lb}/{tg}"}


def test_ecr_scans_on_push_and_tags_are_immutable() -> None:
    plan = _plan("prod")
    repo = plan.one("aws:ecr/repository:Repository")
    assert repo.inputs["imageScanningConfiguration"] == {"scanOnPush": True}
    assert repo.inputs["imageTagMutability"] == "IMMUTABLE"
    assert repo.inputs["encryptionConfigurations"] == [{"encryptionType": "AES256"}]
    rules = json.loads(plan.one("aws:ecr/lifecyclePolicy:LifecyclePolicy").inputs["policy"])["rules"]
    assert rules[1]["selection"] == {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 30}
    assert _containers(plan)["app"]["image"] == f"{repo.outputs['repositoryUrl']}:0.1.0"


def test_task_definition_is_fargate_non_root_and_read_only() -> None:
    plan = _plan("prod")
    td = plan.one(TASK).inputs
    assert td["networkMode"] == "awsvpc" and td["requiresCompatibilities"] == ["FARGATE"]
    assert (td["cpu"], td["memory"]) == ("512", "1024")
    assert td["runtimePlatform"] == {"operatingSystemFamily": "LINUX", "cpuArchitecture": "ARM64"}
    app = _containers(plan)["app"]
    assert app["user"] == "1000" and app["readonlyRootFilesystem"] is True and app["privileged"] is False
    assert app["mountPoints"] == [{"sourceVolume": "scratch", "containerPath": "/tmp", "readOnly": False}]
    assert td["volumes"] == [{"name": "scratch"}]
    assert app["portMappings"] == [{"containerPort": 5000, "hostPort": 5000, "protocol": "tcp", "name": "http"}]
    log_group = plan.one("aws:cloudwatch/logGroup:LogGroup", "green-app-logs")
    assert log_group.inputs["retentionInDays"] == 90
    assert app["logConfiguration"]["options"]["awslogs-group"] == log_group.inputs["name"]
    assert app["healthCheck"]["command"] == ["CMD-SHELL", "curl -fsS http://localhost:5000/health || exit 1"]


def test_no_plaintext_secrets_in_container_definitions() -> None:
    plan = _plan("prod")
    app = _containers(plan)["app"]
    secrets = {s.name: s.id for s in plan.of_type("aws:secretsmanager/secret:Secret")}
    assert app["secrets"] == [{"name": "DEVICE_API_KEY", "valueFrom": secrets["secrets-device-api-key"]},
                              {"name": "SESSION_SECRET", "valueFrom": secrets["secrets-session-secret"]}]
    env = {e["name"]: e["value"] for e in app["environment"]}
    assert {"DB_HOST", "DB_SECRET_ARN", "REDIS_HOST", "REDIS_AUTH_SECRET_ARN", "APP_ENV"} <= set(env)
    # The data plan's writer is blue and Route 53 cannot route writes: green uses blue's database (the
    # one written copy) through blue's own secret ARN, never its RDS instance's master secret.
    assert env["DB_SECRET_ARN"] == BLUE_DB_SECRET and "DB_USER" not in env
    values = {r.outputs["result"] for r in plan.of_type("random:index/randomPassword:RandomPassword")}
    text = plan.one(TASK).inputs["containerDefinitions"]
    assert not any(v in text for v in values)
    assert not any(k for k in env if "PASSWORD" in k or k.endswith("_KEY"))


def test_xray_sidecar_and_role_split() -> None:
    plan = _plan("prod")
    xray = _containers(plan)["xray-daemon"]
    assert xray["image"].startswith("public.ecr.aws/xray/aws-xray-daemon") and xray["essential"] is False
    task = {s["Sid"]: s for s in _policy(plan, "green-app-task")}
    assert task["XRay"]["Action"] == ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
    assert set(task) == {"XRay", "UseDatabaseMain", "UseCacheMain"}
    execution = {s["Sid"]: s for s in _policy(plan, "green-app-execution")}
    repo = plan.one("aws:ecr/repository:Repository").outputs["arn"]
    assert execution["PullImage"]["Resource"] == [repo]
    assert len(execution["InjectSecrets"]["Resource"]) == 2
    assert execution["InjectSecrets"]["Action"] == ["secretsmanager:GetSecretValue"]


def test_stores_admit_the_service_by_reference() -> None:
    plan = _plan("prod")
    app_sg = _sg_id(plan, "green-app-sg")
    rules: list[PlannedResource] = [r for r in plan.of_type(INGRESS)
                                    if r.inputs.get("referencedSecurityGroupId") == app_sg]
    # green's own PostgreSQL admits it only once it writes there (the writer flip): until then the
    # service writes through to blue's database, the one written copy (cutover/data_guard.py)
    assert sorted((r.inputs["securityGroupId"], r.inputs["fromPort"]) for r in rules) == [
        (_sg_id(plan, "cache-main-sg"), 6379)]


def test_service_waits_for_the_clusters_capacity_providers() -> None:
    # CreateService with a FARGATE/FARGATE_SPOT strategy fails until PutClusterCapacityProviders has
    # associated them (ECS API, CapacityProviderStrategyItem: "Only capacity providers that are already
    # associated with a cluster ... can be used"); the service references only the cluster's ARN.
    for stack in ("dev", "prod"):
        plan = _plan(stack)
        cp = plan.one("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders")
        assert cp.urn in plan.one(SERVICE).dependencies


def test_spot_tasks_run_on_a_platform_that_places_them() -> None:
    # FARGATE_SPOT runs X86_64 Linux tasks on platform 1.3.0+ and ARM64 on 1.4.0+ (ECS API reference,
    # CapacityProviderStrategyItem): LATEST resolves to 1.4.0 for Linux.
    for stack in ("dev", "prod"):
        plan = _plan(stack)
        svc = plan.one(SERVICE).inputs
        assert any(s["capacityProvider"] == "FARGATE_SPOT" for s in svc["capacityProviderStrategies"])
        assert svc["platformVersion"] == "LATEST"
        assert plan.one(TASK).inputs["runtimePlatform"]["operatingSystemFamily"] == "LINUX"
