"""Stack rules correlate resources: by dependencies (ids unknown in preview) or by id/name."""

from __future__ import annotations

import json

from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from tests.policy.conftest import profile, res, run

BUCKET = "aws:s3/bucket:Bucket"
PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
TLS_POLICY = json.dumps({"Statement": [{"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                                        "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
                                        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})
FLAGS = {"blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True, "restrictPublicBuckets": True}


def bucket(name: str = "b", known: bool = True) -> object:
    out = {"bucket": name, "id": name} if known else {"bucket": UNKNOWN_STRING_VALUE, "id": UNKNOWN_STRING_VALUE}
    return res(BUCKET, name, inputs={}, outputs=out)


def test_bucket_without_public_access_block_is_flagged() -> None:
    (v,) = run("s3-bucket-public-access-block", [bucket()])
    assert v.urn and v.urn.endswith("::b")


def test_public_access_block_matched_by_bucket_name() -> None:
    pab = res(PAB, "pab", inputs={"bucket": "b", **FLAGS})
    assert run("s3-bucket-public-access-block", [bucket(), pab]) == []


def test_public_access_block_matched_by_dependency_when_id_unknown() -> None:
    b = bucket(known=False)
    pab = res(PAB, "pab", inputs={"bucket": UNKNOWN_STRING_VALUE, **FLAGS}, dependencies=(b.urn,))  # type: ignore[attr-defined]
    assert run("s3-bucket-public-access-block", [b, pab]) == []  # type: ignore[list-item]
    other = res(PAB, "pab", inputs={"bucket": "someone-else", **FLAGS})
    assert len(run("s3-bucket-public-access-block", [bucket(), other])) == 1


def test_property_dependencies_take_precedence() -> None:
    a, b = bucket("a"), bucket("b")
    pab = res(PAB, "pab", inputs={"bucket": UNKNOWN_STRING_VALUE, **FLAGS},
              dependencies=(a.urn, b.urn), property_dependencies={"bucket": [a.urn]})  # type: ignore[attr-defined]
    (v,) = run("s3-bucket-public-access-block", [a, b, pab])  # type: ignore[list-item]
    assert v.urn == b.urn  # type: ignore[attr-defined]


def test_tls_only_policy_required() -> None:
    assert len(run("s3-tls-only", [bucket()])) == 1
    pol = res("aws:s3/bucketPolicy:BucketPolicy", "pol", inputs={"bucket": "b", "policy": TLS_POLICY})
    assert run("s3-tls-only", [bucket(), pol]) == []


def test_encryption_versioning_logging() -> None:
    b = bucket()
    sse = res("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "sse",
              inputs={"bucket": "b", "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}}]})
    ver = res("aws:s3/bucketVersioning:BucketVersioning", "ver",
              inputs={"bucket": "b", "versioningConfiguration": {"status": "Enabled"}})
    logs = bucket("logs")
    log = res("aws:s3/bucketLogging:BucketLogging", "log", inputs={"bucket": "b", "targetBucket": "logs"})
    for name, fix in (("s3-encryption", sse), ("s3-versioning", ver)):
        assert len(run(name, [b])) == 1
        assert run(name, [b, fix]) == []
    assert len(run("s3-access-logging", [b, logs])) == 2
    assert run("s3-access-logging", [b, logs, log]) == []  # the log-target bucket is exempt


def test_vpc_flow_logs() -> None:
    vpc = res("aws:ec2/vpc:Vpc", "vpc", inputs={"cidrBlock": "10.0.0.0/16"}, outputs={"id": "vpc-1"})
    assert len(run("vpc-flow-logs", [vpc])) == 1
    flow = res("aws:ec2/flowLog:FlowLog", "flow", inputs={"vpcId": "vpc-1", "trafficType": "ALL"})
    assert run("vpc-flow-logs", [vpc, flow]) == []


def test_rds_multi_az_in_prod_only() -> None:
    single = res("aws:rds/instance:Instance", "db", inputs={"multiAz": False})
    assert run("rds-multi-az", [profile("dev"), single]) == []
    assert len(run("rds-multi-az", [profile("prod"), single])) == 1
    cluster = res("aws:rds/cluster:Cluster", "aurora", outputs={"id": "c1", "clusterIdentifier": "c1"})
    writer = res("aws:rds/clusterInstance:ClusterInstance", "w", inputs={"clusterIdentifier": "c1"})
    reader = res("aws:rds/clusterInstance:ClusterInstance", "r", inputs={"clusterIdentifier": "c1"})
    assert len(run("rds-multi-az", [profile("prod"), cluster, writer])) == 1
    assert run("rds-multi-az", [profile("prod"), cluster, writer, reader]) == []


def test_stack_environment_falls_back_to_config_without_profile() -> None:
    single = res("aws:rds/instance:Instance", "db", inputs={"multiAz": False})
    assert len(run("rds-multi-az", [single], environment="prod")) == 1


def test_waf_on_public_entry_points_in_prod() -> None:
    alb = res("aws:lb/loadBalancer:LoadBalancer", "alb", inputs={"internal": False},
              outputs={"internal": False, "arn": "arn:alb"})
    internal = res("aws:lb/loadBalancer:LoadBalancer", "int", inputs={"internal": True})
    dist = res("aws:cloudfront/distribution:Distribution", "cdn", inputs={})
    api = res("aws:apigatewayv2/api:Api", "api", inputs={"protocolType": "HTTP"},
              outputs={"protocolType": "HTTP", "id": "abc", "apiEndpoint": "https://abc.execute-api.us-east-1.amazonaws.com"})
    found = run("waf-public-entry-points", [profile("prod"), alb, internal, dist, api])
    assert {v.urn for v in found} == {alb.urn, dist.urn, api.urn}
    assert run("waf-public-entry-points", [profile("dev"), alb, dist, api]) == []
    assoc = res("aws:wafv2/webAclAssociation:WebAclAssociation", "assoc",
                inputs={"resourceArn": "arn:alb", "webAclArn": "arn:acl"})
    fronted = res("aws:cloudfront/distribution:Distribution", "edge", inputs={"webAclId": "arn:acl", "origins": [
        {"originId": "api", "domainName": "abc.execute-api.us-east-1.amazonaws.com"}]})
    assert run("waf-public-entry-points", [profile("prod"), alb, internal, api, assoc, fronted]) == []


def test_cloudfront_logging_and_iam_conflicts() -> None:
    dist = res("aws:cloudfront/distribution:Distribution", "cdn", inputs={}, outputs={"arn": "arn:cdn"})
    assert len(run("cloudfront-logging", [dist])) == 1
    src = res("aws:cloudwatch/logDeliverySource:LogDeliverySource", "src",
              inputs={"resourceArn": "arn:cdn", "logType": "ACCESS_LOGS"})
    assert run("cloudfront-logging", [dist, src]) == []
    role = res("aws:iam/role:Role", "role", outputs={"name": "fn-role",
                                                      "managedPolicyArns": ["arn:aws:iam::aws:policy/x"]})
    att = res("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "att",
              inputs={"role": "fn-role", "policyArn": "arn:p"})
    assert len(run("iam-role-no-policy-management-conflicts", [role, att])) == 1
    plain_role = res("aws:iam/role:Role", "role", outputs={"name": "fn-role"})
    assert run("iam-role-no-policy-management-conflicts", [plain_role, att]) == []


LB = "aws:lb/loadBalancer:LoadBalancer"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
CDN_ORIGIN = {"originId": "alb", "domainName": "origin.example.com",
              "customOriginConfig": {"originProtocolPolicy": "https-only"}}


def _alb_behind(ingress: dict[str, object], acl: str | None) -> list[object]:
    sg = res(SG, "alb-sg", outputs={"id": "sg-alb"})
    lb = res(LB, "alb", outputs={"internal": False, "loadBalancerType": "application", "arn": "arn:alb",
                                 "dnsName": "alb-1.us-east-1.elb.amazonaws.com", "securityGroups": ["sg-alb"]})
    rule = res(INGRESS, "in-443", inputs={"securityGroupId": "sg-alb", "ipProtocol": "tcp", "fromPort": 443,
                                          "toPort": 443, **ingress})
    dist = res("aws:cloudfront/distribution:Distribution", "cdn",
               inputs={"origins": [CDN_ORIGIN], **({"webAclId": acl} if acl else {})})
    return [profile("prod"), sg, lb, rule, dist]


def test_alb_reachable_only_through_waf_cloudfront_is_protected() -> None:
    assert run("waf-public-entry-points", _alb_behind({"prefixListId": "pl-3b927c52"}, "arn:acl")) == []


def test_alb_open_to_the_internet_behind_cloudfront_still_needs_waf() -> None:
    found = run("waf-public-entry-points", _alb_behind({"cidrIpv4": "0.0.0.0/0"}, "arn:acl"))
    assert [v.urn for v in found] == ["urn:pulumi:dev::cutover::aws:lb/loadBalancer:LoadBalancer::alb"]


def test_alb_behind_cloudfront_without_waf_is_flagged() -> None:
    found = run("waf-public-entry-points", _alb_behind({"prefixListId": "pl-3b927c52"}, None))
    assert {v.urn.rsplit("::", 1)[-1] for v in found if v.urn} == {"alb", "cdn"}
