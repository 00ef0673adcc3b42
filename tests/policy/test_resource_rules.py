"""Every resource rule: one violating and one compliant resource, in engine (camelCase) property names."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.policy.conftest import TAGS, res, run

ADMIN_DOC = json.dumps({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}})
SCOPED_DOC = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["dynamodb:GetItem"], "Resource": ["arn:aws:dynamodb:us-east-1:1:table/t"]}]})
PUBLIC_POLICY = json.dumps({"Statement": [{"Sid": "Public", "Effect": "Allow", "Principal": "*",
                                           "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]})
OAC_POLICY = json.dumps({"Statement": [{"Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"},
                                        "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
                                       {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject",
                                        "Resource": "arn:aws:s3:::b/*",
                                        "Condition": {"StringEquals": {
                                            "aws:SourceArn": "arn:aws:cloudfront::1:d/X"}}}]})
HTTPS_REDIRECT = [{"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}]
FARGATE_TD = {"requiresCompatibilities": ["FARGATE"], "cpu": "256", "memory": "512", "family": "api"}


def containers(**container: Any) -> dict[str, Any]:
    return {"containerDefinitions": json.dumps([{"name": "app", "image": "x", **container}])}


# (policy, type, violating inputs, compliant inputs, environment)
CASES: list[tuple[str, str, dict[str, Any], dict[str, Any], str]] = [
    ("s3-public-access-block-flags", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
     {"bucket": "b", "blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True},
     {"bucket": "b", "blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True,
      "restrictPublicBuckets": True}, "dev"),
    ("s3-no-public-acl", "aws:s3/bucket:Bucket", {"acl": "public-read"}, {"acl": "private"}, "dev"),
    ("s3-no-public-acl", "aws:s3/bucketAcl:BucketAcl",
     {"bucket": "b", "accessControlPolicy": {"owner": {"id": "o"}, "grants": [
         {"permission": "READ", "grantee": {"type": "Group",
                                            "uri": "http://acs.amazonaws.com/groups/global/AllUsers"}}]}},
     {"bucket": "b", "acl": "private"}, "dev"),
    ("s3-no-public-policy", "aws:s3/bucketPolicy:BucketPolicy", {"bucket": "b", "policy": PUBLIC_POLICY},
     {"bucket": "b", "policy": OAC_POLICY}, "dev"),
    ("sg-no-public-ingress", "aws:ec2/securityGroup:SecurityGroup",
     {"ingress": [{"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": ["0.0.0.0/0"]}]},
     {"ingress": [{"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"]},
                  {"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["10.0.0.0/16"]}]}, "dev"),
    ("sg-no-public-ingress", "aws:ec2/securityGroupRule:SecurityGroupRule",
     {"type": "ingress", "protocol": "-1", "fromPort": 0, "toPort": 0, "ipv6CidrBlocks": ["::/0"]},
     {"type": "egress", "protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}, "dev"),
    ("sg-no-public-ingress", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
     {"ipProtocol": "tcp", "fromPort": 5432, "toPort": 5432, "cidrIpv4": "0.0.0.0/0"},
     {"ipProtocol": "tcp", "fromPort": 80, "toPort": 80, "cidrIpv4": "0.0.0.0/0"}, "dev"),
    ("alb-listener-tls", "aws:lb/listener:Listener",
     {"protocol": "HTTPS", "port": 443, "sslPolicy": "ELBSecurityPolicy-2016-08"},
     {"protocol": "HTTPS", "port": 443, "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06"}, "dev"),
    ("alb-listener-tls", "aws:lb/listener:Listener",
     {"protocol": "HTTP", "port": 80, "defaultActions": [{"type": "forward", "targetGroupArn": "tg"}]},
     {"protocol": "HTTP", "port": 80, "defaultActions": HTTPS_REDIRECT}, "dev"),
    ("alb-access-logs", "aws:lb/loadBalancer:LoadBalancer", {"internal": False},
     {"accessLogs": {"bucket": "logs", "enabled": True}}, "dev"),
    ("lb-deletion-protection", "aws:lb/loadBalancer:LoadBalancer", {"internal": False},
     {"enableDeletionProtection": True}, "prod"),
    ("iam-no-admin-statements", "aws:iam/policy:Policy", {"policy": ADMIN_DOC}, {"policy": SCOPED_DOC}, "dev"),
    ("iam-no-admin-statements", "aws:iam/rolePolicy:RolePolicy", {"role": "r", "policy": ADMIN_DOC},
     {"role": "r", "policy": SCOPED_DOC}, "dev"),
    ("iam-no-admin-statements", "aws:iam/role:Role", {"inlinePolicies": [{"name": "x", "policy": ADMIN_DOC}]},
     {"inlinePolicies": [{"name": "x", "policy": SCOPED_DOC}]}, "dev"),
    ("iam-no-admin-managed-policy", "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
     {"role": "r", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
     {"role": "r", "policyArn": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}, "dev"),
    ("iam-no-admin-managed-policy", "aws:iam/role:Role",
     {"managedPolicyArns": ["arn:aws:iam::aws:policy/AdministratorAccess"]}, {"managedPolicyArns": []}, "dev"),
    ("iam-no-aws-managed-policies", "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
     {"role": "r", "policyArn": "arn:aws:iam::aws:policy/AmazonS3FullAccess"},
     {"role": "r", "policyArn": "arn:aws:iam::123456789012:policy/mine"}, "dev"),
    ("iam-no-wildcard-permissions", "aws:iam/rolePolicy:RolePolicy",
     {"role": "r", "policy": json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})},
     {"role": "r", "policy": json.dumps({"Statement": [{"Effect": "Allow", "Action": "xray:PutTraceSegments",
                                                        "Resource": "*"}]})}, "dev"),
    ("lambda-permission-no-public", "aws:lambda/permission:Permission",
     {"action": "lambda:InvokeFunction", "function": "f", "principal": "*"},
     {"action": "lambda:InvokeFunction", "function": "f", "principal": "apigateway.amazonaws.com"}, "dev"),
    ("lambda-permission-source-arn", "aws:lambda/permission:Permission",
     {"action": "lambda:InvokeFunction", "function": "f", "principal": "apigateway.amazonaws.com"},
     {"action": "lambda:InvokeFunction", "function": "f", "principal": "apigateway.amazonaws.com",
      "sourceArn": "arn:aws:execute-api:us-east-1:1:abc/*/*"}, "dev"),
    ("lambda-url-auth", "aws:lambda/functionUrl:FunctionUrl", {"functionName": "f", "authorizationType": "NONE"},
     {"functionName": "f", "authorizationType": "AWS_IAM"}, "dev"),
    ("ec2-imdsv2", "aws:ec2/instance:Instance", {"instanceType": "t4g.nano"},
     {"instanceType": "t4g.nano", "metadataOptions": {"httpTokens": "required"}}, "dev"),
    ("ec2-no-public-ip", "aws:ec2/instance:Instance", {"associatePublicIpAddress": True},
     {"associatePublicIpAddress": True, "sourceDestCheck": False}, "dev"),
    ("ebs-encrypted", "aws:ec2/instance:Instance", {"rootBlockDevice": {"volumeSize": 8}},
     {"rootBlockDevice": {"volumeSize": 8, "encrypted": True}}, "dev"),
    ("ebs-encrypted", "aws:ebs/volume:Volume", {"size": 10}, {"size": 10, "encrypted": True}, "dev"),
    ("ec2-detailed-monitoring", "aws:ec2/instance:Instance", {}, {"monitoring": True}, "dev"),
    ("lambda-supported-runtime", "aws:lambda/function:Function", {"runtime": "python3.8"},
     {"runtime": "python3.13"}, "dev"),
    ("lambda-supported-runtime", "aws:lambda/function:Function", {"runtime": "go1.x"},
     {"packageType": "Image"}, "dev"),
    ("lambda-no-env-secrets", "aws:lambda/function:Function",
     {"environment": {"variables": {"DB_PASSWORD": "hunter2", "STAGE": "dev"}}},
     {"environment": {"variables": {"DB_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:1:secret:db",
                                    "API_KEY_PARAMETER": "/pos/api-key", "STAGE": "dev"}}}, "dev"),
    ("ecr-scan-on-push", "aws:ecr/repository:Repository", {"imageScanningConfiguration": {"scanOnPush": False}},
     {"imageScanningConfiguration": {"scanOnPush": True}}, "dev"),
    ("ecr-immutable-tags", "aws:ecr/repository:Repository", {"imageTagMutability": "MUTABLE"},
     {"imageTagMutability": "IMMUTABLE"}, "dev"),
    ("ecs-no-privileged", "aws:ecs/taskDefinition:TaskDefinition", containers(privileged=True),
     containers(privileged=False), "dev"),
    ("ecs-no-env-secrets", "aws:ecs/taskDefinition:TaskDefinition",
     containers(environment=[{"name": "STRIPE_API_KEY", "value": "sk_live_abcdefghijklmnop"}]),
     containers(environment=[{"name": "PORT", "value": "8080"}],
                secrets=[{"name": "STRIPE_API_KEY", "valueFrom": "arn:aws:secretsmanager:us-east-1:1:secret:s"}]),
     "dev"),
    ("ecs-container-logging", "aws:ecs/taskDefinition:TaskDefinition", containers(),
     containers(logConfiguration={"logDriver": "awslogs", "options": {}}), "dev"),
    ("ecs-no-public-ip", "aws:ecs/service:Service", {"networkConfiguration": {"assignPublicIp": True,
                                                                              "subnets": ["s"]}},
     {"networkConfiguration": {"assignPublicIp": False, "subnets": ["s"]}}, "dev"),
    ("ecs-container-insights", "aws:ecs/cluster:Cluster", {},
     {"settings": [{"name": "containerInsights", "value": "enabled"}]}, "dev"),
    ("rds-storage-encrypted", "aws:rds/instance:Instance", {"instanceClass": "db.t4g.small"},
     {"instanceClass": "db.t4g.small", "storageEncrypted": True}, "dev"),
    ("rds-storage-encrypted", "aws:rds/cluster:Cluster", {"engine": "aurora-postgresql", "storageEncrypted": False},
     {"engine": "aurora-postgresql", "storageEncrypted": True}, "dev"),
    ("rds-not-public", "aws:rds/instance:Instance", {"publiclyAccessible": True}, {"publiclyAccessible": False},
     "dev"),
    ("rds-not-public", "aws:rds/clusterInstance:ClusterInstance", {"publiclyAccessible": True}, {}, "dev"),
    ("rds-backup-retention", "aws:rds/instance:Instance", {"backupRetentionPeriod": 1},
     {"backupRetentionPeriod": 7}, "prod"),
    ("rds-backup-retention", "aws:rds/cluster:Cluster", {"backupRetentionPeriod": 0},
     {"backupRetentionPeriod": 1}, "dev"),
    ("rds-deletion-protection", "aws:rds/cluster:Cluster", {"deletionProtection": False},
     {"deletionProtection": True}, "prod"),
    ("rds-iam-auth", "aws:rds/instance:Instance", {}, {"iamDatabaseAuthenticationEnabled": True}, "dev"),
    ("rds-proxy-tls", "aws:rds/proxy:Proxy", {"engineFamily": "POSTGRESQL"},
     {"engineFamily": "POSTGRESQL", "requireTls": True}, "dev"),
    ("elasticache-encryption", "aws:elasticache/replicationGroup:ReplicationGroup",
     {"atRestEncryptionEnabled": True}, {"atRestEncryptionEnabled": True, "transitEncryptionEnabled": True}, "dev"),
    ("elasticache-auth", "aws:elasticache/replicationGroup:ReplicationGroup", {}, {"authToken": "x" * 32}, "dev"),
    ("elasticache-multi-az", "aws:elasticache/replicationGroup:ReplicationGroup", {"numCacheClusters": 1},
     {"numCacheClusters": 2, "automaticFailoverEnabled": True, "multiAzEnabled": True}, "prod"),
    ("dynamodb-pitr", "aws:dynamodb/table:Table", {"pointInTimeRecovery": {"enabled": False}},
     {"pointInTimeRecovery": {"enabled": True}}, "dev"),
    ("dynamodb-encryption", "aws:dynamodb/table:Table", {"serverSideEncryption": {"enabled": False}},
     {"serverSideEncryption": {"enabled": True}}, "dev"),
    ("sns-encrypted", "aws:sns/topic:Topic", {}, {"kmsMasterKeyId": "alias/aws/sns"}, "dev"),
    ("sqs-encrypted", "aws:sqs/queue:Queue", {"sqsManagedSseEnabled": False}, {"sqsManagedSseEnabled": True}, "dev"),
    ("kms-key-rotation", "aws:kms/key:Key", {"enableKeyRotation": False}, {"enableKeyRotation": True}, "dev"),
    ("log-group-retention", "aws:cloudwatch/logGroup:LogGroup", {}, {"retentionInDays": 14}, "dev"),
    ("cloudfront-tls", "aws:cloudfront/distribution:Distribution",
     {"defaultCacheBehavior": {"viewerProtocolPolicy": "allow-all"},
      "viewerCertificate": {"acmCertificateArn": "arn:c", "minimumProtocolVersion": "TLSv1"}},
     {"defaultCacheBehavior": {"viewerProtocolPolicy": "redirect-to-https"},
      "orderedCacheBehaviors": [{"pathPattern": "/api/*", "viewerProtocolPolicy": "https-only"}],
      "viewerCertificate": {"acmCertificateArn": "arn:c", "minimumProtocolVersion": "TLSv1.2_2021"}}, "dev"),
    ("cloudfront-tls", "aws:cloudfront/distribution:Distribution",
     {"defaultCacheBehavior": {"viewerProtocolPolicy": "redirect-to-https"},
      "viewerCertificate": {"cloudfrontDefaultCertificate": True}},
     {"defaultCacheBehavior": {"viewerProtocolPolicy": "redirect-to-https"},
      "viewerCertificate": {"acmCertificateArn": "arn:c", "minimumProtocolVersion": "TLSv1.2_2021"}}, "dev"),
    ("cloudfront-s3-origin-access", "aws:cloudfront/distribution:Distribution",
     {"origins": [{"originId": "s3", "domainName": "b.s3.us-east-1.amazonaws.com"}]},
     {"origins": [{"originId": "s3", "domainName": "b.s3.us-east-1.amazonaws.com",
                   "originAccessControlId": "oac"}]}, "dev"),
    ("apigw-access-logs", "aws:apigatewayv2/stage:Stage", {"apiId": "a", "name": "$default"},
     {"apiId": "a", "name": "$default", "accessLogSettings": {"destinationArn": "arn:logs", "format": "{}"}}, "dev"),
    ("apigw-route-authorization", "aws:apigatewayv2/route:Route", {"apiId": "a", "routeKey": "POST /orders"},
     {"apiId": "a", "routeKey": "POST /orders", "authorizationType": "JWT", "authorizerId": "z"}, "dev"),
    ("required-tags", "aws:s3/bucket:Bucket", {"tags": {"project": "cutover"}}, {"tags": dict(TAGS)}, "dev"),
    ("allowed-instance-types", "aws:ec2/instance:Instance", {"instanceType": "m7g.large"},
     {"instanceType": "t4g.nano"}, "dev"),
    ("allowed-db-classes", "aws:rds/instance:Instance", {"instanceClass": "db.r7g.large"},
     {"instanceClass": "db.t4g.small"}, "dev"),
    ("allowed-db-classes", "aws:rds/clusterInstance:ClusterInstance", {"instanceClass": "db.r7g.4xlarge"},
     {"instanceClass": "db.serverless"}, "prod"),
    ("allowed-cache-node-types", "aws:elasticache/replicationGroup:ReplicationGroup",
     {"nodeType": "cache.r7g.large"}, {"nodeType": "cache.t4g.micro"}, "dev"),
    ("fargate-task-size", "aws:ecs/taskDefinition:TaskDefinition", {**FARGATE_TD, "cpu": "1024", "memory": "2048"},
     FARGATE_TD, "dev"),
    ("no-nat-gateway-dev", "aws:ec2/natGateway:NatGateway", {"subnetId": "s"}, {"subnetId": "s"}, "dev_bad_prod_ok"),
    ("ecs-desired-count-cap", "aws:ecs/service:Service", {"desiredCount": 3}, {"desiredCount": 2}, "dev"),
    ("autoscaling-max-capacity-cap", "aws:appautoscaling/target:Target", {"maxCapacity": 50, "minCapacity": 1},
     {"maxCapacity": 20, "minCapacity": 1}, "prod"),
    ("lambda-provisioned-concurrency-cap", "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig",
     {"functionName": "f", "qualifier": "live", "provisionedConcurrentExecutions": 1},
     {"functionName": "f", "qualifier": "live", "provisionedConcurrentExecutions": 5}, "dev_bad_prod_ok"),
    ("dynamodb-capacity-cap", "aws:dynamodb/table:Table",
     {"billingMode": "PROVISIONED", "readCapacity": 50, "writeCapacity": 5},
     {"billingMode": "PAY_PER_REQUEST"}, "dev"),
    ("log-retention-cap", "aws:cloudwatch/logGroup:LogGroup", {"retentionInDays": 90}, {"retentionInDays": 14},
     "dev"),
]


@pytest.mark.parametrize(("policy", "type_", "bad", "good", "env"), CASES,
                         ids=[f"{c[0]}:{c[1].rsplit(':', 1)[-1]}:{i}" for i, c in enumerate(CASES)])
def test_rule_flags_violation_and_passes_compliant(policy: str, type_: str, bad: dict[str, Any],
                                                   good: dict[str, Any], env: str) -> None:
    bad_env, good_env = ("dev", "prod") if env == "dev_bad_prod_ok" else (env, env)
    found = run(policy, [res(type_, "bad", inputs=bad)], environment=bad_env)
    assert found, f"{policy} should flag {bad}"
    assert all(v.level == "mandatory" and v.urn and v.urn.endswith("::bad") for v in found)
    assert run(policy, [res(type_, "good", inputs=good)], environment=good_env) == []


def test_rule_does_not_touch_other_types() -> None:
    assert run("rds-storage-encrypted", [res("aws:s3/bucket:Bucket", inputs={})]) == []


def test_environment_sensitive_rules_pass_in_dev() -> None:
    assert run("rds-deletion-protection", [res("aws:rds/instance:Instance", inputs={})], environment="dev") == []
    assert run("rds-backup-retention", [res("aws:rds/instance:Instance", inputs={"backupRetentionPeriod": 1})],
               environment="dev") == []
    assert run("lb-deletion-protection", [res("aws:lb/loadBalancer:LoadBalancer", inputs={})]) == []


def test_required_tags_merge_provider_default_tags() -> None:
    provider = res("pulumi:providers:aws", "aws", inputs={
        "region": "us-east-1", "defaultTags": json.dumps({"tags": TAGS})})
    ref = f"{provider.urn}::aws-provider-id"
    tagged_by_provider = res("aws:sqs/queue:Queue", "q", inputs={"tags": {"component": "orders"}}, provider=ref)
    assert run("required-tags", [provider, tagged_by_provider]) == []
    # the provider's defaultTags as an object (newer CLIs) work too
    provider_obj = res("pulumi:providers:aws", "aws", inputs={"defaultTags": {"tags": TAGS}})
    assert run("required-tags", [provider_obj, tagged_by_provider]) == []
    untagged = res("aws:sqs/queue:Queue", "q", inputs={})
    (v,) = run("required-tags", [untagged])
    assert "cost-center" in v.message


def test_configurable_rules_read_config() -> None:
    r = res("aws:ec2/instance:Instance", inputs={"instanceType": "m7g.large"})
    assert run("allowed-instance-types", [r], allowed={"dev": ["m7g.large"], "prod": []}) == []
    sg = res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
             inputs={"ipProtocol": "tcp", "fromPort": 8443, "toPort": 8443, "cidrIpv4": "0.0.0.0/0"})
    assert run("sg-no-public-ingress", [sg], allowedPorts=[443, 8443]) == []
