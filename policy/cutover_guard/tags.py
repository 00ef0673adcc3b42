"""Required tags on every taggable resource, counting the AWS provider's ``defaultTags``."""

from __future__ import annotations

import json
from typing import Any, Final

from pulumi_policy import ReportViolation, ResourceValidationArgs

from cutover_guard._util import entries, get, is_unknown, resource_policy

DEFAULT_REQUIRED_TAGS: Final = ["project", "environment", "cost-center", "managed-by"]

# Platform resource types whose pulumi-aws 7.x schema has a ``tags`` input.
TAGGABLE_TYPES: Final = frozenset({
    "aws:apigatewayv2/api:Api", "aws:apigatewayv2/domainName:DomainName", "aws:apigatewayv2/stage:Stage",
    "aws:appautoscaling/target:Target", "aws:budgets/budget:Budget", "aws:cloudfront/distribution:Distribution",
    "aws:cloudwatch/compositeAlarm:CompositeAlarm", "aws:cloudwatch/logGroup:LogGroup",
    "aws:cloudwatch/metricAlarm:MetricAlarm", "aws:dynamodb/table:Table", "aws:ebs/volume:Volume",
    "aws:ec2/eip:Eip", "aws:ec2/flowLog:FlowLog", "aws:ec2/instance:Instance",
    "aws:ec2/internetGateway:InternetGateway", "aws:ec2/natGateway:NatGateway", "aws:ec2/routeTable:RouteTable",
    "aws:ec2/securityGroup:SecurityGroup", "aws:ec2/subnet:Subnet", "aws:ec2/vpc:Vpc",
    "aws:ec2/vpcEndpoint:VpcEndpoint", "aws:ecr/repository:Repository", "aws:ecs/cluster:Cluster",
    "aws:ecs/service:Service", "aws:ecs/taskDefinition:TaskDefinition",
    "aws:elasticache/replicationGroup:ReplicationGroup", "aws:elasticache/subnetGroup:SubnetGroup",
    "aws:iam/policy:Policy", "aws:iam/role:Role", "aws:iot/policy:Policy", "aws:iot/thingType:ThingType",
    "aws:iot/topicRule:TopicRule", "aws:kms/key:Key", "aws:lambda/function:Function", "aws:lb/listener:Listener",
    "aws:lb/listenerRule:ListenerRule", "aws:lb/loadBalancer:LoadBalancer", "aws:lb/targetGroup:TargetGroup",
    "aws:rds/cluster:Cluster", "aws:rds/clusterInstance:ClusterInstance", "aws:rds/instance:Instance",
    "aws:rds/proxy:Proxy", "aws:rds/subnetGroup:SubnetGroup", "aws:route53/healthCheck:HealthCheck",
    "aws:route53/zone:Zone", "aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2",
    "aws:secretsmanager/secret:Secret", "aws:sns/topic:Topic", "aws:sqs/queue:Queue", "aws:ssm/parameter:Parameter",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "aws:wafv2/webAcl:WebAcl",
})


def _tag_keys(tags: Any) -> tuple[set[str], bool]:
    """Known tag keys with a value, and whether the whole map is unknown."""
    if is_unknown(tags):
        return set(), True
    if isinstance(tags, str):  # provider config may arrive JSON-encoded
        try:
            tags = json.loads(tags)
        except ValueError:
            return set(), False
    # an unknown value still counts: the key is there
    return {k for k, v in entries(tags) if v not in (None, "")}, False


def provider_default_tags(args: ResourceValidationArgs) -> tuple[set[str], bool]:
    if args.provider is None:
        return set(), False
    default_tags = get(args.provider.props, "defaultTags")
    if isinstance(default_tags, str):
        try:
            default_tags = json.loads(default_tags)
        except ValueError:
            return set(), False
    return _tag_keys(get(default_tags, "tags"))


def _required_tags(args: ResourceValidationArgs, report: ReportViolation) -> None:
    required = list(args.get_config().get("requiredTags", DEFAULT_REQUIRED_TAGS))
    own, own_unknown = _tag_keys(get(args.props, "tags"))
    defaults, defaults_unknown = provider_default_tags(args)
    if own_unknown or defaults_unknown:
        return
    missing = [t for t in required if t not in own | defaults]
    if missing:
        report(f"Missing required tags {missing} (neither on the resource nor in the provider's defaultTags).", None)


required_tags = resource_policy(
    "required-tags", "Taggable resources must carry project, environment, cost-center and managed-by tags.",
    TAGGABLE_TYPES, _required_tags,
    config={"requiredTags": {"type": "array", "items": {"type": "string"}, "default": DEFAULT_REQUIRED_TAGS}})

POLICIES: Final = [required_tags]
