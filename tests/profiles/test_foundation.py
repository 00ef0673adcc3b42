"""Every profile plans end to end in dev and prod with the foundation's guarantees."""

from __future__ import annotations

import json

from cutover.plan.model import Plan

REQUIRED_TAGS = {"project", "environment", "cost-center", "managed-by"}
STATEFUL = ("aws:s3/bucket:Bucket", "aws:dynamodb/table:Table", "aws:rds/instance:Instance",
            "aws:rds/cluster:Cluster", "aws:secretsmanager/secret:Secret",
            "aws:elasticache/replicationGroup:ReplicationGroup")


def test_plans_with_network_storage_and_secrets(profile_plan: tuple[str, str, Plan]) -> None:
    profile, stack, plan = profile_plan
    assert plan.stack_outputs["profile"] == profile
    assert plan.stack_outputs["environment"] == stack
    assert len(plan.of_type("cutover:network:Network")) == 1
    assert len(plan.of_type("aws:ec2/vpc:Vpc")) == 1
    assert plan.of_type("cutover:index:StackProfile")[0].inputs["environment"] == stack


def test_one_explicit_provider_carries_the_required_tags(profile_plan: tuple[str, str, Plan]) -> None:
    _, stack, plan = profile_plan
    (provider,) = plan.of_type("pulumi:providers:aws")
    tags = json.loads(provider.inputs["defaultTags"])["tags"]
    assert set(tags) >= REQUIRED_TAGS
    assert tags["environment"] == stack and tags["managed-by"] == "pulumi" and tags["project"] == "cutover"
    aws_resources = [r for r in plan if r.custom and r.type.startswith("aws:")]
    assert aws_resources
    assert {r.provider_urn for r in aws_resources} == {provider.urn}


def test_every_resource_has_a_parent_component(profile_plan: tuple[str, str, Plan]) -> None:
    _, _, plan = profile_plan
    stack_urn = plan.of_type("pulumi:pulumi:Stack")[0].urn
    for r in plan:
        if r.custom and not r.type.startswith("pulumi:providers:"):
            assert r.parent != stack_urn, f"{r.name} ({r.type}) is not inside a component"


def test_stateful_resources_are_protected_in_prod_only(profile_plan: tuple[str, str, Plan]) -> None:
    _, stack, plan = profile_plan
    for r in plan.of_type(*STATEFUL):
        if r.type == "aws:s3/bucket:Bucket" and r.inputs.get("forceDestroy"):
            continue  # scratch buckets (e.g. a 1-day temp bucket) opt out explicitly
        assert r.protect is (stack == "prod"), r.name
        assert r.retain_on_delete is (stack == "prod"), r.name


def test_outputs_hold_no_secret_values(profile_plan: tuple[str, str, Plan]) -> None:
    _, _, plan = profile_plan
    secrets = [r.outputs["result"] for r in plan.of_type("random:index/randomPassword:RandomPassword")]
    text = json.dumps(plan.stack_outputs, default=str)
    assert secrets and all(s not in text for s in secrets)
