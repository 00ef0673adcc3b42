"""A Mermaid diagram of a stack: components as subgraphs, their main resources as nodes, and the
front door's weighted routes as labelled edges (read from the planned engine inputs)."""

from __future__ import annotations

import re
from typing import Any

from cutover.plan.model import Plan, PlannedResource

# Resources worth a box; the rest (associations, policies, versions...) is detail.
MAIN_TYPES: dict[str, str] = {
    "aws:ec2/vpc:Vpc": "VPC",
    "aws:ec2/natGateway:NatGateway": "NAT gateway",
    "aws:ec2/instance:Instance": "EC2",
    "aws:s3/bucket:Bucket": "S3",
    "aws:secretsmanager/secret:Secret": "secret",
    "aws:lambda/function:Function": "λ",
    "aws:apigatewayv2/api:Api": "API Gateway",
    "aws:wafv2/webAcl:WebAcl": "WAF",
    "aws:cloudfront/distribution:Distribution": "CloudFront",
    "aws:dynamodb/table:Table": "DynamoDB",
    "aws:rds/instance:Instance": "RDS",
    "aws:rds/cluster:Cluster": "Aurora",
    "aws:rds/proxy:Proxy": "RDS Proxy",
    "aws:elasticache/replicationGroup:ReplicationGroup": "Redis",
    "aws:ses/domainIdentity:DomainIdentity": "SES",
    "aws:ecs/service:Service": "ECS service",
    "aws:ecr/repository:Repository": "ECR",
    "aws:lb/loadBalancer:LoadBalancer": "ALB",
    "aws:lb/targetGroup:TargetGroup": "target group",
    "aws:route53/record:Record": "Route 53",
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": "composite alarm",
    "aws:sns/topic:Topic": "SNS",
    "aws:iot/topicRule:TopicRule": "IoT rule",
    "aws:budgets/budget:Budget": "budget",
    "aws:cloudwatch/dashboard:Dashboard": "dashboard",
}
_MAX_PER_KIND = 6


def _id(r: PlannedResource) -> str:
    return "n" + re.sub(r"[^A-Za-z0-9]", "_", r.urn.split("::")[-1] + "_" + r.type.split(":")[-1])


def _label(r: PlannedResource) -> str:
    return f"{MAIN_TYPES[r.type]}<br/>{r.name}".replace('"', "'")


def _top_component(plan: Plan, r: PlannedResource, stack_urn: str) -> PlannedResource | None:
    cur: PlannedResource | None = r
    while cur is not None and cur.parent not in (None, stack_urn):
        cur = plan.by_urn(cur.parent) if cur.parent else None
    return cur if cur is not None and not cur.custom else None


def mermaid(plan: Plan) -> str:
    stacks = plan.of_type("pulumi:pulumi:Stack")
    stack_urn = stacks[0].urn if stacks else ""
    groups: dict[str, list[PlannedResource]] = {}
    titles: dict[str, str] = {}
    for r in plan:
        if r.type not in MAIN_TYPES:
            continue
        top = _top_component(plan, r, stack_urn)
        key = top.urn if top else "stack"
        titles[key] = f"{top.name} ({top.type.split(':')[-1]})" if top else "stack"
        groups.setdefault(key, []).append(r)
    lines = ["flowchart LR"]
    order = list(MAIN_TYPES)
    for key in sorted(groups, key=lambda k: titles[k]):
        members = sorted(groups[key], key=lambda r: (order.index(r.type), r.name))
        gid = "g" + re.sub(r"[^A-Za-z0-9]", "_", titles[key])
        lines.append(f'  subgraph {gid}["{titles[key]}"]')
        seen: dict[str, int] = {}
        for r in members:
            seen[r.type] = seen.get(r.type, 0) + 1
            if seen[r.type] <= _MAX_PER_KIND:
                lines.append(f'    {_id(r)}["{_label(r)}"]')
            elif seen[r.type] == _MAX_PER_KIND + 1:
                more = sum(1 for m in members if m.type == r.type) - _MAX_PER_KIND
                lines.append(f'    {_id(r)}["… {more} more {MAIN_TYPES[r.type]}"]')
        lines.append("  end")
    lines.extend(sorted(_routes(plan)))
    return "\n".join(lines)


def _routes(plan: Plan) -> list[str]:
    """Weighted edges: ALB forward actions, Route 53 weighted records, Lambda alias routing."""
    out: list[str] = []
    tgs = {r.outputs.get("arn"): r for r in plan.of_type("aws:lb/targetGroup:TargetGroup")}
    lbs = {r.outputs.get("arn"): r for r in plan.of_type("aws:lb/loadBalancer:LoadBalancer")}
    for listener in plan.of_type("aws:lb/listener:Listener"):
        lb = lbs.get(listener.inputs.get("loadBalancerArn"))
        for action in listener.inputs.get("defaultActions", []):
            for tg_ref in (action.get("forward") or {}).get("targetGroups", []):
                tg = tgs.get(tg_ref.get("arn"))
                if lb and tg:
                    out.append(f"  {_id(lb)} -- \"{tg_ref.get('weight', 1)}%\" --> {_id(tg)}")
    for record in plan.of_type("aws:route53/record:Record"):
        policies: list[dict[str, Any]] = record.inputs.get("weightedRoutingPolicies") or []
        if policies:
            target = _record_target(plan, record)
            if target is not None:
                out.append(f"  {_id(record)} -- \"{record.inputs.get('setIdentifier')} "
                           f"{policies[0].get('weight')}%\" --> {_id(target)}")
    return out


def _record_target(plan: Plan, record: PlannedResource) -> PlannedResource | None:
    names = {str(a.get("name", "")) for a in record.inputs.get("aliases", [])} | set(record.inputs.get("records", []))
    for r in plan:
        if r.type in MAIN_TYPES and names & {str(r.outputs.get("domainName", "")), str(r.outputs.get("dnsName", ""))}:
            return r
    return None
