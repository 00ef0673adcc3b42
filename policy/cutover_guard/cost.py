"""Monthly cost estimate of a stack from its resources, a price table and usage assumptions.

Pure: no Pulumi import. ``resources`` are any objects with ``type``, ``name``, ``urn``, ``inputs`` (a mapping of
engine property names) and ``custom``; ``outputs``/``dependencies`` are used when present. Prices come from
``prices.json`` (us-east-1 on-demand, no free tier); a month is 730 hours.

Usage keys (non-negative numbers; a missing key counts as 0): see :data:`USAGE_KEYS`. Usage-driven costs are
attributed to the resource that bears them and split evenly when several resources share a usage figure (e.g.
two HTTP APIs each get half of ``requestsPerMonth``). Every entry point type present (HTTP API, ALB, ...) is
charged the full request volume: conservative when both carry blue/green traffic.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Final, Protocol

from cutover_guard.schedule import ScheduleError, firings_per_month

PRICES_FILE: Final = Path(__file__).with_name("prices.json")

# Usage keys are declared once, in usage_keys.json (the profile schema in cutover/config reads it too).
USAGE_DECLARATIONS: Final = tuple(json.loads(Path(__file__).with_name("usage_keys.json").read_text())["keys"])
# The StackProfile usage contract; then the optional keys beyond it (also default to 0).
USAGE_KEYS: Final = tuple(str(k["name"]) for k in USAGE_DECLARATIONS if k["contract"])
EXTRA_USAGE_KEYS: Final = tuple(str(k["name"]) for k in USAGE_DECLARATIONS if not k["contract"])
MILLION: Final = 1_000_000.0
UNPRICED: Final = "no price for"  # how an unpriced line's detail starts (the budget policies refuse those)


class Resource(Protocol):
    @property
    def type(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def urn(self) -> str: ...
    @property
    def inputs(self) -> Mapping[str, Any]: ...
    @property
    def custom(self) -> bool: ...


@dataclass(frozen=True)
class CostLine:
    urn: str
    name: str
    type: str
    monthly_usd: float
    detail: str


@dataclass
class CostReport:
    lines: list[CostLine] = field(default_factory=list)

    @property
    def total_usd(self) -> float:
        return round(sum(line.monthly_usd for line in self.lines), 2)

    def top(self, n: int = 3) -> list[CostLine]:
        return sorted(self.lines, key=lambda line: line.monthly_usd, reverse=True)[:n]

    def by_urn(self) -> dict[str, float]:
        out: dict[str, float] = defaultdict(float)
        for line in self.lines:
            out[line.urn] += line.monthly_usd
        return dict(out)


@dataclass(frozen=True)
class PriceTable:
    prices: Mapping[str, Mapping[str, Any]]
    hours: float
    vcpus: Mapping[str, int]
    assumptions: Mapping[str, float]

    def __call__(self, key: str) -> float:
        return float(self.prices[key]["usd"])

    def has(self, key: str) -> bool:
        return key in self.prices


@cache
def load_prices(path: Path = PRICES_FILE) -> PriceTable:
    doc = json.loads(path.read_text())
    return PriceTable(doc["prices"], float(doc["hoursPerMonth"]), doc["vcpus"], doc["assumptions"])


# --- small readers --------------------------------------------------------------------------------

def _num(value: Any, default: float = 0.0) -> float:
    if isinstance(value, bool) or value is None:
        return default
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return default
    return default


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _get(mapping: Any, *path: str) -> Any:
    cur = mapping
    for key in path:
        if not isinstance(cur, Mapping):
            return None
        cur = cur.get(key)
    return cur


def _outputs(r: Resource) -> Mapping[str, Any]:
    out = getattr(r, "outputs", None)
    return out if isinstance(out, Mapping) else {}


class _UnpricedError(Exception):
    pass


@dataclass
class _Ctx:
    resources: list[Resource]
    usage: Mapping[str, float]
    p: PriceTable
    services: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # usage.services.<svc>
    _invocations: dict[str, Any] | None = None
    # resources by type, built once: pricers look up "every resource of type X" once per resource they price,
    # which scanned the whole list each time (quadratic: 0.56 s of policy time at 2,400 registrations)
    _by_type: dict[str, list[Resource]] | None = None
    _free_fraction: tuple[float, float] | None = None  # the account's free tier spread over every function

    @property
    def invocations(self) -> dict[str, Any]:
        """Invocations a month per Lambda function URN, attributed once per estimate."""
        if self._invocations is None:
            self._invocations = attribute_invocations(self)
        return self._invocations

    def u(self, key: str) -> float:
        return max(0.0, _num(self.usage.get(key)))

    def of(self, *types: str) -> list[Resource]:
        if self._by_type is None:
            self._by_type = defaultdict(list)
            for r in self.resources:
                self._by_type[r.type].append(r)
        if len(types) == 1:
            return list(self._by_type.get(types[0], ()))
        wanted = set(types)  # several types: keep the resources' own order, as before
        return [r for r in self.resources if r.type in wanted]

    def price(self, key: str) -> float:
        if not self.p.has(key):
            raise _UnpricedError(key)
        return self.p(key)

    @property
    def hours(self) -> float:
        return self.p.hours


Pricer = Callable[[Resource, _Ctx], tuple[float, str]]
_PRICERS: dict[str, Pricer] = {}


def _prices(*types: str) -> Callable[[Pricer], Pricer]:
    def register(fn: Pricer) -> Pricer:
        for t in types:
            _PRICERS[t] = fn
        return fn
    return register


def _share(ctx: _Ctx, key: str, r: Resource, peers: list[Resource]) -> float:
    """This resource's even share of a usage figure borne by ``peers``."""
    return ctx.u(key) / len(peers) if r in peers and peers else 0.0


# --- compute & network ----------------------------------------------------------------------------

@_prices("aws:ec2/instance:Instance")
def _ec2(r: Resource, c: _Ctx) -> tuple[float, str]:
    itype = _str(r.inputs.get("instanceType"))
    hourly = c.price(f"ec2.instance.{itype}")
    root = r.inputs.get("rootBlockDevice") or {}
    gb = _num(_get(root, "volumeSize"), c.p.assumptions["ec2DefaultRootVolumeGb"])
    vtype = _str(_get(root, "volumeType")) or "gp3"
    disk = gb * c.price(f"ebs.{vtype}.gb" if c.p.has(f"ebs.{vtype}.gb") else "ebs.gp3.gb")
    ip = c.price("vpc.publicIpv4") * c.hours if r.inputs.get("associatePublicIpAddress") is True else 0.0
    return hourly * c.hours + disk + ip, f"{itype} {c.hours:g} h + {gb:g} GB {vtype}" + (" + public IPv4" if ip else "")


@_prices("aws:ebs/volume:Volume")
def _ebs(r: Resource, c: _Ctx) -> tuple[float, str]:
    vtype = _str(r.inputs.get("type")) or "gp3"
    gb = _num(r.inputs.get("size"))
    return gb * c.price(f"ebs.{vtype}.gb"), f"{gb:g} GB {vtype}"


@_prices("aws:ec2/eip:Eip")
def _eip(r: Resource, c: _Ctx) -> tuple[float, str]:
    return c.price("vpc.publicIpv4") * c.hours, "public IPv4 address"


@_prices("aws:ec2/natGateway:NatGateway")
def _nat(r: Resource, c: _Ctx) -> tuple[float, str]:
    hours_cost = c.price("vpc.natGateway.hour") * c.hours
    gb = _share(c, "natProcessedGb", r, c.of("aws:ec2/natGateway:NatGateway"))
    return hours_cost + gb * c.price("vpc.natGateway.gb"), f"{c.hours:g} h + {gb:g} GB processed"


@_prices("aws:ec2/vpcEndpoint:VpcEndpoint")
def _endpoint(r: Resource, c: _Ctx) -> tuple[float, str]:
    if _str(r.inputs.get("vpcEndpointType")) != "Interface":
        return 0.0, "gateway endpoint (free)"
    azs = max(1, len(_list(r.inputs.get("subnetIds"))))
    peers = [e for e in c.of("aws:ec2/vpcEndpoint:VpcEndpoint") if e.inputs.get("vpcEndpointType") == "Interface"]
    gb = _share(c, "vpcEndpointProcessedGb", r, peers)
    return (azs * c.hours * c.price("vpc.interfaceEndpoint.azHour") + gb * c.price("vpc.interfaceEndpoint.gb"),
            f"interface endpoint in {azs} AZ(s)")


def _entry_points(c: _Ctx) -> list[Resource]:
    lbs = c.of("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
    apis = c.of("aws:apigatewayv2/api:Api")
    return [*lbs, *apis]


def _internet_egress(r: Resource, c: _Ctx) -> tuple[float, str]:
    """Data transfer out, borne by CloudFront when present, else by the first entry point."""
    if c.of("aws:cloudfront/distribution:Distribution"):
        return 0.0, ""
    entries = _entry_points(c)
    if not entries or entries[0] is not r:
        return 0.0, ""
    gb = c.u("dataTransferOutGb")
    return gb * c.price("dataTransfer.internet.gb"), f" + {gb:g} GB out"


@_prices("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
def _lb(r: Resource, c: _Ctx) -> tuple[float, str]:
    kind = "nlb" if r.inputs.get("loadBalancerType") == "network" else "alb"
    rps = c.u("requestsPerMonth") / (c.hours * 3600)
    gb_per_hour = c.u("dataTransferOutGb") / c.hours
    lcu = max(rps / 25.0, gb_per_hour / 1.0)  # new connections/s per LCU vs processed GB/h per LCU
    egress, note = _internet_egress(r, c)
    cost = c.hours * (c.price(f"elb.{kind}.hour") + lcu * c.price(f"elb.{kind}.lcu")) + egress
    return cost, f"{kind.upper()} {c.hours:g} h + {lcu * c.hours:.1f} LCU-h{note}"


# --- databases ------------------------------------------------------------------------------------

@_prices("aws:rds/instance:Instance")
def _rds(r: Resource, c: _Ctx) -> tuple[float, str]:
    cls = _str(r.inputs.get("instanceClass"))
    multi = r.inputs.get("multiAz") is True
    factor = 2.0 if multi else 1.0
    # Instance hours are priced per engine (RDS for PostgreSQL and RDS for MySQL pricing pages differ);
    # gp3 storage costs the same for both.
    engine = _str(r.inputs.get("engine")) or "postgres"
    key = f"rds.instance.{cls}" if engine == "postgres" else f"rds.{engine}.instance.{cls}"
    compute = c.price(key) * factor * c.hours
    gb = _num(r.inputs.get("allocatedStorage"), c.p.assumptions["rdsDefaultAllocatedStorageGb"])
    stype = _str(r.inputs.get("storageType")) or "gp3"
    key = f"rds.storage.{stype if c.p.has(f'rds.storage.{stype}') else 'gp3'}" + (".multiAz" if multi else "")
    return compute + gb * c.price(key), f"{cls} {'Multi-AZ' if multi else 'Single-AZ'} + {gb:g} GB {stype}"


def _aurora_clusters(c: _Ctx) -> list[Resource]:
    return c.of("aws:rds/cluster:Cluster")


def _storage_bearers(c: _Ctx) -> list[Resource]:
    """Who bears ``databaseStorageGb``: Aurora clusters, else DynamoDB tables when no RDS instance exists
    (RDS instances bill their provisioned ``allocatedStorage`` instead)."""
    if _aurora_clusters(c):
        return _aurora_clusters(c)
    return [] if c.of("aws:rds/instance:Instance") else c.of("aws:dynamodb/table:Table")


@_prices("aws:rds/cluster:Cluster")
def _aurora(r: Resource, c: _Ctx) -> tuple[float, str]:
    gb = _share(c, "databaseStorageGb", r, _storage_bearers(c))
    cost = gb * c.price("aurora.storage.gb")
    detail = f"{gb:g} GB storage"
    serverless = r.inputs.get("serverlessv2ScalingConfiguration") is not None
    # Several clusters may run (the databases: map): only this cluster's instances count.
    instances = [i for i in c.of("aws:rds/clusterInstance:ClusterInstance") if _cluster_of(i, c) is r]
    if serverless and not instances:  # no instance registered: bill the ACUs here
        acu = c.u("auroraAverageAcu")
        cost += acu * c.hours * c.price("aurora.serverlessV2.acu")
        detail += f" + {acu:g} ACU avg"
    return cost, detail


INDEPENDENT_READER_TIER: Final = 2  # Serverless v2 readers in tiers 2-15 do not follow the writer's capacity


def _cluster_of(instance: Resource, c: _Ctx) -> Resource | None:
    clusters = _aurora_clusters(c)
    ref = _str(instance.inputs.get("clusterIdentifier"))
    for cluster in clusters:
        ids = {_str(cluster.inputs.get("clusterIdentifier")), _str(_outputs(cluster).get("id")),
               _str(_outputs(cluster).get("clusterIdentifier"))} - {""}
        if ref and ref in ids:
            return cluster
    return clusters[0] if len(clusters) == 1 else None


@_prices("aws:rds/clusterInstance:ClusterInstance")
def _aurora_instance(r: Resource, c: _Ctx) -> tuple[float, str]:
    """Serverless v2: ``auroraAverageAcu`` for the writer and the readers that follow it (promotion tiers
    0-1); a reader in tier 2+ scales on its own read load: ``auroraReaderAverageAcu``, never less than the
    cluster's ``minCapacity`` (what it idles at when no reads are routed to it)."""
    cls = _str(r.inputs.get("instanceClass"))
    if cls == "db.serverless":
        tier = _num(r.inputs.get("promotionTier"), 1.0)
        if tier >= INDEPENDENT_READER_TIER:
            cluster = _cluster_of(r, c)
            floor = _num(_get(cluster.inputs if cluster else {}, "serverlessv2ScalingConfiguration",
                              "minCapacity"), 0.5)
            acu = max(floor, c.u("auroraReaderAverageAcu"))  # never below the cluster's minCapacity
            return (acu * c.hours * c.price("aurora.serverlessV2.acu"),
                    f"Serverless v2 reader (tier {tier:g}, scales on its own), {acu:g} ACU average")
        acu = c.u("auroraAverageAcu")
        return acu * c.hours * c.price("aurora.serverlessV2.acu"), f"Serverless v2, {acu:g} ACU average"
    # Provisioned instance hours are priced per engine (Aurora pricing page: Aurora PostgreSQL, Aurora MySQL).
    engine = _str(r.inputs.get("engine"))
    key = f"aurora.mysql.instance.{cls}" if engine == "aurora-mysql" else f"aurora.instance.{cls}"
    return c.price(key) * c.hours, f"{cls} {c.hours:g} h"


def _proxied_capacity(r: Resource, c: _Ctx) -> tuple[float, str]:
    """(vCPUs, 'vcpu') of the proxied RDS instances, or (ACUs, 'acu') for Aurora Serverless v2."""
    targets = c.of("aws:rds/proxyTarget:ProxyTarget")
    # A stack may run several proxies (one per database): each is billed on its own targets only.
    own = [t for t in targets if _str(t.inputs.get("dbProxyName")) == _str(r.inputs.get("name"))]
    if own:
        targets = own
        cluster_ids = {_str(t.inputs.get("dbClusterIdentifier")) for t in own} - {""}
        if cluster_ids:
            members = [m for m in c.of("aws:rds/clusterInstance:ClusterInstance")
                       if (cl := _cluster_of(m, c)) is not None
                       and _str(cl.inputs.get("clusterIdentifier")) in cluster_ids]
            return _members_capacity(members, c, 1)
    ids = {_str(t.inputs.get("dbInstanceIdentifier")) for t in targets} - {""}
    instances = c.of("aws:rds/instance:Instance")
    chosen = [i for i in instances if _str(i.inputs.get("identifier")) in ids] or instances
    if chosen:
        return sum(float(c.p.vcpus.get(_str(i.inputs.get("instanceClass")), 2)) for i in chosen), "vcpu"
    members = c.of("aws:rds/clusterInstance:ClusterInstance")
    return _members_capacity(members, c, 1 if _aurora_clusters(c) else 0)


def _members_capacity(members: list[Resource], c: _Ctx, clusters: int) -> tuple[float, str]:
    """(vCPUs, 'vcpu') of provisioned cluster members, else (ACUs, 'acu') of the Serverless v2 ones."""
    provisioned = [m for m in members if _str(m.inputs.get("instanceClass")) != "db.serverless"]
    if provisioned:
        return sum(float(c.p.vcpus.get(_str(m.inputs.get("instanceClass")), 2)) for m in provisioned), "vcpu"
    serverless = len(members) - len(provisioned) or clusters
    return c.u("auroraAverageAcu") * serverless, "acu"


@_prices("aws:rds/proxy:Proxy")
def _proxy(r: Resource, c: _Ctx) -> tuple[float, str]:
    amount, unit = _proxied_capacity(r, c)
    if unit == "vcpu":
        amount = max(2.0, amount)
        return amount * c.hours * c.price("rds.proxy.vcpu"), f"{amount:g} vCPU of targets"
    amount = max(8.0, amount)
    return amount * c.hours * c.price("rds.proxy.acu"), f"{amount:g} ACU of targets (minimum 8)"


@_prices("aws:elasticache/replicationGroup:ReplicationGroup")
def _redis(r: Resource, c: _Ctx) -> tuple[float, str]:
    node = _str(r.inputs.get("nodeType"))
    groups = _num(r.inputs.get("numNodeGroups"))
    if groups:
        nodes = groups * (1 + _num(r.inputs.get("replicasPerNodeGroup")))
    else:
        nodes = _num(r.inputs.get("numCacheClusters"), 1.0) or 1.0
    return nodes * c.hours * c.price(f"elasticache.node.{node}"), f"{nodes:g} x {node}"


@_prices("aws:elasticache/cluster:Cluster")
def _cache_cluster(r: Resource, c: _Ctx) -> tuple[float, str]:
    node = _str(r.inputs.get("nodeType"))
    nodes = _num(r.inputs.get("numCacheNodes"), 1.0) or 1.0
    return nodes * c.hours * c.price(f"elasticache.node.{node}"), f"{nodes:g} x {node}"


@_prices("aws:dynamodb/table:Table")
def _dynamodb(r: Resource, c: _Ctx) -> tuple[float, str]:
    gb = _share(c, "databaseStorageGb", r, _storage_bearers(c))
    storage = gb * c.price("dynamodb.storage.gb")
    mode = _str(r.inputs.get("billingMode")) or "PROVISIONED"
    if mode == "PAY_PER_REQUEST":
        peers = [t for t in c.of("aws:dynamodb/table:Table") if t.inputs.get("billingMode") == "PAY_PER_REQUEST"]
        reads = _share(c, "dynamodbReadsPerMonth", r, peers)
        writes = _share(c, "dynamodbWritesPerMonth", r, peers)
        cost = reads / MILLION * c.price("dynamodb.onDemand.reads") + writes / MILLION * c.price(
            "dynamodb.onDemand.writes")
        return cost + storage, f"on-demand {reads:g} reads, {writes:g} writes, {gb:g} GB"
    rcu, wcu = _num(r.inputs.get("readCapacity")), _num(r.inputs.get("writeCapacity"))
    for gsi in _list(r.inputs.get("globalSecondaryIndexes")):
        rcu += _num(_get(gsi, "readCapacity"))
        wcu += _num(_get(gsi, "writeCapacity"))
    cost = c.hours * (rcu * c.price("dynamodb.provisioned.rcu") + wcu * c.price("dynamodb.provisioned.wcu"))
    return cost + storage, f"provisioned {rcu:g} RCU / {wcu:g} WCU, {gb:g} GB"


# --- serverless & APIs ----------------------------------------------------------------------------

def _arch(fn: Resource) -> str:
    return "arm64" if "arm64" in _list(fn.inputs.get("architectures")) else "x86_64"


def _memory_gb(fn: Resource, c: _Ctx) -> float:
    return _num(fn.inputs.get("memorySize"), c.p.assumptions["lambdaDefaultMemoryMb"]) / 1024.0


@_prices("aws:lambda/function:Function")
def _lambda(r: Resource, c: _Ctx) -> tuple[float, str]:
    calls = c.invocations.get(r.urn) or Invocations(0.0, None, "no trigger")
    gb_s = _gb_seconds(r, c)
    free_requests, free_gb_s = _lambda_free_fraction(c)
    cost = calls.requests * (1 - free_requests) / MILLION * c.price("lambda.requests") \
        + gb_s * (1 - free_gb_s) * c.price(f"lambda.gbSecond.{_arch(r)}")
    free = f", {free_requests:.0%} of requests and {free_gb_s:.0%} of GB-s in the free tier" \
        if calls.requests and (free_requests or free_gb_s) else ""
    return cost, f"{calls.requests:g} invocations ({calls.basis}), {gb_s:,.0f} GB-s {_arch(r)}{free}"


def _gb_seconds(fn: Resource, c: _Ctx) -> float:
    calls = c.invocations.get(fn.urn) or Invocations(0.0, None, "no trigger")
    duration = c.u("avgLambdaDurationMs") if calls.duration_ms is None else calls.duration_ms
    return calls.requests * duration / 1000.0 * _memory_gb(fn, c)


def _lambda_free_fraction(c: _Ctx) -> tuple[float, float]:
    """The share of every function's requests and GB-seconds that ``lambdaFreeTierShare`` of the account's
    always-free allowance covers (it is per account, across all functions: applied pro rata)."""
    if c._free_fraction is None:  # one figure for the whole stack: computed once, not once per function
        c._free_fraction = _free_fraction(c)
    return c._free_fraction


def _free_fraction(c: _Ctx) -> tuple[float, float]:
    share = min(1.0, c.u("lambdaFreeTierShare"))
    if not share:
        return 0.0, 0.0
    fns = c.of("aws:lambda/function:Function")
    requests = sum((c.invocations.get(f.urn) or Invocations(0.0, None, "")).requests for f in fns)
    gb_s = sum(_gb_seconds(f, c) for f in fns)
    free_requests = share * float(c.p.assumptions.get("lambdaAlwaysFreeRequests", 0))
    free_gb_s = share * float(c.p.assumptions.get("lambdaAlwaysFreeGbSeconds", 0))
    return (min(1.0, free_requests / requests) if requests else 0.0, min(1.0, free_gb_s / gb_s) if gb_s else 0.0)


# --- what invokes each function ---------------------------------------------------------------------
# A function is priced from its trigger, found in the resources that invoke it: an API (HTTP API or load
# balancer: its share of requestsPerMonth), a WebSocket API (its share of websocketMessagesPerMonth), a schedule
# (the expression's firings in a 30-day month), an SQS event source mapping (its queue's share of
# queueMessagesPerMonth, in batches of batchSize), IoT rules (iotMessagesPerMonth), SNS (alarm notifications: the
# rollback Lambda; none in a month without an incident) or nothing the stack declares (run on demand by the
# deployment or an operator: none). A profile's ``usage.services.<service>`` wins for that service's function.

@dataclass(frozen=True)
class Invocations:
    requests: float
    duration_ms: float | None  # None: the stack's avgLambdaDurationMs
    basis: str  # what the figure comes from, shown in the cost line


_FUNCTION_ARN_NAME: Final = re.compile(r":function:([A-Za-z0-9_-]+)")
# Lambda's default BatchSize for an SQS event source (Lambda API reference, CreateEventSourceMapping).
SQS_DEFAULT_BATCH: Final = 10
API_PRINCIPALS: Final = ("apigateway.amazonaws.com", "elasticloadbalancing.amazonaws.com")


def _fn_key(value: Any) -> str:
    """A function named by name, ARN or qualified ARN -> its name."""
    text = _str(value)
    match = _FUNCTION_ARN_NAME.search(text)
    return match.group(1) if match else text.split(":", 1)[0]


def _service_of(fn: Resource) -> str:
    """The service a platform-built service function runs (its SERVICE_NAME variable), else ''."""
    return _str(_get(fn.inputs.get("environment"), "variables", "SERVICE_NAME"))


def _linked(a: Resource, candidates: list[Resource], *keys: str) -> list[Resource]:
    """Candidates ``a`` depends on, or whose id/ARN/name one of ``a``'s ``keys`` inputs mentions."""
    deps = set(getattr(a, "dependencies", ()) or ())
    found = [x for x in candidates if x.urn in deps]
    if found:
        return found
    texts = [_str(a.inputs.get(k)) for k in keys]
    out = []
    for x in candidates:
        ids = {_str(_outputs(x).get(k)) for k in ("id", "arn", "name")} | {_str(x.inputs.get("name"))}
        if any(i and t and (i == t or i in t) for i in ids - {""} for t in texts):
            out.append(x)
    return out


def attribute_invocations(c: _Ctx) -> dict[str, Invocations]:
    """Invocations a month per function URN (see above)."""
    functions = c.of("aws:lambda/function:Function")
    by_name: dict[str, Resource] = {}
    for fn in functions:
        for n in (_str(fn.inputs.get("name")), _str(_outputs(fn).get("name"))):
            if n:
                by_name[n] = fn
    apis = c.of("aws:apigatewayv2/api:Api")
    websockets = [a for a in apis if a.inputs.get("protocolType") == "WEBSOCKET"]
    rules = c.of("aws:cloudwatch/eventRule:EventRule")
    kind: dict[str, tuple[str, Any]] = {}  # urn -> (trigger, detail), first trigger found wins by priority below
    priority = {"schedule": 0, "queue": 1, "websocket": 2, "api": 3, "iot": 4, "s3": 5, "alarm": 6}

    def mark(fn: Resource | None, trigger: str, detail: Any = None) -> None:
        if fn is None:
            return
        old = kind.get(fn.urn)
        if old is None or priority[trigger] < priority[old[0]]:
            kind[fn.urn] = (trigger, detail)

    for t in c.of("aws:cloudwatch/eventTarget:EventTarget"):
        rule = next((x for x in rules if _str(x.inputs.get("name")) == _str(t.inputs.get("rule"))), None) \
            or next(iter(_linked(t, rules, "rule")), None)
        if rule is not None and _str(rule.inputs.get("scheduleExpression")):
            mark(by_name.get(_fn_key(t.inputs.get("arn"))), "schedule", rule)
    for m in c.of("aws:lambda/eventSourceMapping:EventSourceMapping"):
        mark(by_name.get(_fn_key(m.inputs.get("functionName"))), "queue", m)
    for p in c.of("aws:lambda/permission:Permission"):
        target = by_name.get(_fn_key(p.inputs.get("function")))
        principal = _str(p.inputs.get("principal"))
        if principal == "events.amazonaws.com":
            rule = next(iter(_linked(p, rules, "sourceArn")), None)
            if rule is not None and _str(rule.inputs.get("scheduleExpression")):
                mark(target, "schedule", rule)
        elif principal == "apigateway.amazonaws.com" and _linked(p, websockets, "sourceArn"):
            mark(target, "websocket", _linked(p, websockets, "sourceArn")[0])
        elif principal in API_PRINCIPALS:
            mark(target, "api")
        elif principal == "iot.amazonaws.com":
            mark(target, "iot")
        elif principal == "s3.amazonaws.com":
            mark(target, "s3")
        elif principal == "sns.amazonaws.com":
            mark(target, "alarm")

    explicit = c.services
    out: dict[str, Invocations] = {}
    for fn in functions:
        svc = _service_of(fn)
        given = explicit.get(svc, {}) if svc else {}
        duration = _num(given.get("avgDurationMs")) if "avgDurationMs" in given else None
        if "requestsPerMonth" in given:
            out[fn.urn] = Invocations(max(0.0, _num(given["requestsPerMonth"])), duration,
                                      f"usage.services.{svc}")
            continue
        trigger, detail = kind.get(fn.urn, ("none", None))
        basis = _BASIS[trigger] if trigger != "schedule" else \
            f"schedule {_str(detail.inputs.get('scheduleExpression'))}"
        if trigger == "none" and svc:
            basis += f"; set usage.services.{svc}"
        out[fn.urn] = Invocations(_trigger_requests(c, trigger, detail, kind, explicit), duration, basis)
    return out


_BASIS: Final = {"api": "share of requestsPerMonth", "websocket": "share of websocketMessagesPerMonth",
                 "queue": "queue messages / batch size", "iot": "share of iotMessagesPerMonth",
                 "s3": "share of s3PutRequestsPerMonth", "alarm": "alarm notifications: none in a normal month",
                 "none": "on demand: nothing in the stack invokes it"}


def _trigger_requests(c: _Ctx, trigger: str, detail: Any, kind: Mapping[str, tuple[str, Any]],
                      explicit: Mapping[str, Mapping[str, Any]]) -> float:
    peers = [u for u, (k, _) in kind.items() if k == trigger]
    if trigger == "schedule":
        try:
            return firings_per_month(_str(detail.inputs.get("scheduleExpression")))
        except ScheduleError:
            return 0.0
    if trigger == "api":
        # HTTP requests: the API services that set their own figure keep it, the rest share what is left evenly.
        fns = {f.urn: f for f in c.of("aws:lambda/function:Function")}
        fixed = [u for u in peers if "requestsPerMonth" in explicit.get(_service_of(fns[u]), {})]
        taken = sum(_num(explicit[_service_of(fns[u])]["requestsPerMonth"]) for u in fixed)
        rest = len(peers) - len(fixed)
        return max(0.0, c.u("requestsPerMonth") - taken) / rest if rest else 0.0
    if trigger == "websocket":
        same = [u for u in peers if kind[u][1] is detail]
        return c.u("websocketMessagesPerMonth") / max(1, len(same)) / max(1, len(
            [a for a in c.of("aws:apigatewayv2/api:Api") if a.inputs.get("protocolType") == "WEBSOCKET"]))
    if trigger == "queue":
        mappings = c.of("aws:lambda/eventSourceMapping:EventSourceMapping")
        sources = {_str(m.inputs.get("eventSourceArn")) or m.urn for m in mappings}
        messages = c.u("queueMessagesPerMonth") / max(1, len(sources))
        batch = _num(detail.inputs.get("batchSize"), SQS_DEFAULT_BATCH) or SQS_DEFAULT_BATCH
        return messages / batch
    if trigger == "iot":
        return c.u("iotMessagesPerMonth") / max(1, len(peers))
    if trigger == "s3":
        return c.u("s3PutRequestsPerMonth") / max(1, len(peers))
    return 0.0


def _function_for(name: str, c: _Ctx) -> Resource | None:
    for fn in c.of("aws:lambda/function:Function"):
        names = {_str(fn.inputs.get("name")), _str(_outputs(fn).get("name")), _str(_outputs(fn).get("arn"))} - {""}
        if name in names or any(name.endswith(f":function:{n}") for n in names):
            return fn
    return None


@_prices("aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig")
def _provisioned(r: Resource, c: _Ctx) -> tuple[float, str]:
    n = _num(r.inputs.get("provisionedConcurrentExecutions"))
    fn = _function_for(_str(r.inputs.get("functionName")), c)
    gb = _memory_gb(fn, c) if fn else c.p.assumptions["lambdaDefaultMemoryMb"] / 1024.0
    arch = _arch(fn) if fn else "x86_64"
    seconds = c.hours * 3600
    return n * gb * seconds * c.price(f"lambda.provisioned.{arch}"), f"{n:g} x {gb * 1024:g} MB always warm"


@_prices("aws:apigatewayv2/api:Api")
def _api(r: Resource, c: _Ctx) -> tuple[float, str]:
    apis = c.of("aws:apigatewayv2/api:Api")
    if _str(r.inputs.get("protocolType")) == "WEBSOCKET":
        peers = [a for a in apis if a.inputs.get("protocolType") == "WEBSOCKET"]
        msgs = _share(c, "websocketMessagesPerMonth", r, peers)
        mins = _share(c, "websocketConnectionMinutes", r, peers)
        cost = msgs / MILLION * c.price("apigw.websocket.messages") + mins / MILLION * c.price(
            "apigw.websocket.connectionMinutes")
        egress, note = _internet_egress(r, c)
        return cost + egress, f"{msgs:g} messages, {mins:g} connection minutes{note}"
    peers = [a for a in apis if a.inputs.get("protocolType") != "WEBSOCKET"]
    requests = _share(c, "requestsPerMonth", r, peers)
    egress, note = _internet_egress(r, c)
    return requests / MILLION * c.price("apigw.http.requests") + egress, f"{requests:g} HTTP API requests{note}"


@_prices("aws:cloudfront/distribution:Distribution")
def _cloudfront(r: Resource, c: _Ctx) -> tuple[float, str]:
    """Transfer and requests, less this distribution's part of ``cloudfrontFreeTierShare`` (0..1, default 0):
    the share of the account's always-free CloudFront allowance (1 TB, 10M requests a month) the profile
    declares the stack may count on. 0 (no free tier) unless the profile says the account is its own."""
    peers = c.of("aws:cloudfront/distribution:Distribution")
    gb = _share(c, "dataTransferOutGb", r, peers)
    requests = _share(c, "cloudfrontRequestsPerMonth", r, peers)
    share = min(1.0, c.u("cloudfrontFreeTierShare")) / max(1, len(peers))
    free_gb = share * float(c.p.assumptions.get("cloudfrontAlwaysFreeGb", 0))
    free_requests = share * float(c.p.assumptions.get("cloudfrontAlwaysFreeRequests", 0))
    billed_gb, billed_requests = max(0.0, gb - free_gb), max(0.0, requests - free_requests)
    cost = billed_gb * c.price("cloudfront.dataTransfer.gb") + billed_requests / 10_000 * c.price(
        "cloudfront.requests.https")
    free = f" (always-free tier: {free_gb:g} GB, {free_requests:g} requests)" if share else ""
    return cost, f"{gb:g} GB out, {requests:g} requests{free}"


@_prices("aws:wafv2/webAcl:WebAcl")
def _waf(r: Resource, c: _Ctx) -> tuple[float, str]:
    rules = len(_list(r.inputs.get("rules")))
    key = "cloudfrontRequestsPerMonth" if r.inputs.get("scope") == "CLOUDFRONT" else "requestsPerMonth"
    peers = [w for w in c.of("aws:wafv2/webAcl:WebAcl") if (w.inputs.get("scope") == "CLOUDFRONT") ==
             (key == "cloudfrontRequestsPerMonth")]
    requests = _share(c, key, r, peers)
    cost = c.price("waf.webAcl") + rules * c.price("waf.rule") + requests / MILLION * c.price("waf.requests")
    return cost, f"web ACL + {rules} rule(s) + {requests:g} requests"


# --- storage, messaging, observability ------------------------------------------------------------

@_prices("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
def _s3(r: Resource, c: _Ctx) -> tuple[float, str]:
    peers = c.of("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
    gb = _share(c, "s3StorageGb", r, peers)
    puts, gets = _share(c, "s3PutRequestsPerMonth", r, peers), _share(c, "s3GetRequestsPerMonth", r, peers)
    cost = gb * c.price("s3.standard.gb") + puts / 1000 * c.price("s3.requests.put") + gets / 1000 * c.price(
        "s3.requests.get")
    return cost, f"{gb:g} GB Standard"


@_prices("aws:ecr/repository:Repository")
def _ecr(r: Resource, c: _Ctx) -> tuple[float, str]:
    peers = c.of("aws:ecr/repository:Repository")
    gb = _share(c, "ecrStorageGb", r, peers) if c.u("ecrStorageGb") else c.p.assumptions["ecrGbPerRepository"]
    return gb * c.price("ecr.storage.gb"), f"{gb:g} GB of images"




# Resources billed one flat monthly price: type -> (price key, what the line says).
_FLAT: Final[dict[str, tuple[str, str]]] = {
    "aws:secretsmanager/secret:Secret": ("secretsmanager.secret", "1 secret"),
    "aws:kms/key:Key": ("kms.key", "1 customer managed key"),
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": ("cloudwatch.alarm.composite", "composite alarm"),
    "aws:cloudwatch/dashboard:Dashboard": ("cloudwatch.dashboard", "dashboard"),
    "aws:route53/zone:Zone": ("route53.hostedZone", "hosted zone"),
}


def _flat(key: str, detail: str) -> Pricer:
    def price(r: Resource, c: _Ctx) -> tuple[float, str]:
        return c.price(key), detail
    return price


for _type, (_key, _detail) in _FLAT.items():
    _PRICERS[_type] = _flat(_key, _detail)


@_prices("aws:cloudwatch/metricAlarm:MetricAlarm")
def _alarm(r: Resource, c: _Ctx) -> tuple[float, str]:
    queries = [q for q in _list(r.inputs.get("metricQueries")) if isinstance(q, Mapping) and q.get("metric")]
    metrics = max(1, len(queries))
    high_res = 0 < _num(r.inputs.get("period"), 60) < 60
    key = "cloudwatch.alarm.highResolution" if high_res else "cloudwatch.alarm.standard"
    return metrics * c.price(key), f"{metrics} metric(s){' high-resolution' if high_res else ''}"




@_prices("aws:cloudwatch/logGroup:LogGroup")
def _logs(r: Resource, c: _Ctx) -> tuple[float, str]:
    gb = _share(c, "logsIngestedGb", r, c.of("aws:cloudwatch/logGroup:LogGroup"))
    return gb * c.price("cloudwatch.logs.ingestion.gb"), f"{gb:g} GB ingested"



@_prices("aws:route53/healthCheck:HealthCheck")
def _health(r: Resource, c: _Ctx) -> tuple[float, str]:
    fqdn = _str(r.inputs.get("fqdn"))
    aws_endpoint = fqdn.endswith(".amazonaws.com") or fqdn.endswith(".cloudfront.net")
    return c.price("route53.healthCheck.aws" if aws_endpoint else "route53.healthCheck.other"), "health check"


@_prices("aws:ses/domainIdentity:DomainIdentity")
def _ses(r: Resource, c: _Ctx) -> tuple[float, str]:
    emails = _share(c, "sesEmailsPerMonth", r, c.of("aws:ses/domainIdentity:DomainIdentity"))
    return emails / 1000 * c.price("ses.emails"), f"{emails:g} emails"


@_prices("aws:sns/topic:Topic")
def _sns(r: Resource, c: _Ctx) -> tuple[float, str]:
    n = _share(c, "snsPublishesPerMonth", r, c.of("aws:sns/topic:Topic"))
    return n / MILLION * c.price("sns.publishes"), f"{n:g} publishes"


# A work queue's message costs three requests: SendMessage, ReceiveMessage, DeleteMessage (SQS pricing: every API
# action is a request, per 64 KB chunk; an upper bound, since Lambda receives and deletes in batches). FIFO requests
# are priced higher, and the first 1M requests a month of the account are free (aws.amazon.com/sqs/pricing).
SQS_REQUESTS_PER_MESSAGE: Final = 3


def _work_queues(c: _Ctx) -> list[Resource]:
    """The stack's queues with a redrive policy (components/queues.py): the ones that carry the work messages."""
    return [q for q in c.of("aws:sqs/queue:Queue") if q.inputs.get("redrivePolicy")]


@_prices("aws:sqs/queue:Queue")
def _sqs(r: Resource, c: _Ctx) -> tuple[float, str]:
    work = _work_queues(c)
    if r not in work:  # a function's failure queue, a dead-letter queue: the sqsRequestsPerMonth assumption
        n = _share(c, "sqsRequestsPerMonth", r, c.of("aws:sqs/queue:Queue"))
        return n / MILLION * c.price("sqs.requests"), f"{n:g} requests"
    messages = c.u("queueMessagesPerMonth") / len(work)
    requests = messages * SQS_REQUESTS_PER_MESSAGE
    total = c.u("queueMessagesPerMonth") * SQS_REQUESTS_PER_MESSAGE
    free = requests * min(1.0, float(c.p.assumptions.get("sqsAlwaysFreeRequests", 0)) / total) if total else 0.0
    fifo = r.inputs.get("fifoQueue") is True
    price = c.price("sqs.fifoRequests" if fifo else "sqs.requests")
    return (requests - free) / MILLION * price, (f"{messages:g} messages x {SQS_REQUESTS_PER_MESSAGE} requests"
                                                 + (" (FIFO)" if fifo else "") + (f", {free:g} free" if free else ""))


_IOT_TYPES: Final = ("aws:iot/topicRule:TopicRule", "aws:iot/thingType:ThingType", "aws:iot/policy:Policy")


@_prices(*_IOT_TYPES)
def _iot(r: Resource, c: _Ctx) -> tuple[float, str]:
    msgs = c.u("iotMessagesPerMonth")
    cost, parts = 0.0, []
    bearer = next((x for t in _IOT_TYPES for x in c.of(t)), None)
    if bearer is r:
        cost += msgs / MILLION * c.price("iot.messages")
        parts.append(f"{msgs:g} messages")
    if r.type == "aws:iot/topicRule:TopicRule":
        actions = sum(len(_list(r.inputs.get(k))) for k in (
            "lambdas", "sqs", "sns", "dynamodbs", "dynamodbv2s", "kineses", "firehoses", "s3", "republishes",
            "cloudwatchLogs", "cloudwatchMetrics", "https", "timestreams", "iotEvents", "stepFunctions")) or 1
        cost += msgs / MILLION * (c.price("iot.rules") + actions * c.price("iot.actions"))
        parts.append(f"rule with {actions} action(s)")
    return cost, ", ".join(parts) or "no charge"


# --- containers -----------------------------------------------------------------------------------

def _task_definition_for(service: Resource, c: _Ctx) -> Resource | None:
    ref = _str(service.inputs.get("taskDefinition"))
    defs = c.of("aws:ecs/taskDefinition:TaskDefinition")
    for d in defs:
        family = _str(d.inputs.get("family"))
        arn = _str(_outputs(d).get("arn"))
        if (arn and ref == arn) or (family and (ref == family or f"task-definition/{family}:" in ref
                                                or ref.startswith(f"{family}:"))):
            return d
    deps = set(getattr(service, "dependencies", ()) or ())
    linked = [d for d in defs if d.urn in deps]
    if linked:
        return linked[0]
    return defs[0] if len(defs) == 1 else None


def _is_fargate(service: Resource) -> bool:
    if service.inputs.get("launchType") == "FARGATE":
        return True
    providers = {_str(_get(s, "capacityProvider")) for s in _list(service.inputs.get("capacityProviderStrategies"))}
    return bool(providers & {"FARGATE", "FARGATE_SPOT"})


def _spot_fraction(service: Resource, tasks: float) -> float:
    """Share of ``tasks`` on FARGATE_SPOT. ECS places the strategy's ``base`` tasks on the provider
    that declares it first and splits only the rest by ``weight`` (ECS API reference,
    CapacityProviderStrategyItem), so a service at its base runs no Spot at all."""
    strategies = [s for s in _list(service.inputs.get("capacityProviderStrategies")) if isinstance(s, Mapping)]
    total = sum(_num(s.get("weight"), 0.0) for s in strategies)
    if not total or tasks <= 0:
        return 0.0
    base = sum(_num(s.get("base"), 0.0) for s in strategies)
    spot = [s for s in strategies if s.get("capacityProvider") == "FARGATE_SPOT"]
    on_base = min(tasks, base)
    spot_tasks = (on_base * sum(_num(s.get("base"), 0.0) for s in spot) / base if base else 0.0) \
        + max(tasks - base, 0.0) * sum(_num(s.get("weight"), 0.0) for s in spot) / total
    return spot_tasks / tasks


@_prices("aws:ecs/service:Service")
def _ecs_service(r: Resource, c: _Ctx) -> tuple[float, str]:
    if not _is_fargate(r):
        return 0.0, "EC2 launch type (instances priced separately)"
    peers = [s for s in c.of("aws:ecs/service:Service") if _is_fargate(s)]
    tasks = _share(c, "ecsAverageTaskCount", r, peers)
    td = _task_definition_for(r, c)
    if td is None:
        raise _UnpricedError("task definition of the service")
    vcpu = _num(td.inputs.get("cpu"), 256) / 1024.0
    mem_gb = _num(td.inputs.get("memory"), 512) / 1024.0
    arch = "arm64" if _str(_get(td.inputs.get("runtimePlatform"), "cpuArchitecture")) == "ARM64" else "x86_64"
    spot = _spot_fraction(r, tasks)
    on_demand = vcpu * c.price(f"fargate.vcpu.{arch}") + mem_gb * c.price(f"fargate.gb.{arch}")
    spot_rate = vcpu * c.price(f"fargate.spot.vcpu.{arch}") + mem_gb * c.price(f"fargate.spot.gb.{arch}")
    hourly = (1 - spot) * on_demand + spot * spot_rate
    return tasks * c.hours * hourly, (f"{tasks:g} task(s) avg x {vcpu:g} vCPU/{mem_gb:g} GB {arch}"
                                      + (f", {spot:.0%} Spot" if spot else ""))


# --- AWS DMS (replication during the parallel run) -----------------------------------------------

DMS_PREFIX: Final = "aws:dms/"
_DMS_INCLUDED_OTHER_FAMILIES: Final = ("c4", "r4", "r5")  # prices.json assumptionSources


def _dms_included_gb(instance_class: str, c: _Ctx) -> float:
    family = instance_class.split(".")[1] if instance_class.count(".") >= 2 else ""
    if family in ("t2", "t3"):
        return float(c.p.assumptions.get("dmsIncludedStorageGbBurstable", 0))
    if family in _DMS_INCLUDED_OTHER_FAMILIES:
        return float(c.p.assumptions.get("dmsIncludedStorageGbOther", 0))
    return 0.0


@_prices("aws:dms/replicationInstance:ReplicationInstance")
def _dms_instance(r: Resource, c: _Ctx) -> tuple[float, str]:
    cls = _str(r.inputs.get("replicationInstanceClass"))
    multi = r.inputs.get("multiAz") is True
    factor = float(c.p.assumptions.get("dmsMultiAzFactor", 2)) if multi else 1.0
    compute = c.price(f"dms.instance.{cls}") * factor * c.hours
    gb = _num(r.inputs.get("allocatedStorage"), 50.0)  # the DMS API default allocation
    billed = max(0.0, gb - _dms_included_gb(cls, c))
    storage = billed * c.price("dms.storage.gp2" + (".multiAz" if multi else ""))
    return compute + storage, (f"{cls} {'Multi-AZ' if multi else 'Single-AZ'} {c.hours:g} h + {gb:g} GB "
                               f"({billed:g} GB beyond the included storage)")


@_prices("aws:dms/replicationConfig:ReplicationConfig")
def _dms_serverless(r: Resource, c: _Ctx) -> tuple[float, str]:
    """DMS Serverless bills DCU-hours; with no source activity it scales down to ``minCapacityUnits``
    (DMS API reference, ComputeConfig), so the floor is priced: the full load runs higher, up to
    ``maxCapacityUnits``."""
    compute = r.inputs.get("computeConfig") or {}
    low = _num(_get(compute, "minCapacityUnits"), 1.0) or 1.0
    high = _num(_get(compute, "maxCapacityUnits"), low)
    multi = _get(compute, "multiAz") is True
    factor = float(c.p.assumptions.get("dmsMultiAzFactor", 2)) if multi else 1.0
    hourly = c.price("dms.serverless.dcuHour")
    return (low * factor * c.hours * hourly,
            f"{low:g} DCU floor{' Multi-AZ' if multi else ''} (up to {high:g} DCU while loading: "
            f"${high * factor * c.hours * hourly:,.2f}/month)")


@dataclass(frozen=True)
class Overlap:
    """The parallel-run month (blue and green side by side, replication between them) against the
    steady state after blue is retired. ``blue_usd`` is the profile's ``blueMonthlyUsd`` (blue's own
    bill outside this stack), None when not given: then the parallel run is unknown."""

    blue_usd: float | None
    green_usd: float  # everything this stack plans except replication
    replication_usd: float  # the aws:dms/* lines
    replication_unpriced: tuple[str, ...] = ()  # DMS lines with no price (their cost is missing above)

    @property
    def parallel_run_usd(self) -> float | None:
        if self.blue_usd is None:
            return None
        return round(self.blue_usd + self.green_usd + self.replication_usd, 2)

    @property
    def steady_state_usd(self) -> float:
        return round(self.green_usd, 2)

    def to_json(self) -> dict[str, Any]:
        return {"parallelRunUsd": self.parallel_run_usd, "steadyStateUsd": self.steady_state_usd,
                "blueUsd": self.blue_usd, "greenUsd": round(self.green_usd, 2),
                "replicationUsd": round(self.replication_usd, 2),
                "replicationUnpriced": list(self.replication_unpriced)}


def steady_state(report: CostReport) -> CostReport:
    """The month after the cutover: without the replication, which leaves the stack once every
    dataset's writer is green (``cutover/data_guard.py``). The budgets are steady-state targets."""
    return CostReport([line for line in report.lines if not line.type.startswith(DMS_PREFIX)])


def overlap(report: CostReport, usage: Mapping[str, Any]) -> Overlap:
    dms = [line for line in report.lines if line.type.startswith(DMS_PREFIX)]
    replication = sum(line.monthly_usd for line in dms)
    raw = usage.get("blueMonthlyUsd")
    blue = None if raw is None or isinstance(raw, bool) else max(0.0, _num(raw))
    return Overlap(blue_usd=blue, green_usd=report.total_usd - replication, replication_usd=replication,
                   replication_unpriced=tuple(line.name for line in dms if line.detail.startswith(UNPRICED)))


# --- entry point ----------------------------------------------------------------------------------

def estimate(resources: Iterable[Resource], usage: Mapping[str, float],
             prices: PriceTable | None = None, services: Mapping[str, Mapping[str, Any]] | None = None) -> CostReport:
    """Monthly cost of ``resources`` under ``usage`` (and ``services``: a profile's per-service usage,
    ``{service: {requestsPerMonth, avgDurationMs}}``). Unpriced sizes are reported as $0 lines saying so."""
    ctx = _Ctx([r for r in resources if r.custom], usage, prices or load_prices(), dict(services or {}))
    report = CostReport()
    for r in ctx.resources:
        pricer = _PRICERS.get(r.type)
        if pricer is None:
            continue
        try:
            usd, detail = pricer(r, ctx)
        except _UnpricedError as e:
            usd, detail = 0.0, f"{UNPRICED} {e.args[0]} (add it to prices.json)"
        report.lines.append(CostLine(r.urn, r.name, r.type, round(max(0.0, usd), 4), detail))
    return report
