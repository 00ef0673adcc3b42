"""A mocked engine that records every registration and answers with realistic computed outputs.

``RecordingMonitor`` wraps the SDK's ``MockMonitor`` to keep what the plain mocks drop: parent,
provider, protect, retainOnDelete and dependencies. ``CutoverMocks`` fills in what AWS would compute
(ids, ARNs, endpoints, DNS names) so downstream code sees plausible values, and fails loudly on an
invoke nobody planned for.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from google.protobuf import struct_pb2
from pulumi.runtime import MockCallArgs, MockResourceArgs, Mocks, rpc
from pulumi.runtime.mocks import MockMonitor, _resolve_callbacks
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.resource import RegisterResponse
from pulumi.runtime.settings import get_project, get_stack
from pulumi.runtime.sync_await import _sync_await

from cutover.plan.model import PlannedResource

ACCOUNT_ID = "123456789012"
AZ_SUFFIXES = ("a", "b", "c")


def _h(*parts: str, n: int = 8) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:n]


class CutoverMocks(Mocks):
    def __init__(self, region: str = "us-east-1", account_id: str = ACCOUNT_ID,
                 ssm_parameters: Mapping[str, str] | None = None) -> None:
        self.region = region
        self.account = account_id
        self.ssm_parameters = dict(ssm_parameters or {})
        self.invokes: list[tuple[str, dict[str, Any]]] = []

    # --- resources -------------------------------------------------------------------------------
    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if not args.custom:
            return None, dict(args.inputs)
        typ, name, inputs = args.typ, args.name, dict(args.inputs)
        if typ.startswith("pulumi:providers:"):
            return f"{name}-provider-id", inputs
        builder = _OUTPUTS.get(typ)
        physical = str(inputs.get("name") or f"{name}-{_h(typ, name, n=7)}")
        ctx = _Ctx(self.region, self.account, name, physical, inputs)
        rid, extra = builder(ctx) if builder else (physical, {})
        extra.setdefault("arn", ctx.arn(typ))
        extra.setdefault("id", rid)
        return rid, {**inputs, **extra}

    # --- invokes ---------------------------------------------------------------------------------
    def call(self, args: MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        self.invokes.append((args.token, dict(args.args)))
        handler = _INVOKES.get(args.token)
        if handler is None:
            raise NotImplementedError(
                f"unplanned invoke {args.token}: add a faithful answer to cutover/plan/mocks.py")
        return handler(self, dict(args.args))


class _Ctx:
    def __init__(self, region: str, account: str, logical: str, physical: str, inputs: dict[str, Any]) -> None:
        self.region, self.account, self.logical, self.physical, self.inputs = (
            region, account, logical, physical, inputs)

    def short(self, prefix: str) -> str:
        return f"{prefix}-{_h(self.logical, self.physical, n=17)}"

    def arn(self, typ: str) -> str:
        module = typ.split(":")[1].split("/")[0]
        return f"arn:aws:{module}:{self.region}:{self.account}:{self.physical}"


def _ec2(prefix: str, resource: str) -> Callable[[_Ctx], tuple[str, dict[str, Any]]]:
    def build(c: _Ctx) -> tuple[str, dict[str, Any]]:
        rid = c.short(prefix)
        extra: dict[str, Any] = {"arn": f"arn:aws:ec2:{c.region}:{c.account}:{resource}/{rid}"}
        if prefix == "vpc":
            extra |= {"defaultSecurityGroupId": f"sg-{_h(rid, 'dsg', n=17)}",
                      "mainRouteTableId": f"rtb-{_h(rid, 'main', n=17)}", "ownerId": c.account}
        if prefix == "i":
            extra |= {"privateIp": "10.0.0.10", "primaryNetworkInterfaceId": f"eni-{_h(rid, n=17)}",
                      "privateDns": f"ip-10-0-0-10.{c.region}.compute.internal"}
        if prefix == "eipalloc":
            extra |= {"publicIp": "203.0.113.10", "allocationId": rid}
        if prefix == "vpce":
            extra |= {"prefixListId": f"pl-{_h(rid, n=8)}"}
        return rid, extra
    return build


def _bucket(c: _Ctx) -> tuple[str, dict[str, Any]]:
    b = str(c.inputs.get("bucket") or c.physical.lower())
    return b, {"bucket": b, "arn": f"arn:aws:s3:::{b}", "bucketDomainName": f"{b}.s3.amazonaws.com",
               "bucketRegionalDomainName": f"{b}.s3.{c.region}.amazonaws.com", "region": c.region,
               "hostedZoneId": "Z3AQBSTGFYJSTF"}


def _regional(service: str, resource: str, sep: str = ":") -> Callable[[_Ctx], tuple[str, dict[str, Any]]]:
    def build(c: _Ctx) -> tuple[str, dict[str, Any]]:
        return c.physical, {"arn": f"arn:aws:{service}:{c.region}:{c.account}:{resource}{sep}{c.physical}"}
    return build


def _iam(resource: str) -> Callable[[_Ctx], tuple[str, dict[str, Any]]]:
    def build(c: _Ctx) -> tuple[str, dict[str, Any]]:
        return c.physical, {"arn": f"arn:aws:iam::{c.account}:{resource}/{c.physical}",
                            "uniqueId": f"AROA{_h(c.physical, n=16).upper()}"}
    return build


def _lambda(c: _Ctx) -> tuple[str, dict[str, Any]]:
    arn = f"arn:aws:lambda:{c.region}:{c.account}:function:{c.physical}"
    invoke = f"arn:aws:apigateway:{c.region}:lambda:path/2015-03-31/functions/{arn}/invocations"
    return c.physical, {"arn": arn, "invokeArn": invoke, "qualifiedArn": f"{arn}:1", "version": "1",
                        "qualifiedInvokeArn": invoke.replace(arn, f"{arn}:1")}


def _alias(c: _Ctx) -> tuple[str, dict[str, Any]]:
    fn = str(c.inputs.get("functionName", "fn")).split(":")[-1]
    arn = f"arn:aws:lambda:{c.region}:{c.account}:function:{fn}:{c.physical}"
    return arn, {"arn": arn, "invokeArn": f"arn:aws:apigateway:{c.region}:lambda:path/2015-03-31/functions/"
                                          f"{arn}/invocations"}


def _secret(c: _Ctx) -> tuple[str, dict[str, Any]]:
    arn = f"arn:aws:secretsmanager:{c.region}:{c.account}:secret:{c.physical}-{_h(c.physical, n=6)}"
    return arn, {"arn": arn}


def _api(c: _Ctx) -> tuple[str, dict[str, Any]]:
    rid = _h(c.physical, n=10)
    scheme = "wss" if c.inputs.get("protocolType") == "WEBSOCKET" else "https"
    return rid, {"apiEndpoint": f"{scheme}://{rid}.execute-api.{c.region}.amazonaws.com",
                 "executionArn": f"arn:aws:execute-api:{c.region}:{c.account}:{rid}",
                 "arn": f"arn:aws:apigateway:{c.region}::/apis/{rid}"}


def _stage(c: _Ctx) -> tuple[str, dict[str, Any]]:
    api = str(c.inputs.get("apiId", "api"))
    return c.physical, {"invokeUrl": f"https://{api}.execute-api.{c.region}.amazonaws.com/{c.physical}",
                        "executionArn": f"arn:aws:execute-api:{c.region}:{c.account}:{api}/{c.physical}",
                        "arn": f"arn:aws:apigateway:{c.region}::/apis/{api}/stages/{c.physical}"}


def _table(c: _Ctx) -> tuple[str, dict[str, Any]]:
    arn = f"arn:aws:dynamodb:{c.region}:{c.account}:table/{c.physical}"
    return c.physical, {"arn": arn, "streamArn": f"{arn}/stream/2026-01-01T00:00:00.000"}


def _rds_instance(c: _Ctx) -> tuple[str, dict[str, Any]]:
    ident = str(c.inputs.get("identifier") or c.physical)
    host = f"{ident}.c{_h(ident, n=10)}.{c.region}.rds.amazonaws.com"
    port = int(c.inputs.get("port") or 5432)
    out: dict[str, Any] = {"address": host, "endpoint": f"{host}:{port}", "port": port,
                           "arn": f"arn:aws:rds:{c.region}:{c.account}:db:{ident}",
                           "resourceId": f"db-{_h(ident, n=26).upper()}", "identifier": ident}
    if c.inputs.get("manageMasterUserPassword"):
        out["masterUserSecrets"] = [{"secretArn": f"arn:aws:secretsmanager:{c.region}:{c.account}:secret:"
                                                  f"rds!db-{_h(ident, n=8)}-AbCdEf", "secretStatus": "active"}]
    return ident, out


def _rds_cluster(c: _Ctx) -> tuple[str, dict[str, Any]]:
    ident = str(c.inputs.get("clusterIdentifier") or c.physical)
    host = f"{ident}.cluster-c{_h(ident, n=10)}.{c.region}.rds.amazonaws.com"
    out: dict[str, Any] = {"endpoint": host, "readerEndpoint": host.replace(".cluster-", ".cluster-ro-"),
                           "port": int(c.inputs.get("port") or 5432), "clusterIdentifier": ident,
                           "arn": f"arn:aws:rds:{c.region}:{c.account}:cluster:{ident}",
                           "clusterResourceId": f"cluster-{_h(ident, n=26).upper()}"}
    if c.inputs.get("manageMasterUserPassword"):
        out["masterUserSecrets"] = [{"secretArn": f"arn:aws:secretsmanager:{c.region}:{c.account}:secret:"
                                                  f"rds!cluster-{_h(ident, n=8)}-AbCdEf", "secretStatus": "active"}]
    return ident, out


def _rds_proxy(c: _Ctx) -> tuple[str, dict[str, Any]]:
    return c.physical, {"endpoint": f"{c.physical}.proxy-c{_h(c.physical, n=10)}.{c.region}.rds.amazonaws.com",
                        "arn": f"arn:aws:rds:{c.region}:{c.account}:db-proxy:prx-{_h(c.physical, n=17)}"}


def _redis(c: _Ctx) -> tuple[str, dict[str, Any]]:
    gid = str(c.inputs.get("replicationGroupId") or c.physical)
    base = f"{gid}.{_h(gid, n=6)}.use1.cache.amazonaws.com"
    return gid, {"primaryEndpointAddress": f"master.{base}", "readerEndpointAddress": f"replica.{base}",
                 "port": int(c.inputs.get("port") or 6379),
                 "arn": f"arn:aws:elasticache:{c.region}:{c.account}:replicationgroup:{gid}"}


def _lb(c: _Ctx) -> tuple[str, dict[str, Any]]:
    h = _h(c.physical, n=16)
    arn = f"arn:aws:elasticloadbalancing:{c.region}:{c.account}:loadbalancer/app/{c.physical}/{h}"
    return arn, {"arn": arn, "arnSuffix": f"app/{c.physical}/{h}", "zoneId": "Z35SXDOTRQ7X7K",
                 "dnsName": f"{c.physical}-{int(h[:8], 16) % 10**10}.{c.region}.elb.amazonaws.com"}


def _tg(c: _Ctx) -> tuple[str, dict[str, Any]]:
    h = _h(c.physical, n=16)
    arn = f"arn:aws:elasticloadbalancing:{c.region}:{c.account}:targetgroup/{c.physical}/{h}"
    return arn, {"arn": arn, "arnSuffix": f"targetgroup/{c.physical}/{h}"}


def _listener(c: _Ctx) -> tuple[str, dict[str, Any]]:
    arn = (f"arn:aws:elasticloadbalancing:{c.region}:{c.account}:listener/app/lb/"
           f"{_h(c.logical, n=16)}/{_h(c.physical, n=16)}")
    return arn, {"arn": arn}


def _listener_rule(c: _Ctx) -> tuple[str, dict[str, Any]]:
    # ELB's ARN format: listener-rule/app/<lb name>/<lb id>/<listener id>/<rule id> (Service
    # Authorization Reference, Elastic Load Balancing V2 resource types), under its own listener's.
    listener = str(c.inputs.get("listenerArn") or "")
    base = listener.split(":listener/", 1)[1] if ":listener/" in listener else f"app/lb/{_h(c.logical, n=16)}/0"
    arn = f"arn:aws:elasticloadbalancing:{c.region}:{c.account}:listener-rule/{base}/{_h(c.physical, n=16)}"
    return arn, {"arn": arn}


def _dms(resource: str, arn_key: str) -> Callable[[_Ctx], tuple[str, dict[str, Any]]]:
    """DMS names its resources by an upper-case id in the ARN (``arn:aws:dms:<region>:<account>:endpoint:<ID>``)."""
    def build(c: _Ctx) -> tuple[str, dict[str, Any]]:
        arn = f"arn:aws:dms:{c.region}:{c.account}:{resource}:{_h(c.logical, c.physical, n=26).upper()}"
        return c.physical, {arn_key: arn, "arn": arn}
    return build


def _distribution(c: _Ctx) -> tuple[str, dict[str, Any]]:
    rid = "E" + _h(c.physical, n=13).upper()
    return rid, {"domainName": f"d{_h(rid, n=13)}.cloudfront.net", "hostedZoneId": "Z2FDTNDATAQYW2",
                 "arn": f"arn:aws:cloudfront::{c.account}:distribution/{rid}", "status": "Deployed",
                 "etag": "E" + _h(rid, n=12).upper()}


def _webacl(c: _Ctx) -> tuple[str, dict[str, Any]]:
    scope = "global" if c.inputs.get("scope") == "CLOUDFRONT" else "regional"
    uid = _h(c.physical, n=8) + "-" + _h(c.physical, "x", n=4)
    arn = f"arn:aws:wafv2:{c.region}:{c.account}:{scope}/webacl/{c.physical}/{uid}"
    return uid, {"arn": arn}


def _sqs(c: _Ctx) -> tuple[str, dict[str, Any]]:
    url = f"https://sqs.{c.region}.amazonaws.com/{c.account}/{c.physical}"
    return url, {"url": url, "arn": f"arn:aws:sqs:{c.region}:{c.account}:{c.physical}"}


def _ecr(c: _Ctx) -> tuple[str, dict[str, Any]]:
    return c.physical, {"repositoryUrl": f"{c.account}.dkr.ecr.{c.region}.amazonaws.com/{c.physical}",
                        "registryId": c.account,
                        "arn": f"arn:aws:ecr:{c.region}:{c.account}:repository/{c.physical}"}


def _task_def(c: _Ctx) -> tuple[str, dict[str, Any]]:
    fam = str(c.inputs.get("family") or c.physical)
    return fam, {"arn": f"arn:aws:ecs:{c.region}:{c.account}:task-definition/{fam}:1", "revision": 1,
                 "arnWithoutRevision": f"arn:aws:ecs:{c.region}:{c.account}:task-definition/{fam}"}


def _zone(c: _Ctx) -> tuple[str, dict[str, Any]]:
    zid = "Z" + _h(c.physical, n=20).upper()
    return zid, {"zoneId": zid, "nameServers": [f"ns-1.awsdns-0{i}.org" for i in range(4)],
                 "arn": f"arn:aws:route53:::hostedzone/{zid}"}


def _record(c: _Ctx) -> tuple[str, dict[str, Any]]:
    rid = f"{c.inputs.get('zoneId', 'Z')}_{c.inputs.get('name', c.physical)}_{c.inputs.get('type', 'A')}"
    if c.inputs.get("setIdentifier"):
        rid += f"_{c.inputs['setIdentifier']}"
    return rid, {"fqdn": str(c.inputs.get("name", c.physical))}


def _kms(c: _Ctx) -> tuple[str, dict[str, Any]]:
    kid = f"{_h(c.physical, n=8)}-{_h(c.physical, 'a', n=4)}-{_h(c.physical, 'b', n=4)}-" \
          f"{_h(c.physical, 'c', n=4)}-{_h(c.physical, 'd', n=12)}"
    return kid, {"keyId": kid, "arn": f"arn:aws:kms:{c.region}:{c.account}:key/{kid}"}


def _random_password(c: _Ctx) -> tuple[str, dict[str, Any]]:
    length = int(c.inputs.get("length") or 32)
    value = ("mock" + _h(c.logical, n=64) * 80)[:length]
    return "none", {"result": value, "bcryptHash": "$2a$10$mock"}


def _plain(prefix: str) -> Callable[[_Ctx], tuple[str, dict[str, Any]]]:
    def build(c: _Ctx) -> tuple[str, dict[str, Any]]:
        return f"{prefix}{_h(c.logical, c.physical, n=12)}", {}
    return build


_OUTPUTS: dict[str, Callable[[_Ctx], tuple[str, dict[str, Any]]]] = {
    "aws:ec2/vpc:Vpc": _ec2("vpc", "vpc"),
    "aws:ec2/subnet:Subnet": _ec2("subnet", "subnet"),
    "aws:ec2/securityGroup:SecurityGroup": _ec2("sg", "security-group"),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": _ec2("sg", "security-group"),
    "aws:ec2/instance:Instance": _ec2("i", "instance"),
    "aws:ec2/eip:Eip": _ec2("eipalloc", "elastic-ip"),
    "aws:ec2/natGateway:NatGateway": _ec2("nat", "natgateway"),
    "aws:ec2/internetGateway:InternetGateway": _ec2("igw", "internet-gateway"),
    "aws:ec2/routeTable:RouteTable": _ec2("rtb", "route-table"),
    "aws:ec2/vpcEndpoint:VpcEndpoint": _ec2("vpce", "vpc-endpoint"),
    "aws:ec2/flowLog:FlowLog": _ec2("fl", "vpc-flow-log"),
    "aws:ec2/networkAcl:NetworkAcl": _ec2("acl", "network-acl"),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": _ec2("sgr", "security-group-rule"),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": _ec2("sgr", "security-group-rule"),
    "aws:s3/bucket:Bucket": _bucket,
    "aws:cloudwatch/logGroup:LogGroup": _regional("logs", "log-group"),
    "aws:cloudwatch/metricAlarm:MetricAlarm": _regional("cloudwatch", "alarm"),
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": _regional("cloudwatch", "alarm"),
    "aws:iam/role:Role": _iam("role"),
    "aws:iam/policy:Policy": _iam("policy"),
    "aws:iam/instanceProfile:InstanceProfile": _iam("instance-profile"),
    "aws:lambda/function:Function": _lambda,
    "aws:lambda/alias:Alias": _alias,
    "aws:secretsmanager/secret:Secret": _secret,
    "aws:apigatewayv2/api:Api": _api,
    "aws:apigatewayv2/stage:Stage": _stage,
    "aws:apigatewayv2/integration:Integration": _plain(""),
    "aws:apigatewayv2/route:Route": _plain(""),
    "aws:apigatewayv2/authorizer:Authorizer": _plain(""),
    "aws:dynamodb/table:Table": _table,
    "aws:rds/instance:Instance": _rds_instance,
    "aws:rds/cluster:Cluster": _rds_cluster,
    "aws:rds/clusterInstance:ClusterInstance": _rds_instance,
    "aws:rds/proxy:Proxy": _rds_proxy,
    "aws:elasticache/replicationGroup:ReplicationGroup": _redis,
    "aws:lb/loadBalancer:LoadBalancer": _lb,
    "aws:lb/targetGroup:TargetGroup": _tg,
    "aws:lb/listener:Listener": _listener,
    "aws:lb/listenerRule:ListenerRule": _listener_rule,
    "aws:dms/endpoint:Endpoint": _dms("endpoint", "endpointArn"),
    "aws:dms/certificate:Certificate": _dms("cert", "certificateArn"),
    "aws:dms/replicationTask:ReplicationTask": _dms("task", "replicationTaskArn"),
    "aws:dms/replicationInstance:ReplicationInstance": _dms("rep", "replicationInstanceArn"),
    "aws:dms/replicationConfig:ReplicationConfig": _dms("replication-config", "arn"),
    "aws:cloudfront/distribution:Distribution": _distribution,
    "aws:wafv2/webAcl:WebAcl": _webacl,
    "aws:sns/topic:Topic": _regional("sns", "", sep=""),
    "aws:sqs/queue:Queue": _sqs,
    "aws:ecr/repository:Repository": _ecr,
    "aws:ecs/cluster:Cluster": _regional("ecs", "cluster", sep="/"),
    "aws:ecs/service:Service": _regional("ecs", "service", sep="/"),
    "aws:ecs/taskDefinition:TaskDefinition": _task_def,
    "aws:route53/zone:Zone": _zone,
    "aws:route53/record:Record": _record,
    "aws:route53/healthCheck:HealthCheck": _plain(""),
    "aws:kms/key:Key": _kms,
    "aws:ssm/parameter:Parameter": _regional("ssm", "parameter", sep=""),
    "random:index/randomPassword:RandomPassword": _random_password,
}


# --- invokes -------------------------------------------------------------------------------------
def _caller_identity(m: CutoverMocks, _: dict[str, Any]) -> dict[str, Any]:
    return {"accountId": m.account, "arn": f"arn:aws:sts::{m.account}:assumed-role/deployer/cutover",
            "userId": "AROAEXAMPLE:cutover", "id": m.account}


def _region(m: CutoverMocks, _: dict[str, Any]) -> dict[str, Any]:
    return {"name": m.region, "region": m.region, "id": m.region,
            "description": "US East (N. Virginia)", "endpoint": f"ec2.{m.region}.amazonaws.com"}


def _azs(m: CutoverMocks, _: dict[str, Any]) -> dict[str, Any]:
    names = [f"{m.region}{s}" for s in (*AZ_SUFFIXES, "d")]
    return {"names": names, "zoneIds": [f"use1-az{i + 1}" for i in range(len(names))], "id": m.region,
            "groupNames": [m.region] * len(names)}


def _ssm_parameter(m: CutoverMocks, args: dict[str, Any]) -> dict[str, Any]:
    name = str(args["name"])
    if name.startswith("/aws/service/ami-"):
        value = f"ami-{_h(name, n=17)}"
    elif name in m.ssm_parameters:
        value = m.ssm_parameters[name]
    else:
        raise LookupError(f"ParameterNotFound: {name}")
    return {"name": name, "value": value, "insecureValue": value, "type": "String", "version": 1,
            "arn": f"arn:aws:ssm:{m.region}:{m.account}:parameter{name}", "id": name}


def _ssm_by_path(m: CutoverMocks, args: dict[str, Any]) -> dict[str, Any]:
    path = str(args["path"]).rstrip("/") + "/"
    names = sorted(n for n in m.ssm_parameters if n.startswith(path))
    return {"path": args["path"], "names": names, "values": [m.ssm_parameters[n] for n in names],
            "types": ["String"] * len(names), "arns": [f"arn:aws:ssm:{m.region}:{m.account}:parameter{n}"
                                                       for n in names], "id": args["path"]}


# AWS-managed prefix lists the program looks up by name (ids as in us-east-1; other regions hashed).
_MANAGED_PREFIX_LISTS = {
    "com.amazonaws.global.cloudfront.origin-facing": ("pl-3b927c52", 55, ["3.172.0.0/18", "13.32.0.0/15",
                                                                          "52.84.0.0/15", "130.176.0.0/18"]),
}


def _managed_prefix_list(m: CutoverMocks, args: dict[str, Any]) -> dict[str, Any]:
    name = args.get("name")
    for f in args.get("filters") or []:
        if f.get("name") == "prefix-list-name" and f.get("values"):
            name = f["values"][0]
    if name not in _MANAGED_PREFIX_LISTS:
        raise LookupError(f"no managed prefix list named {name!r}")
    pl_id, max_entries, cidrs = _MANAGED_PREFIX_LISTS[name]
    if m.region != "us-east-1":
        pl_id = f"pl-{_h(m.region, name, n=8)}"
    return {"id": pl_id, "name": name, "addressFamily": "IPv4", "maxEntries": max_entries, "ownerId": "AWS",
            "arn": f"arn:aws:ec2:{m.region}:aws:prefix-list/{pl_id}", "version": 1, "tags": {},
            "entries": [{"cidr": c, "description": ""} for c in cidrs], "filters": args.get("filters") or [],
            "region": m.region}


_INVOKES: dict[str, Callable[[CutoverMocks, dict[str, Any]], dict[str, Any]]] = {
    "aws:ec2/getManagedPrefixList:getManagedPrefixList": _managed_prefix_list,
    "aws:index/getCallerIdentity:getCallerIdentity": _caller_identity,
    "aws:index/getRegion:getRegion": _region,
    "aws:index/getAvailabilityZones:getAvailabilityZones": _azs,
    "aws:ssm/getParameter:getParameter": _ssm_parameter,
    "aws:ssm/getParametersByPath:getParametersByPath": _ssm_by_path,
}


class RecordingMonitor(MockMonitor):
    """Keeps each registration's options, which ``MockResourceArgs`` does not carry."""

    def __init__(self, mocks: Mocks) -> None:
        super().__init__(mocks)
        self.planned: list[PlannedResource] = []
        self.stack_outputs: dict[str, Any] = {}
        self._aliases: dict[str, tuple[str, ...]] = {}  # URN -> the URNs it was known by (own and inherited)

    def RegisterResourceOutputs(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        if request.urn.split("::")[2] == "pulumi:pulumi:Stack":
            self.stack_outputs = _plain_values(rpc.deserialize_properties(request.outputs))
        return super().RegisterResourceOutputs(request)

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        """``MockMonitor.RegisterResource`` (pulumi 3.272.0, runtime/mocks.py), answered without its two costs
        a plan does not need, then recorded.

        The SDK's version deserializes the request's properties and serializes the mocks' answer back with
        ``_sync_await(rpc.serialize_properties(state))``: a nested run of the event loop per registration.
        The answer here is plain data (strings, numbers, booleans, lists, maps, as the mocks build it), and
        ``register_resource`` only reads it back (``rpc.resolve_outputs`` deserializes the ``Struct``), so it
        is handed over as what that reading gives (``_as_read_back``) in the SDK's own plain response class,
        ``RegisterResponse``: building the ``Struct`` and reading it again were a twentieth of a plan. Data the
        reader treats specially (the unknown marker, a secret or resource reference) goes in a ``Struct``
        (``_plain_struct``), and anything else (an asset) takes the SDK's serializer. The properties are
        deserialized once, for the mocks and the record alike. ``tests/unit/test_engine_fast_path.py`` holds
        what the SDK reads of both versions' responses against each other.
        """
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == "pulumi:pulumi:Stack":
            response = resource_pb2.RegisterResourceResponse(urn=urn)
            self._record(request, urn, {}, {}, None)
            return response
        inputs = rpc.deserialize_properties(request.object)
        rid, state = self.mocks.new_resource(MockResourceArgs(
            typ=request.type, name=request.name, inputs=inputs, provider=request.provider,
            resource_id=request.importId, custom=request.custom or False,
            transforms=_resolve_callbacks(request.transforms)))
        self.resources[urn] = MockMonitor.ResourceRegistration(urn, rid, state)  # type: ignore[arg-type]  # as the SDK's
        self._record(request, urn, inputs, dict(state), rid)
        answer = _as_read_back(state)
        if answer is not _NOT_PLAIN:
            return RegisterResponse(urn, rid or "", answer, None, resource_pb2.Result.SUCCESS)
        struct = _plain_struct(state)
        if struct is None:  # an asset or archive: the SDK's serializer, run to completion right here
            struct = _run_now(rpc.serialize_properties(state, {})) or _sync_await(rpc.serialize_properties(state, {}))
        return resource_pb2.RegisterResourceResponse(urn=urn, id=rid or "", object=struct)  # unset id reads ""

    def _record(self, request: Any, urn: str, inputs: dict[str, Any], outputs: dict[str, Any],
                rid: str | None) -> None:
        # Dependencies are sorted: the SDK gathers them in a set of URN strings, whose order changes
        # with the process's hash seed, and the engine treats them as a set too.
        self.planned.append(PlannedResource(
            urn=urn, type=request.type, name=request.name, custom=bool(request.custom),
            inputs=_plain_values(inputs), outputs=_plain_values(outputs), parent=request.parent or None,
            provider=request.provider or None, protect=bool(request.protect),
            retain_on_delete=bool(request.retainOnDelete),
            delete_before_replace=bool(request.deleteBeforeReplace),
            dependencies=tuple(sorted(request.dependencies)), ignore_changes=tuple(request.ignoreChanges), id=rid,
            aliases=self._remember(urn, self._alias_urns(request))))

    def _remember(self, urn: str, aliases: tuple[str, ...]) -> tuple[str, ...]:
        self._aliases[urn] = aliases
        return aliases

    def _alias_urns(self, request: Any) -> tuple[str, ...]:
        """Each alias as the URN it names, resolved the way ``make_urn`` builds URNs here.

        The SDK sends alias specs (the monitor supports them): a field left empty means "as this
        resource has it", and ``noParent`` means a resource of the stack itself.
        """
        urns = list(request.aliasURNs)
        for alias in request.aliases:
            if alias.WhichOneof("alias") == "urn":
                urns.append(alias.urn)
                continue
            spec = alias.spec
            parent = "" if spec.noParent else (spec.parentUrn or request.parent)
            urn = self.make_urn(parent, spec.type or request.type, spec.name or request.name)
            if spec.stack or spec.project:  # another stack or project: same shape, other names
                _, _, qualified, name = urn.split("::", 3)
                urn = f"urn:pulumi:{spec.stack or get_stack()}::{spec.project or get_project()}::{qualified}::{name}"
            urns.append(urn)
        return tuple(sorted(set(urns) | self._inherited(request, urns)))

    def _inherited(self, request: Any, own: list[str]) -> set[str]:
        """The aliases a child inherits from its parent's, as the engine derives them (the SDK's
        ``inherited_child_alias``, which the engine applies when it receives alias specs): under each
        URN the parent was known by, the child's name with the parent's old name as its prefix when it
        started with the parent's name (``{parent}-details``), and the same for each of its own aliases."""
        parent = request.parent or ""
        out: set[str] = set()
        for parent_alias in self._aliases.get(parent, ()):
            parent_name, alias_parent_name = parent.rsplit("::", 1)[-1], parent_alias.rsplit("::", 1)[-1]
            for child_type, child_name in [(request.type, request.name),
                                           *((u.split("::")[2].split("$")[-1], u.rsplit("::", 1)[-1]) for u in own)]:
                name = (alias_parent_name + child_name[len(parent_name):] if child_name.startswith(parent_name)
                        else child_name)
                out.add(self.make_urn(parent_alias, child_type, name))
        return out


def _plain_values(value: Any) -> Any:
    """Unwrap secret markers so the plan and policies see plain structures (the CLI's policy host
    also receives secrets unwrapped)."""
    if isinstance(value, dict):
        if value.get(rpc._special_sig_key) == rpc._special_secret_sig:
            return _plain_values(value.get("value"))
        return {k: _plain_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_values(v) for v in value]
    return value


def _run_now(coroutine: Coroutine[Any, Any, struct_pb2.Struct]) -> struct_pb2.Struct | None:
    """The coroutine's result if it completes without waiting for the event loop, else None (closed).

    The mocks' answer holds no Output, so serializing it never waits; running it here rather than with
    ``_sync_await`` (which pumps the running loop from inside this registration, and so may start other
    registrations that pump it again) keeps a large stack from nesting one registration per level
    until Python's recursion limit ends it (``make bench``'s 200 services did)."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    coroutine.close()
    return None


_SCALARS = (str, bool, int, float)


def _is_plain(value: Any) -> bool:
    if value is None or type(value) in _SCALARS:
        return True
    if type(value) in (list, tuple):
        return all(_is_plain(v) for v in value)
    if type(value) is dict:
        return all(type(k) is str and _is_plain(v) for k, v in value.items())
    return False


def _plain_struct(state: Mapping[str, Any]) -> struct_pb2.Struct | None:
    """``rpc.serialize_properties(state, {})`` for plain data, or None when ``state`` holds anything else.

    For plain data that function changes nothing but the container (see ``serialize_property``: tuples
    become lists, numbers stay numbers, keys are not translated without a type) and drops the top-level
    keys whose value is None, keeping None inside lists and maps; assigning to a ``Struct`` does the rest.
    """
    if not all(type(k) is str and _is_plain(v) for k, v in state.items()):
        return None
    struct = struct_pb2.Struct()
    for key, value in state.items():
        if value is not None:
            struct[key] = value
    return struct


_NOT_PLAIN: Any = object()


def _as_read_back(value: Any) -> Any:
    """What ``rpc.deserialize_properties(_plain_struct(value), keep_unknowns=True)`` (pulumi 3.272.0, as
    ``resolve_outputs`` calls it) reads back from plain data, without the ``Struct``: numbers as floats (a
    ``Value`` holds a double), None dropped from maps and kept in lists, tuples as lists. ``_NOT_PLAIN`` for
    what that reader turns into something else (the unknown marker, a map with the special signature key:
    a secret, a resource reference) and for anything not plain data. Maps keep their own key order where the
    ``Struct`` has its hash order: nothing in a plan depends on either (its output is byte-identical)."""
    kind = type(value)
    if kind is str:
        return _NOT_PLAIN if value == rpc.UNKNOWN else value
    if value is None or kind is bool:
        return value
    if kind is int or kind is float:
        return float(value)
    if kind is list or kind is tuple:
        items = []
        for item in value:
            read = _as_read_back(item)
            if read is _NOT_PLAIN:
                return read
            items.append(read)
        return items
    if kind is dict:
        if rpc._special_sig_key in value:
            return _NOT_PLAIN
        fields = {}
        for key, item in value.items():
            if type(key) is not str:
                return _NOT_PLAIN
            read = _as_read_back(item)
            if read is _NOT_PLAIN:
                return read
            if read is not None:
                fields[key] = read
        return fields
    return _NOT_PLAIN
